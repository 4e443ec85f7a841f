import { AupError } from '../errors.js';
import { loadOptional } from '../optional-package.js';
import type { NormalizedConfig } from '../types.js';
import type { ProcessLaunch, ProcessOutcome } from '../runner/process-executor.js';
import { gpuSlots } from './gpu-resource.js';

/**
 * Runs one attempt of a job somewhere and feeds its output to the launch's recorder; never throws
 * (a failure is an outcome). Local processes use `runProcess`; a resource may bring its own
 * (`node` runs jobs over SSH). docs/decisions/0008-job-executor-per-slot.md.
 */
export type JobExecutor = (launch: ProcessLaunch) => Promise<ProcessOutcome>;

/** One place a job can run: a label stored on the attempt (`slot` column) and env for that child only. */
export interface ResourceSlot {
  label: string;
  env: Record<string, string>;
  /** The attempt's `host` when the job runs elsewhere (default: this machine's hostname). */
  host?: string;
  /** How jobs run on this slot (default: a local child process, `runProcess`). */
  execute?: JobExecutor;
}

/** A resource gives a fixed set of slots (docs/architecture.md §2.3); at most one job runs on a slot at a time. */
export interface Resource {
  kind: 'cpu' | 'gpu' | 'passive' | 'node';
  slots: ResourceSlot[];
  /** Releases what the slots hold (SSH connections); called once when the experiment's run ends. */
  close?(): Promise<void>;
}

/** `cpu`: `n` local process slots `cpu:0..n-1`, with no extra env. */
export function cpuSlots(n: number): ResourceSlot[] {
  return Array.from({ length: Math.max(1, n) }, (_, i) => ({ label: `cpu:${i}`, env: {} }));
}

/** `passive`: `n` jobs can wait for a person's report at once, `passive:0..n-1`. */
export function passiveSlots(n: number): ResourceSlot[] {
  return Array.from({ length: Math.max(1, n) }, (_, i) => ({ label: `passive:${i}`, env: {} }));
}

/**
 * The resource an experiment's jobs run on, from `resource` and `resource_args`. `gpu` without
 * `resource_args.gpus` asks `nvidia-smi`; `node` runs jobs on SSH hosts; `aws` is refused with what
 * to use instead.
 */
export async function createResource(
  config: Pick<NormalizedConfig, 'resource' | 'resource_args' | 'n_parallel'> &
    Partial<Pick<NormalizedConfig, 'workingdir' | 'config_path' | 'script' | 'script_path'>>,
): Promise<Resource> {
  switch (config.resource) {
    case 'cpu':
      return { kind: 'cpu', slots: cpuSlots(config.n_parallel) };
    case 'passive':
      return { kind: 'passive', slots: passiveSlots(config.n_parallel) };
    case 'gpu':
      return { kind: 'gpu', slots: await gpuSlots(config.resource_args?.gpus as ReadonlyArray<number | string> | undefined) };
    case 'node':
      // Loaded on demand: ssh2 (an optional package) is only needed by experiments on SSH hosts.
      return (await loadOptional('ssh2', () => import('./node-resource.js'))).nodeResource(config);
    case 'aws':
      throw new AupError(
        'AUP_ERR_CONFIG_INVALID',
        'resource: "aws" is not supported: aup does not start cloud machines; start them yourself and list them as SSH hosts with "node", or run aup on the cloud machine with "cpu" or "gpu" (docs/guides/resources.md)',
        { details: { path: 'resource', expected: 'cpu, gpu, node or passive', found: 'aws' } },
      );
    default:
      throw new AupError(
        'AUP_ERR_CONFIG_INVALID',
        `resource: expected "cpu", "gpu", "node" or "passive", found ${JSON.stringify(config.resource)}`,
        {
          details: { path: 'resource', found: config.resource },
        },
      );
  }
}

/**
 * Hands out free slots, lowest first, so a job's slot label names a place no other running job holds.
 */
export class SlotPool {
  readonly #free: number[];

  constructor(readonly slots: readonly ResourceSlot[]) {
    this.#free = slots.map((_, i) => i);
  }

  /** Number of free slots. */
  get available(): number {
    return this.#free.length;
  }

  /** Takes the lowest free slot index; undefined when all are busy. */
  acquire(): number | undefined {
    return this.#free.shift();
  }

  /** Gives a slot back. */
  release(index: number): void {
    if (index < 0 || index >= this.slots.length || this.#free.includes(index)) return;
    this.#free.push(index);
    this.#free.sort((a, b) => a - b);
  }
}
