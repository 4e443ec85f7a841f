#!/usr/bin/env node
// Copies the documented examples (docs/examples/<name>/) into packages/core/examples/, which the
// package ships, so `aup init --example <name>` works from an installed @aup/core without this
// repository. Run by `npm run build -w @aup/core`. What a run of an example leaves in its folder
// (jobs/, aup_models/, databases, Python caches) is not copied.
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const from = fileURLToPath(new URL('../../../docs/examples/', import.meta.url));
const to = fileURLToPath(new URL('../examples/', import.meta.url));
const LEFT_BY_A_RUN = new Set(['jobs', 'aup_models', '__pycache__', 'experiments.db', 'experiments.db-wal', 'experiments.db-shm']);

rmSync(to, { recursive: true, force: true });
const names = readdirSync(from).filter((n) => statSync(join(from, n)).isDirectory());
for (const name of names) {
  cpSync(join(from, name), join(to, name), {
    recursive: true,
    filter: (src) => !LEFT_BY_A_RUN.has(basename(src)) && !/\.db(-wal|-shm)?$/.test(src),
  });
}
cpSync(join(from, 'README.md'), join(to, 'README.md'));
console.log(`copied ${names.length} examples to ${to}`);
