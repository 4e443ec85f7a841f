// Builds the board benchmark's store through the store's own API, writing what `aup run` writes for
// each job: the proposal (the real `random` proposer, seeded) with its snapshot (createJob), an
// attempt (startAttempt), the intermediate scores in batches of the runner's size (addIntermediate),
// the attempt's end (updateAttempt) and the job's final state with its metrics (completeJob). No raw
// SQL writes a row: the point is to measure what aup itself stores.
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

import { getProposer, Rng, normalizeConfig, createExperiment } from '@aup/core';

/** The runner's batch of intermediate rows (INGEST_BATCH_ROWS in packages/core/src/runner/ingest-queue.ts). */
export const INTERMEDIATE_BATCH_ROWS = 5_000;
/** The three `multi_res_labels`; `accuracy` is also the score (target max). */
export const METRICS = ['accuracy', 'f1', 'loss'];
/** The label of the score's own intermediate series, as the runner records `#Auptimizer:` lines. */
export const SCORE_LABEL = 'score';
const SEED = 20261123;
// Shares of failed and early-stopped jobs, so that status filters and missing scores are exercised.
const FAILED_SHARE = 0.02;
const EARLY_STOPPED_SHARE = 0.02;
// A job's synthetic run: 20 s to 10 min, 8 running at a time.
const MIN_DURATION_MS = 20_000;
const MAX_DURATION_MS = 600_000;
const PARALLEL = 8;

/** 10 parameters: 5 floats (2 log-scaled), 4 ints, 1 choice. */
export const PARAMETER_CONFIG = [
  { name: 'lr', range: [1e-5, 1e-1], type: 'float', log: true },
  { name: 'momentum', range: [0.5, 0.99], type: 'float' },
  { name: 'dropout', range: [0, 0.7], type: 'float' },
  { name: 'weight_decay', range: [1e-6, 1e-2], type: 'float', log: true },
  { name: 'warmup', range: [0, 0.2], type: 'float' },
  { name: 'layers', range: [1, 12], type: 'int' },
  { name: 'units', range: [16, 1024], type: 'int' },
  { name: 'batch_size', range: [16, 512], type: 'int' },
  { name: 'epochs', range: [5, 100], type: 'int' },
  { name: 'activation', range: ['relu', 'tanh', 'gelu', 'silu'], type: 'choice' },
];

/** The experiment config, as a user would write it. */
export function benchConfig(jobs, workingdir, name = 'bench-board') {
  return {
    name,
    proposer: 'random',
    n_samples: jobs,
    random_seed: 0,
    script: 'train.py',
    target: 'max',
    n_parallel: PARALLEL,
    workingdir,
    parameter_config: PARAMETER_CONFIG,
    resource: 'cpu',
    resource_args: { multi_res_labels: METRICS, track_intermediate_results: true },
    job_failure: { ignore_fail: true },
  };
}

/**
 * Writes an experiment of `jobs` jobs and `values` intermediate values (spread evenly) into `store`.
 * `lanes` jobs are written concurrently (PostgreSQL takes concurrent writers; on SQLite one lane is
 * as fast, writes take turns anyway). Answers the experiment id.
 */
export async function buildStore(store, { jobs, values, workingdir, lanes = 1, log = () => undefined }) {
  const raw = benchConfig(jobs, workingdir);
  // The config must name a script that exists; it never runs (the jobs are written, not launched).
  writeFileSync(join(workingdir, 'train.py'), 'from aup import print_result\nprint_result(0.5)\n');
  const config = normalizeConfig(raw, { baseDir: workingdir });
  const exp = await createExperiment(store, raw, config);
  const t0 = Date.now() - jobs * ((MAX_DURATION_MS + MIN_DURATION_MS) / 2 / PARALLEL) - 3_600_000;
  await store.updateExperiment(exp.id, { status: 'running', startedAt: t0 });
  const proposer = getProposer('random').create({
    space: config.parameter_config,
    target: 'max',
    nSamples: jobs,
    seed: config.random_seed,
    options: {},
  });
  const rng = new Rng(SEED);
  const perJob = Math.floor(values / jobs);
  const extra = values - perJob * jobs;
  const jobsPerBatch = Math.max(1, Math.floor(INTERMEDIATE_BATCH_ROWS / Math.max(1, perJob)));
  const host = hostname();
  let best = { id: null, score: -Infinity };
  let next = 0;
  let done = 0;
  let lastLog = Date.now();

  // One lane takes the next batch of trials, writes them through, and comes back for more.
  const lane = async (laneNo) => {
    for (;;) {
      const batch = [];
      while (batch.length < jobsPerBatch && next < jobs) {
        const ask = proposer.ask();
        if (ask.kind !== 'trial') throw new Error(`the random proposer answered ${ask.kind} after ${next} of ${jobs} trials`);
        const k = next++;
        batch.push({ k, ask, snapshot: proposer.snapshot(), outcome: synthesize(ask.params, k, rng, t0, perJob + (k < extra ? 1 : 0)) });
      }
      if (batch.length === 0) return;
      for (const b of batch) {
        b.job = await store.createJob(
          { experimentId: exp.id, trial: b.ask.trialId, params: b.ask.params, budget: null, extra: {} },
          b.snapshot,
        );
        b.attempt = await store.startAttempt({
          jobId: b.job.id,
          attempt: 1,
          host,
          slot: `cpu:${b.k % PARALLEL}`,
          logPath: `jobs/${b.job.id}.1.out`,
        });
      }
      const rows = [];
      for (const b of batch)
        for (const r of b.outcome.curve) rows.push({ jobId: b.job.id, label: SCORE_LABEL, step: r.step, value: r.value, time: r.time });
      for (let i = 0; i < rows.length; i += INTERMEDIATE_BATCH_ROWS)
        await store.addIntermediate(rows.slice(i, i + INTERMEDIATE_BATCH_ROWS));
      for (const b of batch) {
        const o = b.outcome;
        await store.updateAttempt(b.attempt.id, {
          status: o.status,
          exitCode: o.status === 'failed' ? 1 : 0,
          score: o.score,
          error: o.error,
          endedAt: o.endedAt,
        });
        proposer.tell({ trialId: b.ask.trialId, params: b.ask.params, status: o.status, score: o.score ?? undefined });
        if (o.status === 'finished' && o.score !== null && o.score > best.score) best = { id: b.job.id, score: o.score };
        await store.completeJob(
          b.job.id,
          { status: o.status, score: o.score, metrics: o.metrics, attempts: 1, startedAt: o.startedAt, endedAt: o.endedAt },
          { id: exp.id, proposerState: proposer.snapshot(), bestJobId: best.id, bestScore: best.id === null ? null : best.score },
        );
      }
      done += batch.length;
      if (Date.now() - lastLog > 10_000 || done === jobs) {
        lastLog = Date.now();
        log(`  ${done.toLocaleString('en')} / ${jobs.toLocaleString('en')} jobs written (lane ${laneNo})`);
      }
    }
  };
  await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i)));
  // Lanes may commit their bests out of order: the experiment ends with the true best.
  await store.updateExperiment(exp.id, {
    status: 'finished',
    bestJobId: best.id,
    bestScore: best.id === null ? null : best.score,
    proposerState: proposer.snapshot(),
    endedAt: t0 + Math.ceil(jobs / PARALLEL) * MAX_DURATION_MS,
  });
  return exp.id;
}

/** A plausible training run for the params: a learning curve, final metrics, a status. */
function synthesize(p, k, rng, t0, steps) {
  const lrTerm = (Math.log10(p.lr) + 3) ** 2 / 4;
  const act = { relu: 0, tanh: -0.03, gelu: 0.01, silu: 0.005 }[p.activation] ?? 0;
  const quality =
    0.97 - 0.12 * lrTerm - 0.15 * (p.dropout - 0.25) ** 2 - (0.02 * Math.abs(p.layers - 6)) / 6 + act + 0.01 * (p.momentum - 0.5);
  const finalAcc = clamp(quality + 0.02 * (rng.next() - 0.5), 0.05, 0.999);
  const duration = MIN_DURATION_MS + Math.floor(rng.next() * (MAX_DURATION_MS - MIN_DURATION_MS));
  const startedAt = t0 + Math.floor(k / PARALLEL) * ((MAX_DURATION_MS + MIN_DURATION_MS) / 2) + (k % PARALLEL) * 1000;
  const endedAt = startedAt + duration;
  const tau = 3 + 20 * rng.next();
  const curve = [];
  for (let s = 0; s < steps; s++) {
    const value = finalAcc * (1 - Math.exp(-(s + 1) / tau)) + 0.01 * (rng.next() - 0.5);
    curve.push({ step: s, value, time: startedAt + Math.floor(((s + 1) * duration) / Math.max(1, steps)) });
  }
  const u = rng.next();
  if (u < FAILED_SHARE) return { status: 'failed', score: null, metrics: {}, error: 'exit code 1', curve, startedAt, endedAt };
  const status = u < FAILED_SHARE + EARLY_STOPPED_SHARE ? 'early_stopped' : 'finished';
  const score = status === 'finished' ? finalAcc : (curve.at(-1)?.value ?? finalAcc);
  const f1 = clamp(score - 0.03 * rng.next(), 0, 1);
  return {
    status,
    score,
    metrics: { accuracy: score, f1, loss: -Math.log(Math.max(score, 1e-6)) },
    error: null,
    curve,
    startedAt,
    endedAt,
  };
}

function clamp(x, lo, hi) {
  return Math.min(hi, Math.max(lo, x));
}
