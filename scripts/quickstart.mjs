#!/usr/bin/env node
// `npm start`: runs the quickstart experiment (docs/examples/quickstart) and says where its results are.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const db = process.env.AUP_DB ?? join(root, 'experiments.db');
const aup = join(root, 'packages', 'core', 'bin', 'aup.js');
const config = join(root, 'docs', 'examples', 'quickstart', 'experiment.json');

console.log(`aup quickstart: running ${config}\n`);
const run = spawnSync(process.execPath, [aup, 'run', config, '--db', db], { stdio: 'inherit' });
if (run.status !== 0) process.exit(run.status ?? 1);
console.log(`
The results are in ${db}:
  npx aup list --db ${db}
  npx aup show <id> --db ${db}
Job files and logs: ${join(root, 'docs', 'examples', 'quickstart', 'jobs')}/`);
