#!/usr/bin/env node
// `npm start`: runs the quickstart experiment (docs/examples/quickstart) with the board beside it,
// prints the board's URL, and keeps the board up after the experiment until Ctrl-C.
// `AUP_NO_BOARD=1 npm start` (or `npm start -- --no-board`) runs it without the board; other
// arguments go to `aup run` (e.g. `npm start -- --board-port 9000`).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const db = process.env.AUP_DB || join(root, 'experiments.db');
const aup = join(root, 'packages', 'core', 'bin', 'aup.js');
const config = join(root, 'docs', 'examples', 'quickstart', 'experiment.json');

const args = process.argv.slice(2);
const noBoard = process.env.AUP_NO_BOARD === '1' || args.includes('--no-board');
const extra = args.filter((a) => a !== '--no-board');

console.log(`aup quickstart: running ${config}${noBoard ? '' : ' with the board'}\n`);
// Its own process group: a Ctrl-C in the terminal reaches this script only, which passes it on
// once (a second SIGINT would make aup quit without stopping cleanly).
const run = spawn(process.execPath, [aup, 'run', config, '--db', db, ...(noBoard ? [] : ['--board']), ...extra], {
  stdio: 'inherit',
  detached: true,
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (run.exitCode === null && run.signalCode === null) run.kill(signal);
  });
}
const code = await new Promise((resolve) => run.on('exit', (c) => resolve(c ?? 1)));
if (code !== 0) process.exit(code);
console.log(`
The results are in ${db}:
  npx aup list --db ${db}
  npx aup show <id> --db ${db}
  npx aup-board --db ${db}      (the board again)
Job files and logs: ${join(root, 'docs', 'examples', 'quickstart', 'jobs')}/`);
