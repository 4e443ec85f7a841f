import type { TSchema } from '@sinclair/typebox';
import type { ConfigProblem } from '../config/config-problem.js';
import type { NormalizedConfig, ResourceKind } from '../types.js';
import type { ProcessLaunch, ProcessOutcome } from '../runner/process-executor.js';
import type { AttemptRecord, JobRecord, Store } from '../store/store-types.js';

/**
 * Runs one attempt of a job somewhere and feeds its output to the launch's recorder; never throws
 * (a failure is an outcome). Local processes use `runProcess`; a resource may bring its own
 * (`node` runs jobs over SSH). docs/decisions/0008-job-executor-per-slot.md.
 */
export type JobExecutor = (launch: ProcessLaunch) => Promise<JobOutcome>;

/** How an attempt ended: a process's outcome, whose log a job run by hand (passive) does not have. */
export type JobOutcome = Omit<ProcessOutcome, 'logPath'> & { logPath?: string };

/** One place a job can run: a label stored on the attempt (`slot` column) and env for that child only. */
export interface ResourceSlot {
  label: string;
  env: Record<string, string>;
  /** The attempt's `host` when the job runs elsewhere (default: this machine's hostname). */
  host?: string;
  /** How jobs run on this slot (default: a local child process, `runProcess`). */
  execute?: JobExecutor;
}

/** A resource gives a set of slots (docs/architecture.md §2.3); at most one job runs on a slot at a time. */
export interface Resource<K extends string = ResourceKind> {
  kind: K;
  slots: ResourceSlot[];
  /**
   * The slots for `n` jobs at once, for a resource whose slots follow n_parallel (cpu, passive), so
   * a `set` request can grow them; without it the slots are a fixed list (gpu ids, node hosts).
   */
  slotsFor?(n: number): ResourceSlot[];
  /**
   * The last attempt of a running job when it already holds a result that no runner picked up
   * (passive: reported while the runner was gone); the job then completes with it instead of running again.
   */
  reportedAttempt?(job: JobRecord): Promise<AttemptRecord | undefined>;
  /** Releases what the slots hold (SSH connections); called once when the experiment's run ends. */
  close?(): Promise<void>;
}

/** The parts of a config a resource is made from. */
export type ResourceConfig = Pick<NormalizedConfig, 'resource' | 'resource_args' | 'n_parallel'> &
  Partial<Pick<NormalizedConfig, 'workingdir' | 'config_path' | 'script' | 'script_path'>>;

/** What a person needs to run a passive job by hand and report it. */
export interface PassiveJobInfo {
  /** The job's JSON file (params plus job_id), written as for any job. */
  jobFile: string;
  workingDir: string;
  /** The command line to run, when the config has a script. */
  command?: string;
}

/** What the run that makes a resource offers it: the store, and the runner's events. */
export interface ResourceHost {
  store: Store;
  /** A passive job waits for a person (RunnerEvents.onPassiveJob). */
  onPassiveJob?(jobId: number, info: PassiveJobInfo): void;
}

/**
 * A resource, self-described: its `resource_args` keys, its checks, how its jobs relate to the
 * script and how it makes its slots. The registry (registry.ts) lists them; the config schema,
 * normalisation and the runner read them from there (docs/decisions/0023-runner-as-parts.md).
 */
export interface ResourceDefinition<N extends string = string> {
  /** The `resource` value that picks it. */
  readonly name: N;
  /** Its own `resource_args` keys; the config schema describes each as "<name>: <description>". */
  readonly args: Readonly<Record<string, TSchema>>;
  /**
   * Where a job's script runs: `local` on this machine (normalisation checks that the file is
   * there), `remote` on other machines, `by-hand` by a person (no script needed, no aup worker, no
   * save_model re-run).
   */
  readonly jobs: 'local' | 'remote' | 'by-hand';
  /**
   * For a name aup accepts in a config only to refuse it when the run starts (aws): what to use
   * instead. Such a resource has no `create`.
   */
  readonly refusal?: string;
  /** Problems of its `resource_args` (runtime_args merged in) found when the config is normalised. */
  checkArgs?(args: Record<string, unknown>, baseDir: string): ConfigProblem[];
  /** Makes the slots (and executors) of one run; throws AUP_ERR_CONFIG_INVALID for settings that cannot work. */
  create?(config: ResourceConfig, host?: ResourceHost): Resource<N> | Promise<Resource<N>>;
}

/** Keeps the literal name of a definition, from which `ResourceKind` is built. */
export function defineResource<N extends string>(definition: ResourceDefinition<N>): ResourceDefinition<N> {
  return definition;
}

/** `n` interchangeable local slots `<prefix>:0..n-1`, with no extra env. */
export function numberedSlots(prefix: string, n: number): ResourceSlot[] {
  return Array.from({ length: Math.max(1, n) }, (_, i) => ({ label: `${prefix}:${i}`, env: {} }));
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

  /**
   * A pool over `slots` (at least as many as this one's) in which the slots busy here stay taken,
   * under the same index: running jobs keep their slot labels.
   */
  grown(slots: readonly ResourceSlot[]): SlotPool {
    const pool = new SlotPool(slots);
    const free = new Set(this.#free);
    // Take every slot, then give back those no running job holds.
    const all: number[] = [];
    for (let i = pool.acquire(); i !== undefined; i = pool.acquire()) all.push(i);
    for (const i of all) if (i >= this.slots.length || free.has(i)) pool.release(i);
    return pool;
  }
}
