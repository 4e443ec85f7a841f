#!/usr/bin/env node
import { main } from '../dist/cli.js';

// The first Ctrl-C (or SIGTERM) closes the server and the store cleanly; a second one kills at once.
const controller = new AbortController();
const stop = () => controller.abort();
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  signal: controller.signal,
});
