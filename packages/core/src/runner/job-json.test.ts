// The job file as Auptimizer wrote it (docs/reference/protocol.md §1.1): the parameters and only
// the proposer's keys, so Auptimizer's plain `train(**BasicConfig().load(sys.argv[1]))` with a fixed
// signature runs; aup's own facts in the environment. Real Python jobs through real experiments.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normalizeConfig } from '../config/normalize-config.js';
import { runExperiment } from '../experiment.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store-types.js';
import { buildJobJson } from './job-json.js';

const xy = [
  { name: 'x', range: [-2, 2], type: 'float' },
  { name: 'y', range: [1, 4], type: 'int' },
];

const dir0 = tmpdir();

describe('buildJobJson', () => {
  // No script to check: the file is built from the normalised config alone.
  const config = (extra: Record<string, unknown> = {}) =>
    normalizeConfig({ parameter_config: xy, ...extra }, { baseDir: dir0, inProcess: true });
  const job = { id: 12, params: { x: 0.5, y: 2 }, budget: null, extra: null };

  it('writes the parameters alone for a proposer that adds nothing', () => {
    expect(buildJobJson(config(), job)).toEqual({ x: 0.5, y: 2 });
  });

  it("adds the proposer's keys and the budget as n_iterations (hyperband, bohb), nothing of aup's", () => {
    expect(buildJobJson(config(), { ...job, budget: 9, extra: { tid: 4 } })).toEqual({ x: 0.5, y: 2, tid: 4, n_iterations: 9 });
  });

  it('adds save_model and folder_name in the model save', () => {
    expect(buildJobJson(config(), job, { folderName: 'models_3' })).toEqual({ x: 0.5, y: 2, save_model: true, folder_name: 'models_3' });
  });

  it('adds job_id, budget and best_job with job_file_keys "aup"', () => {
    const aup = config({ job_file_keys: 'aup' });
    expect(buildJobJson(aup, job)).toEqual({ x: 0.5, y: 2, job_id: 12 });
    expect(buildJobJson(aup, { ...job, budget: 3, extra: { tid: 0 } }, { folderName: 'models_3' })).toEqual({
      x: 0.5,
      y: 2,
      tid: 0,
      job_id: 12,
      n_iterations: 3,
      budget: 3,
      save_model: true,
      folder_name: 'models_3',
      best_job: 12,
    });
  });

  it('fills a config template and keeps the dotted names', () => {
    const templated = normalizeConfig(
      { config_template: { opt: { lr: { range: [0.1, 1], type: 'float' } }, epochs: 3 } },
      { baseDir: dir0, inProcess: true },
    );
    expect(buildJobJson(templated, { ...job, params: { 'opt.lr': 0.5 } })).toEqual({ opt: { lr: 0.5 }, epochs: 3, 'opt.lr': 0.5 });
  });
});

// Auptimizer's mnist_wo_decorator pattern: a function with a fixed signature called with the whole
// job file. Any key beyond its parameters would be a TypeError (an unexpected keyword argument).
const FIXED_SIGNATURE = `import json, os, sys
from aup import BasicConfig, print_result

def train(x, y):
    return -(x - 1) ** 2 - y

if __name__ == "__main__":
    config = BasicConfig()
    config.load(sys.argv[1])
    with open("env-%s.json" % os.environ["AUP_JOB_ID"], "w") as f:
        json.dump({k: v for k, v in os.environ.items() if k.startswith("AUP_") and k != "AUP_DRIVER_TOKEN"}, f)
    print_result(train(**config))
`;

// Auptimizer's Examples/mnist_keras_save_model/mnist_wo_decorator.py without TensorFlow: the
// signature takes save_model and folder_name, which only the best job's model save has.
const WO_DECORATOR = `import os, shutil, sys
from aup import BasicConfig, print_result

def do_train(x=0.0, y=1, save_model=False, folder_name=None):
    score = -(x - 1) ** 2 - y
    if save_model is True:
        path = os.path.join("aup_models", folder_name)
        if os.path.exists(path):
            shutil.rmtree(path)
        os.makedirs(path)
        with open(os.path.join(path, "model.txt"), "w") as f:
            f.write(repr((x, y)))
    return score

if __name__ == "__main__":
    if len(sys.argv) < 2:
        print("config file required")
        exit(1)
    config = BasicConfig()
    config.load(sys.argv[1])
    val = do_train(**config)
    print(str(val))
    print_result(val)
`;

// Hyperband's job file adds tid and n_iterations, as Auptimizer's did; the budget is also AUP_BUDGET.
const HYPERBAND_SIGNATURE = `import os, sys
from aup import BasicConfig, print_result

def train(x, y, tid, n_iterations):
    assert float(os.environ["AUP_BUDGET"]) == n_iterations, (os.environ.get("AUP_BUDGET"), n_iterations)
    return -(x - 1) ** 2 - y + n_iterations / 100 + tid * 0

if __name__ == "__main__":
    print_result(train(**BasicConfig().load(sys.argv[1])))
`;

describe('job files in real experiments', () => {
  let dir: string;
  let store: Store;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aup-job-json-'));
    store = await openStore(join(dir, 'aup.db'));
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const jobFile = async (experimentId: number, jobId: number) =>
    JSON.parse(readFileSync(join(dir, (await store.getExperiment(experimentId))!.jobDir!, `${jobId}.json`), 'utf8')) as Record<
      string,
      unknown
    >;

  it("runs Auptimizer's fixed-signature script (train(**config)) to the end; the job's facts are in its environment", async () => {
    writeFileSync(join(dir, 'train.py'), FIXED_SIGNATURE);
    const result = await runExperiment({
      script: 'train.py',
      parameter_config: xy,
      n_samples: 3,
      workingdir: dir,
      baseDir: dir,
      db: store,
    });
    expect(result.status, result.error ?? '').toBe('finished');
    expect(result.jobs.map((j) => j.status)).toEqual(['finished', 'finished', 'finished']);
    for (const job of result.jobs) {
      expect(await jobFile(result.experimentId, job.id)).toEqual(job.params);
      const seen = JSON.parse(readFileSync(join(dir, `env-${job.id}.json`), 'utf8')) as Record<string, string>;
      // What the runner set, without the AUP_* variables the job inherits from this test's own
      // environment (CI sets AUP_REQUIRE_* for the whole run).
      const env = Object.fromEntries(Object.entries(seen).filter(([k, v]) => process.env[k] !== v));
      expect(env).toEqual({
        AUP_JOB_ID: String(job.id),
        AUP_EXPERIMENT_ID: String(result.experimentId),
        AUP_ATTEMPT: '1',
        AUP_PARAMS: JSON.stringify(job.params),
      });
    }
  });

  it("runs Auptimizer's mnist_wo_decorator pattern with save_model: n_samples jobs, the model saved by the best one", async () => {
    writeFileSync(join(dir, 'train.py'), WO_DECORATOR);
    const result = await runExperiment({
      script: 'train.py',
      parameter_config: xy,
      n_samples: 4,
      n_parallel: 2,
      resource_args: { save_model: true },
      workingdir: dir,
      baseDir: dir,
      db: store,
    });
    expect(result.status, result.error ?? '').toBe('finished');
    expect(result.jobs).toHaveLength(4);
    const { x, y } = result.best!.params as { x: number; y: number };
    const saved = readFileSync(join(dir, 'aup_models', `models_${result.experimentId}`, 'model.txt'), 'utf8');
    expect(saved).toBe(`(${String(x)}, ${y})`);
    expect((await store.listAttempts(result.best!.jobId)).map((a) => [a.kind, a.status])).toEqual([
      ['trial', 'finished'],
      ['save_model', 'finished'],
    ]);
  });

  it('runs a hyperband script whose signature takes tid and n_iterations, as under Auptimizer', async () => {
    writeFileSync(join(dir, 'train.py'), HYPERBAND_SIGNATURE);
    const result = await runExperiment({
      script: 'train.py',
      proposer: 'hyperband',
      max_iter: 3,
      eta: 3,
      parameter_config: xy,
      workingdir: dir,
      baseDir: dir,
      db: store,
    });
    expect(result.status, result.error ?? '').toBe('finished');
    expect(result.jobs.length).toBeGreaterThan(1);
    for (const job of result.jobs) {
      expect(job.status).toBe('finished');
      const file = await jobFile(result.experimentId, job.id);
      expect(Object.keys(file).sort()).toEqual(['n_iterations', 'tid', 'x', 'y']);
      expect(file.n_iterations).toBe(job.budget);
    }
  });

  it('fails that fixed-signature script with job_file_keys "aup", whose file also holds job_id', async () => {
    writeFileSync(join(dir, 'train.py'), FIXED_SIGNATURE);
    const result = await runExperiment({
      script: 'train.py',
      parameter_config: xy,
      n_samples: 1,
      job_file_keys: 'aup',
      workingdir: dir,
      baseDir: dir,
      db: store,
    });
    expect(result.status).toBe('failed');
    const [job] = result.jobs;
    expect(await jobFile(result.experimentId, job!.id)).toEqual({ ...job!.params, job_id: job!.id });
    const jobDir = (await store.getExperiment(result.experimentId))!.jobDir!;
    const log = readdirSync(join(dir, jobDir)).find((f) => f.endsWith('.out'))!;
    expect(readFileSync(join(dir, jobDir, log), 'utf8')).toMatch(/TypeError: train\(\) got an unexpected keyword argument 'job_id'/);
  });
});
