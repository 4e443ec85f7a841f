// Ingest benchmark (issue 2): one job prints N `#aup:` scalar lines; the runner must record them all
// at >= 200,000 records/s with its RSS under 200 MB. Usage: node test/bench/ingest.mjs [--lines N] [--db URL]
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore, runExperimentFile } from '@aup/core';

const { values } = parseArgs({ options: { lines: { type: 'string', default: '1000000' }, db: { type: 'string' } } });
const lines = Number(values.lines);
const dir = mkdtempSync(join(tmpdir(), 'aup-bench-ingest-'));
writeFileSync(
  join(dir, 'spew.mjs'),
  `const n = ${lines};
const chunk = 10000;
let i = 0;
function write() {
  while (i < n) {
    let s = '';
    for (let k = 0; k < chunk && i < n; k++, i++) s += '#aup:{"type":"scalar","name":"loss","step":' + i + ',"value":' + (1 / (i + 1)) + '}\\n';
    if (!process.stdout.write(s)) return process.stdout.once('drain', write);
  }
  process.stdout.write('#Auptimizer:1\\n');
}
write();
`,
);
writeFileSync(
  join(dir, 'experiment.json'),
  JSON.stringify({ name: 'ingest', script: 'node spew.mjs', n_samples: 1, parameter_config: [] }),
);
const dbUrl = values.db ?? join(dir, 'bench.db');
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
const t0 = performance.now();
const result = await runExperimentFile(join(dir, 'experiment.json'), { db: dbUrl });
const seconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const store = await openStore(dbUrl);
const recorded = (await store.listIntermediate(result.jobs[0].id)).length;
await store.close();
const out = {
  bench: 'ingest',
  db: dbUrl.startsWith('postgres') ? 'postgres' : 'sqlite',
  lines,
  recorded,
  seconds: Number(seconds.toFixed(2)),
  recordsPerSecond: Math.round(lines / seconds),
  peakRssMB: Math.round(peakRss / 2 ** 20),
  status: result.status,
};
console.log(JSON.stringify(out));
rmSync(dir, { recursive: true, force: true });
if (recorded !== lines) process.exitCode = 1;
