/**
 * `aup worker` and the worker-mode options of `aup run` (docs/reference/cli.md, docs/guides/resources.md
 * "Many machines"). Kept beside main.ts so the worker's CLI is in one place.
 */
import type { Command } from 'commander';

import { AupError } from '../errors.js';
import { cpuSlots, gpuSlots, RESOURCE_DEFINITIONS, type ResourceSlot } from '../resources/index.js';
import { openStore, parseDbUrl } from '../store/index.js';
import { PG_IDLE_IN_TRANSACTION_TIMEOUT_MS } from '../store/open-store.js';
import type { ExperimentWorkers } from '../store/store-types.js';
import { DEFAULT_LEASE_MS, runWorker } from '../worker/run-worker.js';
import { formatScore } from './progress.js';

export interface WorkerCliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
}

/**
 * The shortest lease `--lease` takes (seconds). The worker beats five times per lease, and a beat is
 * a database round trip that a busy machine can delay by tens of milliseconds; below half a second
 * live workers would lose their jobs.
 */
export const MIN_LEASE_SECONDS = 0.5;

/** `--tags a,b`: the list, each tag non-empty. */
export function parseTags(value: string): string[] {
  const tags = value.split(',').map((t) => t.trim());
  if (tags.some((t) => t === ''))
    throw new AupError('AUP_ERR_CLI_USAGE', `--tags: expected comma-separated non-empty tags, e.g. gpu,a100, found "${value}"`);
  return [...new Set(tags)];
}

/** `aup run --workers <mode>` (with its `--tags`) as stored on the experiment; undefined: the runner runs the jobs. */
export function workersOption(
  mode: string | undefined,
  tags: string[] | undefined,
  db: string | undefined,
  cwd: string,
): ExperimentWorkers | undefined {
  if (mode === undefined) {
    if (tags !== undefined)
      throw new AupError(
        'AUP_ERR_CLI_USAGE',
        '--tags is given without --workers external: tags say which aup worker processes may run the jobs',
      );
    return undefined;
  }
  if (mode !== 'external')
    throw new AupError('AUP_ERR_CLI_USAGE', `--workers: expected "external" (jobs run by aup worker processes), found "${mode}"`);
  refuseMemory(db, cwd, '--workers external');
  return { mode: 'external', tags: tags ?? [] };
}

function refuseMemory(db: string | undefined, cwd: string, what: string): void {
  const location = parseDbUrl(db, cwd);
  if (location.dialect === 'sqlite' && location.path === ':memory:') {
    throw new AupError(
      'AUP_ERR_CLI_USAGE',
      `${what} with --db :memory:: workers are other processes and cannot see an in-memory database; use PostgreSQL (or a SQLite file, for workers on this machine)`,
    );
  }
}

function parsePositiveInt(value: string, what: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new AupError('AUP_ERR_CLI_USAGE', `${what}: expected a positive integer, found "${value}"`);
  return n;
}

/** `--lease <seconds>`: at least MIN_LEASE_SECONDS. */
export function parseLease(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < MIN_LEASE_SECONDS) {
    throw new AupError('AUP_ERR_CLI_USAGE', `--lease: expected seconds, at least ${MIN_LEASE_SECONDS}, found "${value}"`);
  }
  return n;
}

/**
 * The resources `aup worker --resource` takes: those whose jobs run on this machine, in registry
 * order (cpu, gpu). Each has its slots made from the flags in `WORKER_SLOTS`.
 */
export const WORKER_RESOURCES: readonly string[] = RESOURCE_DEFINITIONS.filter((d) => d.jobs === 'local').map((d) => d.name);

/** How a worker makes a local resource's slots from `--slots` and `--gpus` (each refuses the other's flag). */
export const WORKER_SLOTS: Readonly<Record<string, (slots: number | undefined, gpus: string | undefined) => Promise<ResourceSlot[]>>> = {
  cpu: async (slots, gpus) => {
    if (gpus !== undefined)
      throw new AupError('AUP_ERR_CLI_USAGE', '--gpus is given with --resource cpu: add --resource gpu to run jobs on GPUs');
    return cpuSlots(slots ?? 1);
  },
  gpu: async (slots, gpus) => {
    if (slots !== undefined)
      throw new AupError(
        'AUP_ERR_CLI_USAGE',
        '--slots with --resource gpu: the slots are the GPUs, one job each; list them with --gpus 0,1 (an id twice: two jobs share it)',
      );
    const ids = gpus === undefined ? undefined : gpus.split(',').map((g) => g.trim());
    if (ids?.some((g) => g === ''))
      throw new AupError('AUP_ERR_CLI_USAGE', `--gpus: expected comma-separated GPU ids, e.g. 0,1, found "${gpus}"`);
    try {
      return await gpuSlots(ids);
    } catch (e) {
      throw new AupError(
        'AUP_ERR_CLI_USAGE',
        `aup worker --resource gpu: ${(e as Error).message.replace(/; set resource_args\.gpus.*$/, '')}; list the GPUs with --gpus 0,1`,
        { cause: e },
      );
    }
  },
};

/** The slots of `aup worker --resource <local resource>` on this machine. */
export async function workerSlots(resource: string, slots: number | undefined, gpus: string | undefined): Promise<ResourceSlot[]> {
  const make = WORKER_RESOURCES.includes(resource) ? WORKER_SLOTS[resource] : undefined;
  if (make === undefined)
    throw new AupError(
      'AUP_ERR_CLI_USAGE',
      `--resource: expected ${orList(WORKER_RESOURCES)} (the resources of this machine a worker runs jobs on), found "${resource}"`,
    );
  return make(slots, gpus);
}

/** `a, b or c`. */
function orList(words: readonly string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

interface WorkerFlags {
  db?: string;
  slots?: number;
  resource: string;
  gpus?: string;
  experiment?: number;
  tags?: string[];
  lease?: number;
}

/** Adds `aup worker` to the program. */
export function addWorkerCommand(program: Command, io: WorkerCliIo, dbOption: string, dbHelp: string): void {
  program
    .command('worker')
    .description('claim queued jobs of worker-mode experiments (aup run --workers external) from a shared database and run them here')
    .option(dbOption, dbHelp)
    .option('--slots <n>', 'jobs at once on this machine (cpu; default 1)', (v) => parsePositiveInt(v, '--slots'))
    .option('--resource <kind>', `where jobs run here: ${orList(WORKER_RESOURCES)}`, 'cpu')
    .option('--gpus <ids>', 'gpu: the GPU ids, one job each (default: what nvidia-smi lists)')
    .option('--experiment <eid>', "claim only this experiment's jobs", (v) => parsePositiveInt(v, '--experiment'))
    .option('--tags <list>', "this worker's tags: it claims jobs of experiments whose tags (aup run --tags) it has all of", parseTags)
    .option(
      '--lease <seconds>',
      `how long a claim holds without a heartbeat; a dead worker's jobs run elsewhere after it (default ${DEFAULT_LEASE_MS / 1000})`,
      parseLease,
    )
    .action(async (o: WorkerFlags) => {
      refuseMemory(o.db, io.cwd, 'aup worker');
      const slots = await workerSlots(o.resource, o.slots, o.gpus);
      const leaseMs = o.lease === undefined ? DEFAULT_LEASE_MS : o.lease * 1000;
      // A worker frozen mid-transaction past its lease has lost its jobs anyway: PostgreSQL ends its
      // session then, so its locks do not hold up the requeue.
      const store = await openStore(o.db, {
        cwd: io.cwd,
        idleInTransactionTimeoutMs: Math.min(leaseMs, PG_IDLE_IN_TRANSACTION_TIMEOUT_MS),
      });
      try {
        if (o.experiment !== undefined && (await store.getExperiment(o.experiment)) === undefined) {
          throw new AupError('AUP_ERR_EXPERIMENT_NOT_FOUND', `--experiment: experiment ${o.experiment} does not exist in ${store.url}`);
        }
        const controller = new AbortController();
        let signals = 0;
        const onSignal = (sig: NodeJS.Signals) => {
          if (++signals > 1) process.exit(130);
          io.stderr.write(`aup worker: ${sig} received: stopping; running jobs go back to the queue (press again to quit at once)\n`);
          controller.abort();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        try {
          const out = io.stdout;
          const summary = await runWorker({
            store,
            slots,
            resource: o.resource,
            experimentId: o.experiment,
            tags: o.tags,
            leaseMs,
            signal: controller.signal,
            events: {
              onRegistered: (w) => {
                const only = [
                  o.experiment === undefined ? '' : ` experiment ${o.experiment}`,
                  o.tags ? ` tags ${o.tags.join(',')}` : '',
                ].join('');
                out.write(
                  `worker ${w.id} on ${w.host} (pid ${w.pid}): ${slots.length} ${o.resource} slot(s), lease ${o.lease ?? DEFAULT_LEASE_MS / 1000} s; claiming jobs${only} from ${store.url}\n`,
                );
              },
              onJobStart: (c) =>
                out.write(
                  `job ${c.job.id} (experiment ${c.job.experimentId}, attempt ${c.attempt.attempt}) started on ${c.attempt.slot}\n`,
                ),
              onJobEnd: (c, end, recorded) => {
                const what = end.status === 'interrupted' && end.requeue ? 'interrupted, back in the queue' : end.status;
                const tail = end.error ? ` (${end.error})` : '';
                out.write(
                  recorded
                    ? `job ${c.job.id} ${what} score=${formatScore(end.score)}${tail}\n`
                    : `job ${c.job.id} attempt ${c.attempt.attempt}: result not recorded: its lease was lost and the job went to another worker\n`,
                );
              },
              onMessage: (m) => io.stderr.write(`aup worker: ${m}\n`),
            },
          });
          out.write(
            `worker ${summary.workerId} stopped: ${summary.jobs} job(s) run${summary.lost ? `, ${summary.lost} lost to another worker` : ''}\n`,
          );
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      } finally {
        await store.close();
      }
    });
}
