// The board server of a checkout, started with createServer's own options rather than the CLI's:
// the event-stream storm benchmark uses it to run the board with its stream caps lifted, so that
// every stream of the storm is admitted and the replays alone are measured. Prints the same
// `aup-board: http://127.0.0.1:PORT` line as aup-board, and closes on SIGTERM.
// Usage: node test/bench/server/serve-board.mjs --db FILE [--root CHECKOUT] [--max-streams N] [--max-streams-per-address N]
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string' },
    root: { type: 'string', default: fileURLToPath(new URL('../../../', import.meta.url)) },
    'max-streams': { type: 'string' },
    'max-streams-per-address': { type: 'string' },
  },
});
if (args.db === undefined) {
  process.stderr.write('serve-board: --db FILE is required\n');
  process.exit(2);
}
const root = resolve(args.root);
const { openStore } = await import(pathToFileURL(join(root, 'packages/core/dist/index.js')).href);
const { createServer } = await import(pathToFileURL(join(root, 'packages/server/dist/index.js')).href);

const streams = {};
if (args['max-streams'] !== undefined) streams.maxStreams = Number(args['max-streams']);
if (args['max-streams-per-address'] !== undefined) streams.maxStreamsPerAddress = Number(args['max-streams-per-address']);
const store = await openStore(args.db, { create: false });
const app = createServer({ store, streams });
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`aup-board: ${address}\n`);
process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => store.close())
    .then(() => process.exit(0));
});
