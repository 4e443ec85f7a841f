#!/usr/bin/env node
// The `aup` CLI. It runs the bundle (dist/cli-bundle, built by `npm run build`: a few files to load
// instead of hundreds) unless that is missing or older than the last compile (tsc writes
// tsconfig.tsbuildinfo on every build that changed something, as a bare `tsc -b` during
// development does); then it runs dist/cli/main.js, which is always current.
import { statSync } from 'node:fs';

const mtime = (rel) => {
  try {
    return statSync(new URL(rel, import.meta.url)).mtimeMs;
  } catch {
    return -1;
  }
};
const bundled = mtime('../dist/cli-bundle/main.js');
const { main } =
  bundled > 0 && bundled >= mtime('../tsconfig.tsbuildinfo')
    ? await import('../dist/cli-bundle/main.js')
    : await import('../dist/cli/main.js');

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  cwd: process.cwd(),
});
process.exitCode = code;
