// The patterns of Auptimizer's own examples (issue 15), run as a user runs them: an experiment.json
// in Auptimizer's shape beside an unchanged job script, `aup run` from that folder, the script
// started as an executable (its shebang picks Python) with aup's Python module on its PYTHONPATH.
// The scripts in test/fixtures/auptimizer-style and test/fixtures/scripts are written here in the
// same patterns, not copied; the runs of Auptimizer's real example files are listed, with their
// results, in docs/guides/coming-from.md.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { openStore } from '@aup/core';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const aupBin = join(root, 'packages/core/bin/aup.js');
const STYLE = join(root, 'test/fixtures/auptimizer-style');
const SCRIPTS = join(root, 'test/fixtures/scripts');

interface ShowJson {
  experiment: { id: number; status: string; proposer: string; error: string | null };
  best: { job_id: number; score: number; params: Record<string, number> } | null;
  jobs: { id: number; status: string; score: number | null; params: Record<string, number>; attempts: number }[];
}

interface Run {
  dir: string;
  code: number | null;
  stdout: string;
  stderr: string;
  show: ShowJson;
}

/** A project folder as an Auptimizer user has one: the script (executable) and experiment.json side by side. */
function project(script: string, config: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'aup-auptimizer-example-'));
  const name = (config['script'] as string).split(' ')[0]!;
  copyFileSync(script, join(dir, name));
  chmodSync(join(dir, name), 0o755);
  writeFileSync(join(dir, 'experiment.json'), `${JSON.stringify(config, null, 2)}\n`);
  return dir;
}

function aup(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [aupBin, ...args], { cwd, encoding: 'utf8', timeout: 110_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `aup run experiment.json` in the project, then what `aup show 1 --json` says of it. */
function run(script: string, config: Record<string, unknown>): Run {
  const dir = project(script, config);
  const r = aup(['run', 'experiment.json'], dir);
  const shown = aup(['show', '1', '--json'], dir);
  expect(shown.code, shown.stderr).toBe(0);
  return { dir, ...r, show: JSON.parse(shown.stdout) as ShowJson };
}

/** The job's output files (`<jid>.<attempt>.out`) in the experiment's job folder. */
function jobOutput(dir: string, jid: number, attempt = 1): string {
  const jobs = join(dir, 'jobs');
  const [folder] = readdirSync(jobs);
  return readFileSync(join(jobs, folder!, `${jid}.${attempt}.out`), 'utf8');
}

const valley = (p: Record<string, number>) => (1 - p['x']!) ** 2 + 100 * (p['y']! - p['x']! ** 2) ** 2;

const XY = [
  { name: 'x', range: [-5, 5], type: 'float' },
  { name: 'y', range: [-5, 5], type: 'float' },
];

// One config per proposer, in the shapes of Auptimizer's 2dfunc_diff_opt configs (fewer samples).
const PROPOSER_CONFIGS: Record<string, { config: Record<string, unknown>; jobs: number }> = {
  random: {
    config: { proposer: 'random', n_samples: 6, random_seed: 1, n_parallel: 2, target: 'min', parameter_config: XY },
    jobs: 6,
  },
  sequence: {
    // `n` points per parameter: a 3 x 3 grid, every point run.
    config: { proposer: 'sequence', n_parallel: 4, target: 'min', parameter_config: XY.map((p) => ({ ...p, n: 3 })) },
    jobs: 9,
  },
  hyperopt: {
    config: { proposer: 'hyperopt', engine: 'tpe', random_seed: 1, n_samples: 8, n_parallel: 4, target: 'min', parameter_config: XY },
    jobs: 8,
  },
  spearmint: {
    config: {
      proposer: 'spearmint',
      engine: 'GPEIChooser',
      random_seed: 1,
      n_samples: 8,
      n_parallel: 2,
      target: 'min',
      parameter_config: XY.map((p) => ({ ...p, size: 1 })),
    },
    jobs: 8,
  },
  hyperband: {
    // max_iter 3, eta 3: brackets of 3 jobs at budget 1 (best one again at 3) and 2 at 3, as Auptimizer's.
    config: { proposer: 'hyperband', max_iter: 3, engine: 'random', n_parallel: 1, target: 'max', parameter_config: XY },
    jobs: 6,
  },
  bohb: {
    // Every key Auptimizer's example gives, `"min_points_in_model": ""` (the default) included.
    config: {
      proposer: 'bohb',
      workingdir: './',
      n_parallel: 5,
      target: 'min',
      n_iterations: 1,
      min_points_in_model: '',
      top_n_percent: 15,
      num_samples: 64,
      random_fraction: 0.3333333333333333,
      bandwidth_factor: 3,
      min_bandwidth: 0.001,
      eta: 3,
      min_budget: 1,
      max_budget: 9,
      parameter_config: XY.map((p) => ({ ...p, range: [0, 1] })),
    },
    // One bracket from budget 1 to 9: 9 configurations, 3 of them at 3, 1 at 9.
    jobs: 13,
  },
};

describe("Auptimizer's example patterns, run unchanged with aup run", () => {
  it.each(Object.keys(PROPOSER_CONFIGS))(
    '@aup_args on a fixed signature, with the %s proposer: every job finishes with its own value',
    (proposer) => {
      const { config, jobs } = PROPOSER_CONFIGS[proposer]!;
      const r = run(join(STYLE, 'valley_args.py'), {
        name: `./2dfunc/${proposer}.json`,
        script: 'valley_args.py',
        resource: 'cpu',
        ...config,
      });
      expect(r.code, r.stderr).toBe(0);
      // No warning: Auptimizer's keys are all known.
      expect(r.stderr).toBe('');
      expect(r.show.experiment.status).toBe('finished');
      expect(r.show.jobs).toHaveLength(jobs);
      for (const job of r.show.jobs) {
        expect(job.status).toBe('finished');
        expect(job.score).toBeCloseTo(valley(job.params), 9);
      }
      const scores = r.show.jobs.map((j) => j.score!);
      expect(r.show.best!.score).toBe(config['target'] === 'min' ? Math.min(...scores) : Math.max(...scores));
    },
  );

  it('passes a parameter the function does not take over, as not used, and the job still runs', () => {
    const r = run(join(STYLE, 'valley_args.py'), {
      name: './job_failure_control/extra_argument.json',
      script: 'valley_args.py',
      resource: 'cpu',
      n_parallel: 2,
      target: 'min',
      proposer: 'random',
      n_samples: 3,
      random_seed: 0,
      parameter_config: [...XY, { name: 'c', range: [0, 1], type: 'float' }],
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.show.jobs.map((j) => j.status)).toEqual(['finished', 'finished', 'finished']);
    for (const job of r.show.jobs) expect(job.score).toBeCloseTo(valley(job.params), 9);
    expect(jobOutput(r.dir, 1)).toMatch(/c is not used in optimization/);
  });

  const FAILING = {
    name: './job_failure_control/test.json',
    proposer: 'sequence',
    script: 'fail_on_three.py',
    resource: 'cpu',
    n_parallel: 2,
    target: 'max',
    parameter_config: [{ name: 'step', range: [1, 6], type: 'int' }],
  };

  it('without job_failure, the failing job fails the experiment; the results before it are kept', () => {
    const r = run(join(STYLE, 'fail_on_three.py'), FAILING);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^reason: job 3 failed: exited with code 1/m);
    expect(r.show.experiment.status).toBe('failed');
    const byStep = new Map(r.show.jobs.map((j) => [j.params['step'], j]));
    expect(byStep.get(3)).toMatchObject({ status: 'failed', score: null, attempts: 1 });
    expect(byStep.get(1)).toMatchObject({ status: 'finished', score: 1.5 });
    expect(byStep.get(2)).toMatchObject({ status: 'finished', score: 3 });
    expect(jobOutput(r.dir, byStep.get(3)!.id)).toMatch(/step 3 fails on purpose/);
  });

  it('with ignore_fail, the failing job is retried (job_retries defaults to 3) and the experiment goes on', () => {
    const r = run(join(STYLE, 'fail_on_three.py'), { ...FAILING, job_failure: { ignore_fail: true } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^experiment 1 finished: 6 jobs, 1 failed$/m);
    const byStep = new Map(r.show.jobs.map((j) => [j.params['step'], j]));
    expect(byStep.get(3)).toMatchObject({ status: 'failed', attempts: 4 });
    expect(r.show.best).toMatchObject({ score: 9, params: { step: 6 } });
  });

  it('early stopping on intermediate results (bandit, target min): hopeless jobs stop at their first value', async () => {
    const r = run(join(STYLE, 'steps_min.py'), {
      name: './early_stopping/quad_min_sequence_bandit.json',
      proposer: 'sequence',
      script: 'steps_min.py',
      resource: 'cpu',
      n_parallel: 1,
      target: 'min',
      resource_args: { early_stop: { aup_policy: 'bandit', aup_policy_steps: 1, bandit_factor: 0.5 } },
      parameter_config: [{ name: 'x', range: [0, 3], type: 'int' }],
    });
    expect(r.code, r.stderr).toBe(0);
    // x = 0 runs first and ends at 0.1; x = 1, 2, 3 start at 2, 5, 10 against its 1 at step 1 (> 1.5 x 1).
    expect(r.show.jobs.map((j) => [j.params['x'], j.status])).toEqual([
      [0, 'finished'],
      [1, 'early_stopped'],
      [2, 'early_stopped'],
      [3, 'early_stopped'],
    ]);
    expect(r.show.best).toMatchObject({ job_id: r.show.jobs[0]!.id, params: { x: 0 } });
    expect(r.show.best!.score).toBeCloseTo(0.1, 12);
    const store = await openStore(join(r.dir, 'experiments.db'));
    try {
      const first = await store.listIntermediate(r.show.jobs[0]!.id, 'score');
      expect(first.map((p) => p.value)).toEqual(Array.from({ length: 10 }, (_, i) => 1 / (i + 1)));
      for (const job of r.show.jobs.slice(1)) {
        const points = await store.listIntermediate(job.id, 'score');
        expect(points.length).toBeGreaterThanOrEqual(1);
        expect(points.length).toBeLessThan(10);
        expect(job.score).toBe(points.at(-1)!.value);
      }
    } finally {
      await store.close();
    }
  });

  it('save_model with aup_save_model under @aup_args: the best job saves its model into aup_models/models_<eid>', () => {
    const r = run(join(SCRIPTS, 'save-model.py'), {
      name: './mnist_keras_save_model/exp_random_cpu.json',
      proposer: 'random',
      script: 'save-model.py',
      resource: 'cpu',
      n_parallel: 2,
      target: 'max',
      n_samples: 4,
      random_seed: 3,
      resource_args: { save_model: true },
      parameter_config: [{ name: 'x', range: [0, 10], type: 'float' }],
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.show.experiment.status).toBe('finished');
    const best = r.show.best!;
    expect(best.score).toBe(Math.max(...r.show.jobs.filter((j) => j.score !== null).map((j) => j.score!)));
    expect(readFileSync(join(r.dir, 'aup_models', 'models_1', 'model.txt'), 'utf8')).toBe(`model x=${best.params['x']}`);
  });

  it("resource gpu in a project set up by Auptimizer's aup.setup --gpu: jobs run on the cards of its gpu_mapping", async () => {
    const dir = project(join(STYLE, 'valley_args.py'), {
      name: './2dfunc_diff_res/exp_gpu.json',
      proposer: 'random',
      n_samples: 4,
      random_seed: 1,
      script: 'valley_args.py',
      parameter_config: XY,
      resource: 'gpu',
      n_parallel: 2,
      target: 'min',
    });
    mkdirSync(join(dir, '.aup'));
    writeFileSync(
      join(dir, '.aup', 'env.ini'),
      '[Auptimizer]\nAuptimizer_PATH = ./.aup\nSQL_ENGINE = sqlite\ngpu_mapping = {"1": "0", "2": "1"}\n',
    );
    const r = aup(['run', 'experiment.json'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^experiment 1 finished: 4 jobs, 0 failed$/m);
    const store = await openStore(join(dir, 'experiments.db'));
    try {
      const slots = new Set<string | null>();
      for (const job of await store.listJobs(1)) for (const a of await store.listAttempts(job.id)) slots.add(a.slot);
      expect([...slots].sort()).toEqual(['gpu:0', 'gpu:1']);
    } finally {
      await store.close();
    }
  });

  // The job file holds the parameters and the proposer's keys only (aup's own facts are in AUP_*
  // variables), and the model save is an attempt of the best job, not a job of its own.
  it('the whole job file as keyword arguments of a fixed signature (no decorator), and its save_model re-run', () => {
    const r = run(join(STYLE, 'fit_kwargs.py'), {
      name: 'random_wo_decorator',
      proposer: 'random',
      script: 'fit_kwargs.py',
      resource: 'cpu',
      n_parallel: 2,
      target: 'max',
      n_samples: 4,
      random_seed: 5,
      resource_args: { save_model: true },
      parameter_config: [
        { name: 'width', range: [0, 1], type: 'float' },
        { name: 'depth', range: [1, 4], type: 'int' },
      ],
    });
    expect(r.code, r.stderr).toBe(0);
    // (How many jobs the re-run makes is the next test's question.)
    expect(r.show.jobs.filter((j) => j.status !== 'finished')).toEqual([]);
    const model = JSON.parse(readFileSync(join(r.dir, 'aup_models', 'models_1', 'model.json'), 'utf8'));
    expect(model).toEqual({ ...r.show.best!.params, score: r.show.best!.score });
  });

  it('the save_model re-run is not counted as a job: n_samples jobs', () => {
    const r = run(join(SCRIPTS, 'save-model.py'), {
      proposer: 'random',
      script: 'save-model.py',
      resource: 'cpu',
      target: 'max',
      n_samples: 3,
      resource_args: { save_model: true },
      parameter_config: [{ name: 'x', range: [0, 10], type: 'float' }],
    });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(r.dir, 'aup_models', 'models_1', 'model.txt'))).toBe(true);
    expect(r.show.jobs).toHaveLength(3);
  });
});
