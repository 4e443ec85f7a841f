// Several objectives end to end: a list target, values reported by an in-process objective and by
// Python scripts (the Auptimizer line and the aup record), stored as metrics by objective name,
// the Pareto set in runExperiment's result and in `aup show`. Real child processes, a SQLite file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main, type CliIo } from './cli/main.js';
import { runExperiment } from './experiment.js';

let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'aup-mo-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const space = [
  { name: 'x', range: [0, 1], type: 'float' },
  { name: 'y', range: [0, 1], type: 'float' },
];

/** The non-dominated ids among (id, values) for minimised objectives, by brute force. */
function bruteForcePareto(points: { id: number; v: number[] }[]): number[] {
  const worseOrEqual = (a: number[], b: number[]) => a.every((x, i) => x >= b[i]!) && a.some((x, i) => x > b[i]!);
  return points.filter((p) => !points.some((q) => q !== p && worseOrEqual(p.v, q.v))).map((p) => p.id);
}

async function cli(...argv: string[]): Promise<string> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  const io: CliIo = { stdout, stderr: new PassThrough(), stdin: new PassThrough(), cwd: dir };
  const code = await main(argv, io);
  expect(code).toBe(0);
  return out;
}

describe('several objectives', () => {
  it('runExperiment takes an objective returning an array and answers the Pareto set', async () => {
    const db = join(dir, 'aup.db');
    const result = await runExperiment({
      parameter_config: space,
      n_samples: 16,
      target: ['min', 'min'],
      objectives: ['f1', 'f2'],
      objective: (p) => {
        const x = p.x as number;
        const g = 1 + 9 * (p.y as number);
        return [x, g * (1 - Math.sqrt(x / g))];
      },
      db,
      onConfigWarning: () => undefined,
    });
    expect(result.status).toBe('finished');
    expect(result.jobs).toHaveLength(16);
    for (const j of result.jobs) {
      expect(Object.keys(j.metrics).sort()).toEqual(['f1', 'f2']);
      expect(j.score).toBe(j.metrics.f1);
    }
    const expected = bruteForcePareto(result.jobs.map((j) => ({ id: j.id, v: [j.metrics.f1!, j.metrics.f2!] })));
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(16);
    expect(result.pareto!.map((p) => p.jobId)).toEqual(expected);
    for (const p of result.pareto!) {
      const job = result.jobs.find((j) => j.id === p.jobId)!;
      expect(p.values).toEqual([job.metrics.f1, job.metrics.f2]);
      expect(p.params).toEqual(job.params);
    }
    // best is the first objective's best.
    const minF1 = Math.min(...result.jobs.map((j) => j.metrics.f1!));
    expect(result.best!.score).toBe(minF1);

    const text = await cli('show', String(result.experimentId), '--db', db);
    const listed = [...text.matchAll(/^ {2}job (\d+) f1=/gm)].map((m) => Number(m[1]));
    expect(listed).toEqual(expected);
  });

  it('a single target has no pareto', async () => {
    const result = await runExperiment({
      parameter_config: space,
      n_samples: 2,
      target: 'min',
      objective: (p) => p.x as number,
      db: join(dir, 'one.db'),
    });
    expect(result.pareto).toBeUndefined();
  });

  it('Python scripts report a list (print_result and the aup record); a job short of values fails', async () => {
    writeFileSync(
      join(dir, 'job.py'),
      [
        'import json, sys',
        'import aup',
        'p = json.load(open(sys.argv[-1]))',
        'a, b = p["x"], 1 - p["x"] + p["y"]',
        'if p["mode"] == "auptimizer":',
        '    aup.print_result([a, b, 7])',
        'elif p["mode"] == "record":',
        '    aup.print_result([a, b], metrics={"mem": 3})',
        'else:',
        '    aup.print_result(a)',
      ].join('\n'),
    );
    const db = join(dir, 'py.db');
    const result = await runExperiment({
      script: 'python3 job.py',
      workingdir: dir,
      baseDir: dir,
      // The grid varies its first parameter fastest: one job per mode.
      parameter_config: [{ name: 'mode', range: ['auptimizer', 'record', 'short'], type: 'choice' }, ...space],
      proposer: 'sequence',
      n_samples: 3,
      target: ['min', 'max'],
      objectives: ['err', 'gain'],
      resource_args: { multi_res_labels: ['extra'] },
      job_failure: { ignore_fail: true, job_retries: 0 },
      db,
      onConfigWarning: () => undefined,
    });
    const byMode = Object.fromEntries(result.jobs.map((j) => [j.params.mode as string, j]));
    const aupLine = byMode.auptimizer!;
    expect(aupLine.status).toBe('finished');
    expect(aupLine.metrics).toEqual({ err: aupLine.params.x, gain: expect.any(Number) as number, extra: 7 });
    expect(aupLine.score).toBe(aupLine.metrics.err);
    const record = byMode.record!;
    expect(record.status).toBe('finished');
    expect(Object.keys(record.metrics).sort()).toEqual(['err', 'gain', 'mem']);
    expect(byMode.short!.status).toBe('failed');
    expect(byMode.short!.score).toBeNull();

    const text = await cli('show', String(result.experimentId), '--db', db);
    expect(text).toMatch(/^pareto: \d+ jobs? on err \(min\), gain \(max\)$/m);
    const json = JSON.parse(await cli('show', String(result.experimentId), '--db', db, '--json')) as {
      experiment: { objectives: unknown };
      pareto: { job_id: number; values: number[] }[];
    };
    expect(json.experiment.objectives).toEqual([
      { name: 'err', target: 'min' },
      { name: 'gain', target: 'max' },
    ]);
    expect(json.pareto.map((p) => p.job_id)).toEqual(result.pareto!.map((p) => p.jobId));
    expect(json.pareto.length).toBeGreaterThan(0);
    for (const p of json.pareto) expect(p.job_id).not.toBe(byMode.short!.id);
  });
});
