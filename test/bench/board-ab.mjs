// Board A/B: two checkouts' aup-board on copies of the same store, running at once, requests
// alternated between them (so load on the machine hits both alike), median latency per request and
// the ratio B / A. For refactors that must not slow the board (issue 14: within 5 %).
// The store is the board-server benchmark's cached one: run `npm run bench:server -- --db sqlite
// --jobs 10000 --values 1000000` first (or pass --store).
// Usage: node test/bench/board-ab.mjs <checkout A> <checkout B> [--n 400] [--store file.db]
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    n: { type: 'string', default: '400' },
    store: { type: 'string', default: '/tmp/aup-bench-server/sqlite-j10000-v1000000.db' },
  },
});
if (positionals.length !== 2) {
  console.error('usage: node test/bench/board-ab.mjs <checkout A> <checkout B> [--n 400] [--store file.db]');
  process.exit(2);
}
const n = Number(values.n);
const work = mkdtempSync(join(tmpdir(), 'aup-board-ab-'));
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function startBoard(root, i) {
  const db = join(work, `store-${i}.db`);
  copyFileSync(values.store, db);
  const child = spawn(process.execPath, [join(root, 'packages/server/bin/aup-board.js'), '--db', db, '--port', '0', '--no-token'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`aup-board of ${root} exited with ${code}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) resolve({ child, port: Number(m[1]) });
    });
  });
}

function get(port, path) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    http
      .get({ host: '127.0.0.1', port, path, agent }, (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve(Number(process.hrtime.bigint() - t0) / 1e6) : reject(new Error(`${path}: ${res.statusCode}`)),
        );
      })
      .on('error', reject);
  });
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const PATHS = {
  'experiment list': '/api/v1/experiments',
  'one experiment': '/api/v1/experiments/1',
  'one job': '/api/v1/jobs/5000',
  'page by metric, param filter': '/api/v1/experiments/1/jobs?limit=100&sort=metric:accuracy&order=desc&filter=param:lr%3C0.01',
  'page by score': '/api/v1/experiments/1/jobs?limit=100&sort=score&order=desc',
};

const boards = [];
try {
  for (const [i, root] of positionals.entries()) boards.push(await startBoard(root, i));
  console.log(`| request | A median (ms) | B median (ms) | B / A |\n|---|---|---|---|`);
  for (const [name, path] of Object.entries(PATHS)) {
    const times = [[], []];
    for (let w = 0; w < 20; w++) for (const b of boards) await get(b.port, path);
    for (let k = 0; k < n; k++) {
      // Alternate which board goes first, so neither always follows the other.
      for (const j of k % 2 === 0 ? [0, 1] : [1, 0]) times[j].push(await get(boards[j].port, path));
    }
    const [a, b] = times.map(median);
    console.log(`| ${name} | ${a.toFixed(3)} | ${b.toFixed(3)} | ${(b / a).toFixed(3)} |`);
  }
} finally {
  for (const b of boards) b.child.kill();
  agent.destroy();
  rmSync(work, { recursive: true, force: true });
}
