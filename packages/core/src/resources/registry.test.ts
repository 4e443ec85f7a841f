import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AupError } from '../errors.js';
import { gpuSlots } from './gpu/gpu-resource.js';
import { ExperimentConfigSchema, RESOURCES } from '../config/config-schema.js';
import { createResource, RESOURCE_DEFINITIONS, RESOURCE_KINDS, resourceDefinition } from './registry.js';
import { SlotPool } from './resource.js';

describe('resources', () => {
  it('gives cpu and passive n_parallel slots with no extra env', async () => {
    expect((await createResource({ resource: 'cpu', resource_args: {}, n_parallel: 3 })).slots).toEqual([
      { label: 'cpu:0', env: {} },
      { label: 'cpu:1', env: {} },
      { label: 'cpu:2', env: {} },
    ]);
    expect((await createResource({ resource: 'passive', resource_args: {}, n_parallel: 2 })).slots.map((s) => s.label)).toEqual([
      'passive:0',
      'passive:1',
    ]);
  });

  it('gives one gpu slot per listed id, a repeated id sharing its card', async () => {
    expect(await gpuSlots([0, 1, 1, 'GPU-8a2f'])).toEqual([
      { label: 'gpu:0', env: { CUDA_VISIBLE_DEVICES: '0' } },
      { label: 'gpu:1', env: { CUDA_VISIBLE_DEVICES: '1' } },
      { label: 'gpu:1', env: { CUDA_VISIBLE_DEVICES: '1' } },
      { label: 'gpu:GPU-8a2f', env: { CUDA_VISIBLE_DEVICES: 'GPU-8a2f' } },
    ]);
  });

  it('names the bad gpus entry', async () => {
    await expect(gpuSlots([0, -1])).rejects.toThrow(/resource_args\.gpus\[1\]: expected a GPU index .* found -1/);
    await expect(gpuSlots(['0,1'])).rejects.toBeInstanceOf(AupError);
  });

  it('refuses aws, pointing at node for cloud hosts', async () => {
    await expect(createResource({ resource: 'aws', resource_args: {}, n_parallel: 1 })).rejects.toThrow(/"aws" is not supported.*"node"/);
  });

  it('gives node one slot per host entry, a host listed twice being two slots, labelled user@host[:port]', async () => {
    const resource = await createResource({
      resource: 'node',
      resource_args: { nodes: ['ann@gpu1', 'ann@gpu1', 'bob@10.0.0.7:2222'], env: { SEED: 3 } },
      n_parallel: 1,
    });
    expect(resource.kind).toBe('node');
    expect(resource.slots.map((s) => [s.label, s.host, s.env])).toEqual([
      ['ann@gpu1', 'gpu1', { SEED: '3' }],
      ['ann@gpu1', 'gpu1', { SEED: '3' }],
      ['bob@10.0.0.7:2222', '10.0.0.7:2222', { SEED: '3' }],
    ]);
    expect(resource.slots.every((s) => typeof s.execute === 'function')).toBe(true);
    await resource.close?.();
  });

  it('refuses node without hosts, naming the key to set', async () => {
    await expect(createResource({ resource: 'node', resource_args: {}, n_parallel: 1 })).rejects.toThrow(
      /resource_args\.nodes: expected the remote hosts of resource "node"/,
    );
  });

  it('hands out the lowest free slot and takes it back once', () => {
    const pool = new SlotPool([
      { label: 'a', env: {} },
      { label: 'b', env: {} },
      { label: 'c', env: {} },
    ]);
    expect([pool.acquire(), pool.acquire()]).toEqual([0, 1]);
    pool.release(0);
    pool.release(0);
    expect(pool.available).toBe(2);
    expect([pool.acquire(), pool.acquire(), pool.acquire()]).toEqual([0, 2, undefined]);
  });

  it("builds the config schema from the registry: the resource names, and each resource's own keys described by its name", () => {
    expect(RESOURCE_KINDS).toEqual(['cpu', 'gpu', 'node', 'passive', 'aws']);
    expect(RESOURCES).toEqual(RESOURCE_KINDS);
    const args = (ExperimentConfigSchema.properties.resource_args as unknown as { properties: Record<string, { description?: string }> })
      .properties;
    for (const definition of RESOURCE_DEFINITIONS) {
      for (const key of Object.keys(definition.args)) expect(args[key]?.description).toMatch(new RegExp(`^${definition.name}: `));
    }
    expect(Object.keys(args)).toContain('gpus');
    expect(Object.keys(args)).toContain('strict_host_key_checking');
  });

  it('names the supported resources for an unknown one, from the registry', async () => {
    await expect(createResource({ resource: 'slurmx' as never, resource_args: {}, n_parallel: 1 })).rejects.toThrow(
      'resource: expected "cpu", "gpu", "node" or "passive", found "slurmx"',
    );
    expect(resourceDefinition('passive')?.jobs).toBe('by-hand');
    expect(resourceDefinition('gpu')?.jobs).toBe('local');
  });

  it('grows cpu and passive slots with n_parallel, keeping the busy ones taken', async () => {
    const cpu = await createResource({ resource: 'cpu', resource_args: {}, n_parallel: 2 });
    const pool = new SlotPool(cpu.slots);
    expect([pool.acquire(), pool.acquire()]).toEqual([0, 1]);
    pool.release(0);
    const grown = pool.grown(cpu.slotsFor!(4));
    expect(grown.slots.map((s) => s.label)).toEqual(['cpu:0', 'cpu:1', 'cpu:2', 'cpu:3']);
    expect([grown.acquire(), grown.acquire(), grown.acquire(), grown.acquire()]).toEqual([0, 2, 3, undefined]);
    const passive = await createResource({ resource: 'passive', resource_args: {}, n_parallel: 1 });
    expect(passive.slotsFor!(3).map((s) => s.label)).toEqual(['passive:0', 'passive:1', 'passive:2']);
    expect((await createResource({ resource: 'gpu', resource_args: { gpus: [0] }, n_parallel: 1 })).slotsFor).toBeUndefined();
  });
});

describe("Auptimizer's gpu_mapping in .aup/env.ini", () => {
  /** A project folder set up by Auptimizer's `aup.setup --gpu`: `.aup/env.ini` beside the config. */
  function project(ini: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'aup-gpu-mapping-'));
    mkdirSync(join(dir, '.aup'));
    writeFileSync(join(dir, '.aup', 'env.ini'), ini);
    return dir;
  }
  // A PATH with no nvidia-smi: any slot below comes from the file, not from detection.
  const noNvidiaSmi = { PATH: mkdtempSync(join(tmpdir(), 'aup-empty-path-')) };
  const labels = (slots: { label: string }[]) => slots.map((s) => s.label);

  it('gives one slot per entry, in slot-id order, when resource_args.gpus is not set (a card listed twice is shared)', async () => {
    const dir = project('[Auptimizer]\nSQL_ENGINE = sqlite\ngpu_mapping = {"2": "0", "1": "3",\n  "10": "0"}\n');
    expect(await gpuSlots(undefined, noNvidiaSmi, dir)).toEqual([
      { label: 'gpu:3', env: { CUDA_VISIBLE_DEVICES: '3' } },
      { label: 'gpu:0', env: { CUDA_VISIBLE_DEVICES: '0' } },
      { label: 'gpu:0', env: { CUDA_VISIBLE_DEVICES: '0' } },
    ]);
    // Ids the config lists win over the file.
    expect(labels(await gpuSlots([1], noNvidiaSmi, dir))).toEqual(['gpu:1']);
    // The gpu resource of a config file in that folder reads it.
    const resource = await createResource({ resource: 'gpu', resource_args: {}, n_parallel: 2, config_path: join(dir, 'exp_gpu.json') });
    expect(labels(resource.slots)).toEqual(['gpu:3', 'gpu:0', 'gpu:0']);
  });

  it('asks nvidia-smi when the file has no gpu_mapping (or an empty one)', async () => {
    const fakeBin = fileURLToPath(new URL('../../../../test/fixtures/bin', import.meta.url));
    const withFake = { PATH: `${fakeBin}:/usr/bin:/bin`, AUP_FAKE_GPU_COUNT: '3' };
    expect(labels(await gpuSlots(undefined, withFake, project('[Auptimizer]\nSQL_ENGINE = sqlite\n')))).toEqual([
      'gpu:0',
      'gpu:1',
      'gpu:2',
    ]);
    expect(labels(await gpuSlots(undefined, withFake, project('[Auptimizer]\ngpu_mapping = {}\n')))).toEqual(['gpu:0', 'gpu:1', 'gpu:2']);
  });

  it('names the file and what is wrong in a bad mapping', async () => {
    const bad = project('[Auptimizer]\ngpu_mapping = {"1": "0", "2": "0,1"}\n');
    const error = await gpuSlots(undefined, noNvidiaSmi, bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AupError);
    expect((error as AupError).message).toBe(
      `resource "gpu": ${join(bad, '.aup', 'env.ini')}: gpu_mapping entry 2: expected a GPU index (0, 1, ...) or a GPU UUID, found "0,1"`,
    );
    await expect(gpuSlots(undefined, noNvidiaSmi, project('[Auptimizer]\ngpu_mapping = [0, 1]\n'))).rejects.toThrow(
      /env\.ini: gpu_mapping: expected a JSON object \{"1": "0", "2": "1", \.\.\.\}, found \[0, 1\]; or set resource_args\.gpus/,
    );
    await expect(gpuSlots(undefined, noNvidiaSmi, project('[Auptimizer]\ngpu_mapping = {1: 0}\n'))).rejects.toThrow(
      /gpu_mapping is not JSON/,
    );
  });
});
