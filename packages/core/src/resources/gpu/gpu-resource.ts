import { execFile } from 'node:child_process';
import { Type } from '@sinclair/typebox';
import { AupError } from '../../errors.js';
import { auptimizerEnvBaseDir, auptimizerMapping } from '../auptimizer-env.js';
import { defineResource, type ResourceSlot } from '../resource.js';

/** nvidia-smi answers in well under a second; a hung driver must not hang the experiment's start. */
export const NVIDIA_SMI_TIMEOUT_MS = 10_000;

/** The query that lists GPU indices, one a line (`0`, `1`, ...). */
export const NVIDIA_SMI_ARGS = ['--query-gpu=index', '--format=csv,noheader'] as const;

const WHAT_TO_SET = 'set resource_args.gpus to the GPU ids to use, e.g. "gpus": [0, 1]';

/** The GPU indices `nvidia-smi` reports on this machine; an AupError naming what to set when it cannot. */
export function detectGpus(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile('nvidia-smi', [...NVIDIA_SMI_ARGS], { env, timeout: NVIDIA_SMI_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const why =
          code === 'ENOENT'
            ? 'nvidia-smi is not on PATH'
            : `nvidia-smi ${NVIDIA_SMI_ARGS.join(' ')} failed: ${(stderr || stdout || error.message).trim().split('\n')[0]}`;
        reject(
          new AupError('AUP_ERR_CONFIG_INVALID', `resource "gpu": resource_args.gpus is not set and ${why}; ${WHAT_TO_SET}`, {
            details: { path: 'resource_args.gpus' },
            cause: error,
          }),
        );
        return;
      }
      const ids = stdout
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '');
      if (ids.length === 0) {
        reject(
          new AupError(
            'AUP_ERR_CONFIG_INVALID',
            `resource "gpu": resource_args.gpus is not set and nvidia-smi lists no GPU; ${WHAT_TO_SET}`,
            { details: { path: 'resource_args.gpus' } },
          ),
        );
        return;
      }
      resolve(ids);
    });
  });
}

/**
 * The GPU ids of Auptimizer's `gpu_mapping` in `.aup/env.ini` (written by its `aup.setup --gpu`),
 * looked for in `baseDir`, then in the home folder; undefined when neither lists any. An Auptimizer
 * project keeps the cards it was set up with (a subset, or one card listed twice) instead of every
 * card nvidia-smi sees.
 */
export function auptimizerGpuMapping(baseDir: string): string[] | undefined {
  const env = auptimizerMapping(baseDir, 'gpu_mapping', '{"1": "0", "2": "1", ...}');
  if (env === undefined) return undefined;
  if (env.error !== undefined) {
    throw new AupError('AUP_ERR_CONFIG_INVALID', `resource "gpu": ${env.file}: ${env.error}; or ${WHAT_TO_SET}`, {
      details: { path: 'gpu_mapping', file: env.file },
    });
  }
  const entries = env.entries ?? [];
  if (entries.length === 0) return undefined;
  return entries.map((entry, i) => {
    try {
      return gpuId(entry, i);
    } catch {
      throw new AupError(
        'AUP_ERR_CONFIG_INVALID',
        `resource "gpu": ${env.file}: gpu_mapping entry ${i + 1}: expected a GPU index (0, 1, ...) or a GPU UUID, found ${JSON.stringify(entry)}`,
        { details: { path: 'gpu_mapping', file: env.file, found: entry } },
      );
    }
  });
}

/**
 * One slot per entry of `gpus` (an id listed twice = two jobs share that card); without `gpus`, per
 * entry of Auptimizer's `gpu_mapping` when `baseDir` (the config's folder) or the home folder has
 * one, else per GPU nvidia-smi lists. Each slot sets `CUDA_VISIBLE_DEVICES` for its child only and
 * is labelled `gpu:<id>`.
 */
export async function gpuSlots(
  gpus: ReadonlyArray<number | string> | undefined,
  env: NodeJS.ProcessEnv = process.env,
  baseDir?: string,
): Promise<ResourceSlot[]> {
  if (gpus !== undefined && !Array.isArray(gpus)) {
    throw new AupError(
      'AUP_ERR_CONFIG_INVALID',
      `resource_args.gpus: expected a list of GPU ids, e.g. [0, 1], found ${JSON.stringify(gpus)}`,
      { details: { path: 'resource_args.gpus', found: gpus } },
    );
  }
  if (gpus !== undefined && gpus.length === 0) {
    throw new AupError(
      'AUP_ERR_CONFIG_INVALID',
      `resource_args.gpus: expected at least one GPU id, found []; ${WHAT_TO_SET} or leave it out to ask nvidia-smi`,
      { details: { path: 'resource_args.gpus', found: [] } },
    );
  }
  const ids =
    gpus !== undefined
      ? gpus.map((g, i) => gpuId(g, i))
      : ((baseDir !== undefined ? auptimizerGpuMapping(baseDir) : undefined) ?? (await detectGpus(env)));
  return ids.map((id) => ({ label: `gpu:${id}`, env: { CUDA_VISIBLE_DEVICES: id } }));
}

function gpuId(value: unknown, index: number): string {
  if (
    (typeof value === 'number' && Number.isInteger(value) && value >= 0) ||
    (typeof value === 'string' && /^[\w.:-]+$/.test(value.trim()) && value.trim() !== '')
  ) {
    return String(value).trim();
  }
  throw new AupError(
    'AUP_ERR_CONFIG_INVALID',
    `resource_args.gpus[${index}]: expected a GPU index (0, 1, ...) or a GPU UUID, found ${JSON.stringify(value)}`,
    {
      details: { path: `resource_args.gpus[${index}]`, found: value },
    },
  );
}

/** Jobs as local child processes, one per listed (or detected) GPU, each with its `CUDA_VISIBLE_DEVICES`. */
export const gpuResource = defineResource({
  name: 'gpu',
  args: {
    gpus: Type.Array(Type.Union([Type.Integer({ minimum: 0 }), Type.String({ minLength: 1 })]), {
      description: 'the GPU ids to run jobs on, one job per id.',
    }),
  },
  jobs: 'local',
  create: async (config) => ({
    kind: 'gpu',
    slots: await gpuSlots(
      config.resource_args?.gpus as ReadonlyArray<number | string> | undefined,
      process.env,
      auptimizerEnvBaseDir(config),
    ),
  }),
});
