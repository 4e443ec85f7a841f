import { describe, expect, it } from 'vitest';

import { MIN_LEASE_SECONDS, parseLease, parseTags, WORKER_RESOURCES, WORKER_SLOTS, workerSlots, workersOption } from './worker-command.js';

const cwd = '/tmp';

describe('aup run --workers / --tags', () => {
  it('stores worker mode with its tags, and nothing without --workers', () => {
    expect(workersOption('external', ['gpu', 'a100'], 'postgres://db/aup', cwd)).toEqual({ mode: 'external', tags: ['gpu', 'a100'] });
    expect(workersOption('external', undefined, 'runs.db', cwd)).toEqual({ mode: 'external', tags: [] });
    expect(workersOption(undefined, undefined, undefined, cwd)).toBeUndefined();
  });

  it('refuses another mode, tags without worker mode, and an in-memory database', () => {
    expect(() => workersOption('local', undefined, undefined, cwd)).toThrow(/--workers: expected "external".*found "local"/);
    expect(() => workersOption(undefined, ['gpu'], undefined, cwd)).toThrow(/--tags is given without --workers external/);
    expect(() => workersOption('external', undefined, ':memory:', cwd)).toThrow(/--db :memory:.*cannot see an in-memory database/);
    for (const f of [() => workersOption('local', undefined, undefined, cwd), () => parseTags('a,,b')]) {
      expect(f).toThrow(expect.objectContaining({ code: 'AUP_ERR_CLI_USAGE' }));
    }
  });

  it('parses tags, trimmed and without repeats', () => {
    expect(parseTags(' gpu, a100 ,gpu')).toEqual(['gpu', 'a100']);
    expect(() => parseTags('gpu,')).toThrow(/--tags: expected comma-separated non-empty tags/);
  });
});

describe('aup worker options', () => {
  it('takes a lease in seconds, not below the minimum', () => {
    expect(parseLease('1.5')).toBe(1.5);
    expect(parseLease(String(MIN_LEASE_SECONDS))).toBe(MIN_LEASE_SECONDS);
    for (const bad of ['0.1', '-3', 'soon', '']) expect(() => parseLease(bad)).toThrow(/--lease: expected seconds, at least 0.5/);
  });

  it('takes the resources whose jobs run on this machine, each with its slots', () => {
    expect(WORKER_RESOURCES).toEqual(['cpu', 'gpu']);
    expect(Object.keys(WORKER_SLOTS).sort()).toEqual([...WORKER_RESOURCES].sort());
  });

  it('gives cpu slots, and refuses what does not fit the resource', async () => {
    expect((await workerSlots('cpu', 3, undefined)).map((s) => s.label)).toEqual(['cpu:0', 'cpu:1', 'cpu:2']);
    expect((await workerSlots('cpu', undefined, undefined)).map((s) => s.label)).toEqual(['cpu:0']);
    expect((await workerSlots('gpu', undefined, '0,1,1')).map((s) => [s.label, s.env.CUDA_VISIBLE_DEVICES])).toEqual([
      ['gpu:0', '0'],
      ['gpu:1', '1'],
      ['gpu:1', '1'],
    ]);
    await expect(workerSlots('tpu', undefined, undefined)).rejects.toThrow(/--resource: expected cpu or gpu.*found "tpu"/);
    await expect(workerSlots('cpu', 1, '0')).rejects.toThrow(/--gpus is given with --resource cpu/);
    await expect(workerSlots('gpu', 2, '0')).rejects.toThrow(/--slots with --resource gpu: the slots are the GPUs/);
    await expect(workerSlots('gpu', undefined, '0,,1')).rejects.toThrow(/--gpus: expected comma-separated GPU ids/);
  });
});
