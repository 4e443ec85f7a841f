// Experiment job folders on a real file system and a real SQLite store.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store-types.js';
import { experimentJobDir, isJobDir, makeJobDir } from './job-files.js';

const root = mkdtempSync(join(tmpdir(), 'aup-job-files-'));
let store: Store;
beforeAll(async () => {
  store = await openStore(join(root, 'store.db'));
});
afterAll(async () => {
  await store.close();
  rmSync(root, { recursive: true, force: true });
});

const newExperiment = (workingDir: string) =>
  store.createExperiment({
    name: 'e',
    user: 'u',
    proposer: 'random',
    target: 'max',
    nSamples: 1,
    configRaw: {},
    config: {},
    workingDir,
    host: {},
    git: {},
  });

describe('job folders', () => {
  it('are new folders under jobs/, never one that exists, named after the experiment', () => {
    const wd = mkdtempSync(join(root, 'wd-'));
    const made = new Set<string>();
    for (let i = 0; i < 50; i++) made.add(makeJobDir(wd, 7));
    expect(made.size).toBe(50);
    for (const dir of made) expect(dir).toMatch(/^jobs\/e7-[0-9a-f]{6}$/);
    expect(readdirSync(join(wd, 'jobs'))).toHaveLength(50);
  });

  it('are chosen once per experiment and stored; a resume gets the same one, made again if it was removed', async () => {
    const wd = mkdtempSync(join(root, 'wd-'));
    const exp = await newExperiment(wd);
    const first = await experimentJobDir(store, exp, wd);
    const stored = (await store.getExperiment(exp.id))!;
    expect(stored.jobDir).toBe(first);
    rmSync(join(wd, first), { recursive: true });
    expect(await experimentJobDir(store, stored, wd)).toBe(first);
    expect(readdirSync(join(wd, 'jobs'))).toEqual([first.slice('jobs/'.length)]);
  });

  it('fail with AUP_ERR_JOB_DIR naming the folder when it cannot be made', async () => {
    const wd = mkdtempSync(join(root, 'wd-'));
    writeFileSync(join(wd, 'jobs'), 'a file where the folder goes');
    const exp = await newExperiment(wd);
    await expect(experimentJobDir(store, exp, wd)).rejects.toMatchObject({
      code: 'AUP_ERR_JOB_DIR',
      message: expect.stringContaining(`${join(wd, 'jobs')}: EEXIST`),
    });
    expect((await store.getExperiment(exp.id))!.jobDir).toBeNull();
  });

  it('are only ever the ones aup makes: a stored path elsewhere is refused, not written to', async () => {
    expect(['jobs', 'jobs/e1-0a0b0c', 'jobs/e12-ffffff'].every(isJobDir)).toBe(true);
    expect(['', '.', 'jobs/', 'jobs/../..', '/etc', 'jobs/e1-0a0b0c/..', 'other', 'jobs/x'].some(isJobDir)).toBe(false);
    const wd = mkdtempSync(join(root, 'wd-'));
    mkdirSync(join(wd, 'jobs'));
    const exp = await newExperiment(wd);
    await store.updateExperiment(exp.id, { jobDir: '../outside' });
    await expect(experimentJobDir(store, (await store.getExperiment(exp.id))!, wd)).rejects.toMatchObject({ code: 'AUP_ERR_JOB_DIR' });
    expect(readdirSync(root)).not.toContain('outside');
  });
});
