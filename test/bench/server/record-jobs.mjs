// The second process of the SSE figure: records jobs through the store, as a runner does, while
// the benchmark listens on the board's /api/v1/events. For each job it prints one JSON line with
// the job id and the wall-clock time (ms, sub-ms precision) just before and just after the
// completeJob transaction committed; the benchmark compares that with when the event arrived.
// Usage: node record-jobs.mjs --db URL --experiment ID --count N --interval MS
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';

import { openStore } from '@aup/core';

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    experiment: { type: 'string' },
    count: { type: 'string', default: '30' },
    interval: { type: 'string', default: '200' },
  },
});
const experimentId = Number(values.experiment);
const count = Number(values.count);
const interval = Number(values.interval);
// Wall clock with sub-millisecond resolution; timeOrigin is shared with the listening process's clock.
const now = () => performance.timeOrigin + performance.now();
// Steps each probe job reports before it ends, like a short training run.
const STEPS = 20;

const store = await openStore(values.db, { create: false });
try {
  for (let i = 0; i < count; i++) {
    const job = await store.createJob({ experimentId, trial: i, params: { x: i / count, kind: 'probe' } });
    const attempt = await store.startAttempt({ jobId: job.id, attempt: 1, host: hostname(), slot: 'cpu:0' });
    const started = Date.now();
    await store.addIntermediate(
      Array.from({ length: STEPS }, (_, s) => ({ jobId: job.id, label: 'score', step: s, value: s / STEPS, time: started + s })),
    );
    await store.updateAttempt(attempt.id, { status: 'finished', exitCode: 0, score: 1, endedAt: Date.now() });
    // Let the board send the earlier events of this job before the one that is timed.
    await new Promise((r) => setTimeout(r, interval / 2));
    const before = now();
    await store.completeJob(
      job.id,
      { status: 'finished', score: i / count, metrics: { accuracy: i / count }, startedAt: started },
      { id: experimentId, bestJobId: job.id, bestScore: i / count },
    );
    const after = now();
    process.stdout.write(JSON.stringify({ jobId: job.id, before, after }) + '\n');
    await new Promise((r) => setTimeout(r, interval / 2));
  }
} finally {
  await store.close();
}
