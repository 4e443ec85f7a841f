import { writeFileSync, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { resolve, dirname } from 'node:path';
import { Command, CommanderError } from 'commander';
import { AupError, isAupError } from '../errors.js';
import { configJsonSchema, loadConfig } from '../config/index.js';
import { resumeExperiment, runExperimentFile } from '../experiment.js';
import { openStore, parseDbUrl } from '../store/index.js';
import { startBoardChild, type BoardChild } from './board-child.js';
import type { Store } from '../store/store-types.js';
import { describeWarmStart, showJson, summary } from './experiment-output.js';
import { describeStopReason } from '../runner/stop-rules.js';
import { createProgress, formatParams, formatScore, isCapableTerminal } from './progress.js';
import { initExample } from './init-example.js';
import { checkInitConfig, configFromSettings, initWizard, INIT_DEFAULTS, parseParamFlag, type InitSettings } from './init-wizard.js';
import { formatProblems, type ConfigProblem } from '../config/config-problem.js';
import type { JsonObject, NormalizedConfig } from '../types.js';
import { addWorkerCommand, parseTags, workersOption } from './worker-command.js';
import { addEnvCommand } from './env-command.js';
import { addImportCommand } from './import-command.js';
import { VERSION } from '../version.js';
import { reportJobResult } from '../resources/index.js';
import { paretoJobs, storedObjectives } from '../objectives.js';
import type { PassiveJobInfo, RunnerEvents } from '../runner/runner.js';

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  cwd: string;
}

/**
 * How a command opens its database: `read` never creates or changes it (list, show), `existing`
 * writes to one that must exist (resume, report). Only `aup run` and `aup worker` create one.
 */
type StoreMode = 'read' | 'existing';

async function withStore<T>(url: string | undefined, cwd: string, mode: StoreMode, fn: (s: Store) => Promise<T>): Promise<T> {
  const store = await openStore(url, mode === 'read' ? { cwd, readOnly: true } : { cwd, create: false });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function parseId(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new AupError('AUP_ERR_CLI_USAGE', `${what}: expected a positive integer id, found "${value}"`);
  return n;
}

/**
 * ` --db <url>` for a command aup suggests, as the user gave the URL but with a PostgreSQL password
 * hidden: the lines land in terminals, logs and CI output. '' without --db.
 */
function dbFlag(db: string | undefined): string {
  if (db === undefined) return '';
  const location = parseDbUrl(db);
  return ` --db ${location.dialect === 'postgres' ? location.display : db}`;
}

/**
 * Whether a run ended as its config asked, for the exit code: finished, or stopped by its own time
 * budget (a planned end, resumable with a fresh budget); a stop by hand or a failure is exit 1.
 */
function endedAsAsked(status: string, stopReason: string | null): boolean {
  return status === 'finished' || (status === 'stopped' && stopReason === 'time_budget');
}

/** The board's port when `--board-port` is not given; aup-board's own default (the next free one if taken). */
const DEFAULT_BOARD_PORT = 8080;
const MAX_PORT = 65535;

function parsePort(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n > MAX_PORT)
    throw new AupError('AUP_ERR_CLI_USAGE', `--board-port: expected an integer from 0 to ${MAX_PORT}, found "${value}"`);
  return n;
}

/** The database URL a board child opens: the same database as this run, never `:memory:` (another process cannot see it). */
function boardDbUrl(db: string | undefined, cwd: string): string {
  const location = parseDbUrl(db, cwd);
  if (location.dialect === 'postgres') return location.connectionString;
  if (location.path === ':memory:') {
    throw new AupError(
      'AUP_ERR_CLI_USAGE',
      '--board with --db :memory:: the board runs in another process and cannot see an in-memory database; use a file or PostgreSQL',
      {
        details: { option: '--board' },
      },
    );
  }
  return location.path;
}

/** Job statuses that count as done for the progress count: they end a job for good. */
const ENDED_JOB_STATUSES: ReadonlySet<string> = new Set(['finished', 'failed', 'early_stopped']);

/**
 * Where progress goes: a live bar on stderr when it is a capable terminal, else plain lines on
 * stdout (a log, CI, a pipe, TERM=dumb).
 */
function progressOutput(io: CliIo): { tty: boolean; out: NodeJS.WritableStream } {
  const tty = isCapableTerminal(io.stderr);
  return { tty, out: tty ? io.stderr : io.stdout };
}

/** Resolves on the first SIGINT/SIGTERM, or when `also` settles. */
function untilSignal(also: Promise<unknown>): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    void also.then(done, done);
  });
}

/** A commander parser for an integer option, throwing AUP_ERR_CLI_USAGE naming the option. */
function intOption(option: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n))
      throw new AupError('AUP_ERR_CLI_USAGE', `${option}: expected an integer, found "${value}"`, { details: { option } });
    return n;
  };
}

function parseScore(value: string, what: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new AupError('AUP_ERR_CLI_USAGE', `${what}: expected a number, found "${value}"`);
  return n;
}

function collectMetric(value: string, previous: Record<string, number> = {}): Record<string, number> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new AupError('AUP_ERR_CLI_USAGE', `--metric: expected name=value, found "${value}"`);
  const name = value.slice(0, eq).trim();
  return { ...previous, [name]: parseScore(value.slice(eq + 1), `--metric ${name}`) };
}

/**
 * For a passive experiment: prints how to run each waiting job and how to report it, and, when stdin
 * is a terminal, takes results typed at the prompt (\`<score>\` for the only waiting job, or
 * \`<jid> <score>\`), as Auptimizer's passive resource did. Returns the events and a closer.
 */
function passivePrompt(io: CliIo, store: Store, dbHint: string, base: RunnerEvents): { events: RunnerEvents; close(): void } {
  const waiting = new Set<number>();
  const interactive = (io.stdin as { isTTY?: boolean }).isTTY === true;
  const rl = interactive ? createInterface({ input: io.stdin, output: io.stdout }) : undefined;
  const prompt = () => {
    if (!rl || waiting.size === 0) return;
    rl.setPrompt(waiting.size === 1 ? `score of job ${[...waiting][0]}> ` : `<job id> <score> (waiting: ${[...waiting].join(', ')})> `);
    rl.prompt();
  };
  rl?.on('line', (line) => {
    const words = line.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) return prompt();
    const only = waiting.size === 1 ? [...waiting][0] : undefined;
    const [jidText, scoreText] = words.length === 1 && only !== undefined ? [String(only), words[0]!] : [words[0]!, words[1] ?? ''];
    void (async () => {
      try {
        const jid = parseId(jidText, 'job id');
        await reportJobResult(store, jid, { score: parseScore(scoreText, 'score') });
      } catch (e) {
        io.stderr.write(`aup: ${(e as Error).message}\n`);
      }
      prompt();
    })();
  });
  const events: RunnerEvents = {
    onPassiveJob(job, info: PassiveJobInfo) {
      waiting.add(job.id);
      io.stdout.write(`job ${job.id} waiting for its result: params ${JSON.stringify(job.params)}\n`);
      io.stdout.write(info.command ? `  run: (cd ${info.workingDir} && ${info.command})\n` : `  job file: ${info.jobFile}\n`);
      io.stdout.write(`  then: aup report ${job.id} <score> [--metric name=value]${dbHint}\n`);
      prompt();
    },
  };
  // onJobStart and the others keep \`this\` of the progress reporter.
  for (const key of ['onJobStart', 'onBest', 'onMessage'] as const) {
    const f = base[key] as ((...a: unknown[]) => void) | undefined;
    if (f) (events as Record<string, unknown>)[key] = (...a: unknown[]) => f.apply(base, a);
  }
  const end = base.onJobEnd;
  events.onJobEnd = (job, info) => {
    waiting.delete(job.id);
    end?.call(base, job, info);
  };
  return { events, close: () => rl?.close() };
}

/** Runs with SIGINT/SIGTERM wired to a clean stop; a second signal exits at once. */
async function withStopSignals<T>(io: CliIo, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      io.stderr.write(`\naup: ${sig} received: stopping running jobs (press again to quit at once)\n`);
      controller.abort('interrupted');
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

const dbOption = '--db <url>';
const dbHelp = 'database: experiments.db (default, or $AUP_DB), sqlite:path, :memory:, postgres://...';

/** `aup run`: an experiment from its config file, with progress, an optional board, or jobs for workers. */
function addRunCommand(program: Command, io: CliIo): void {
  program
    .command('run')
    .description('run an experiment described by experiment.json (or YAML)')
    .argument('<config>', 'the experiment config file')
    .option(dbOption, dbHelp)
    .option('--name <name>', 'experiment name (default: from the config)')
    .option('--board', 'serve the board beside the experiment (until Ctrl-C after it ends); starting other experiments from it is disabled')
    .option(
      '--board-port <n>',
      `the board's port; if taken, the next free one (default ${DEFAULT_BOARD_PORT}; 0: any free port)`,
      parsePort,
    )
    .option('--workers <mode>', 'external: only propose and queue jobs; `aup worker` processes sharing the database run them')
    .option('--tags <list>', 'with --workers external: only workers with all these tags (aup worker --tags) run the jobs', parseTags)
    .option(
      '--warm-start <eid>',
      "tell the proposer the finished jobs of this earlier experiment first (repeatable; added to the config's warm_start)",
      (v: string, prev: number[] = []) => [...prev, parseId(v, '--warm-start')],
    )
    .action(
      async (
        file: string,
        o: { db?: string; name?: string; board?: boolean; boardPort?: number; workers?: string; tags?: string[]; warmStart?: number[] },
      ) => {
        const path = resolve(io.cwd, file);
        const workers = workersOption(o.workers, o.tags, o.db, io.cwd);
        const { config } = await loadConfig(path, { cwd: io.cwd, onWarning: printWarning(io, path) });
        if (o.boardPort !== undefined && !o.board)
          throw new AupError('AUP_ERR_CLI_USAGE', '--board-port is given without --board: add --board to serve the board');
        const dbForBoard = o.board ? boardDbUrl(o.db, io.cwd) : undefined;
        const store = await openStore(o.db, { cwd: io.cwd });
        let board: BoardChild | undefined;
        try {
          if (dbForBoard !== undefined) {
            // After the store is open: the board opens an existing database, which the run has just created.
            board = await startBoardChild({ dbUrl: dbForBoard, port: o.boardPort ?? DEFAULT_BOARD_PORT, cwd: io.cwd, stderr: io.stderr });
            io.stdout.write(`board: ${board.url}\n`);
          }
          let interrupted = false;
          const total = config.n_samples;
          const progress = createProgress(total, progressOutput(io));
          const passive = config.resource === 'passive' ? passivePrompt(io, store, dbFlag(o.db), progress) : undefined;
          const result = await withStopSignals(io, (signal) => {
            signal.addEventListener('abort', () => (interrupted = true), { once: true });
            return runExperimentFile(path, {
              cwd: io.cwd,
              // Printed above, when the config was first read.
              onConfigWarning: () => {},
              db: store,
              name: o.name,
              signal,
              events: passive?.events ?? progress,
              workers,
              warmStart: o.warmStart,
              onCreated: (exp) => {
                io.stdout.write(
                  `experiment ${exp.id} "${exp.name}": ${config.proposer}, ${total} jobs, ${config.n_parallel} at a time, target ${config.target}\n`,
                );
                if (workers) {
                  const tags = workers.tags.length > 0 ? ` --tags ${workers.tags.join(',')}` : '';
                  io.stdout.write(`jobs are queued for aup worker processes: start them with "aup worker${dbFlag(o.db)}${tags}"\n`);
                }
                // The bar below the header, never above it.
                progress.begin();
              },
            }).finally(() => {
              passive?.close();
              progress.stop();
            });
          });
          summary(io.stdout, result, store.url, config.stop);
          if (result.status === 'stopped') io.stdout.write(`stopped: continue with "aup resume ${result.experimentId}${dbFlag(o.db)}"\n`);
          if (!endedAsAsked(result.status, result.stopReason)) process.exitCode = 1;
          // Ctrl-C during the run stops both; an experiment that ended on its own leaves the board up to look at it.
          if (board !== undefined && !interrupted) {
            io.stdout.write(`the board keeps serving at ${board.url}; Ctrl-C stops it\n`);
            await untilSignal(board.exited);
          }
        } finally {
          await board?.stop();
          await store.close();
        }
      },
    );
}

/** `aup resume`: continue a stopped or interrupted experiment. */
function addResumeCommand(program: Command, io: CliIo): void {
  program
    .command('resume')
    .description('continue a stopped or interrupted experiment, or start a created one (as the board does)')
    .argument('<eid>', 'experiment id')
    .option(dbOption, dbHelp)
    .action(async (eidText: string, o: { db?: string }) => {
      const eid = parseId(eidText, 'eid');
      const store = await openStore(o.db, { cwd: io.cwd, create: false });
      try {
        const exp = await store.getExperiment(eid);
        const total = exp?.nSamples ?? 0;
        // The count goes on from the jobs that already ended, as the experiment's own count does.
        const ended = exp === undefined ? [] : (await store.listJobs(eid)).filter((j) => ENDED_JOB_STATUSES.has(j.status));
        const start = { done: ended.length, failed: ended.filter((j) => j.status === 'failed').length, best: exp?.bestScore ?? null };
        const progress = createProgress(total, { ...progressOutput(io), start });
        const isPassive = (exp?.config as { resource?: string } | undefined)?.resource === 'passive';
        const passive = isPassive ? passivePrompt(io, store, dbFlag(o.db), progress) : undefined;
        const result = await withStopSignals(io, (signal) =>
          resumeExperiment(eid, {
            db: store,
            signal,
            events: passive?.events ?? progress,
            onResumed: (e) => {
              io.stdout.write(`${e.status === 'created' ? 'starting' : 'resuming'} experiment ${e.id} "${e.name}" (${e.status})\n`);
              progress.begin();
            },
          }).finally(() => {
            passive?.close();
            progress.stop();
          }),
        );
        summary(io.stdout, result, store.url, (exp?.config as unknown as NormalizedConfig | undefined)?.stop);
        if (!endedAsAsked(result.status, result.stopReason)) process.exitCode = 1;
      } finally {
        await store.close();
      }
    });
}

/** `aup report`: a passive job's result, typed by the person who ran it. */
function addReportCommand(program: Command, io: CliIo): void {
  program
    .command('report')
    .description('record the result of a passive job that a person ran (the waiting `aup run` picks it up)')
    .argument('<jid>', 'job id, as `aup run` printed it')
    .argument('<score>', "the job's score")
    .option('--metric <name=value>', 'a named secondary result (repeatable)', collectMetric)
    .option(dbOption, dbHelp)
    .action(async (jidText: string, scoreText: string, o: { db?: string; metric?: Record<string, number> }) => {
      const jid = parseId(jidText, 'jid');
      const score = parseScore(scoreText, 'score');
      await withStore(o.db, io.cwd, 'existing', async (store) => {
        await reportJobResult(store, jid, { score, metrics: o.metric });
        const metrics = Object.entries(o.metric ?? {})
          .map(([k, v]) => ` ${k}=${formatScore(v)}`)
          .join('');
        io.stdout.write(`job ${jid}: score ${formatScore(score)}${metrics} recorded\n`);
      });
    });
}

/** `aup list`: every experiment, as a table or JSON. */
function addListCommand(program: Command, io: CliIo): void {
  program
    .command('list')
    .description('list experiments')
    .option(dbOption, dbHelp)
    .option('--json', 'print JSON')
    .action(async (o: { db?: string; json?: boolean }) => {
      await withStore(o.db, io.cwd, 'read', async (store) => {
        const exps = await store.listExperiments();
        if (o.json) {
          io.stdout.write(
            JSON.stringify(
              exps.map((e) => showJson(e, []).experiment),
              null,
              2,
            ) + '\n',
          );
          return;
        }
        if (exps.length === 0) {
          io.stdout.write(`no experiments in ${store.url}\n`);
          return;
        }
        const rows = [['id', 'name', 'status', 'proposer', 'target', 'jobs', 'best', 'created']];
        for (const e of exps) {
          const jobs = await store.listJobs(e.id);
          rows.push([
            String(e.id),
            e.name,
            e.status,
            e.proposer,
            e.target,
            `${jobs.length}/${e.nSamples}`,
            formatScore(e.bestScore),
            new Date(e.createdAt).toISOString().slice(0, 19).replace('T', ' '),
          ]);
        }
        io.stdout.write(table(rows));
      });
    });
}

/** `aup show`: one experiment and its jobs. */
function addShowCommand(program: Command, io: CliIo): void {
  program
    .command('show')
    .description('show an experiment: status, best, and every job')
    .argument('<eid>', 'experiment id')
    .option(dbOption, dbHelp)
    .option('--json', 'print the stable JSON shape (docs/reference/cli.md)')
    .action(async (eidText: string, o: { db?: string; json?: boolean }) => {
      const eid = parseId(eidText, 'eid');
      await withStore(o.db, io.cwd, 'read', async (store) => {
        const exp = await store.getExperiment(eid);
        if (!exp) throw new AupError('AUP_ERR_EXPERIMENT_NOT_FOUND', `experiment ${eid} does not exist in ${store.url}`);
        const jobs = await store.listJobs(eid);
        if (o.json) {
          io.stdout.write(JSON.stringify(showJson(exp, jobs), null, 2) + '\n');
          return;
        }
        const best = jobs.find((j) => j.id === exp.bestJobId);
        io.stdout.write(
          `experiment ${exp.id} "${exp.name}": ${exp.status}, ${exp.proposer}, target ${exp.target}, ${jobs.length}/${exp.nSamples} jobs\n`,
        );
        if (exp.error) io.stdout.write(`error: ${exp.error}\n`);
        if (exp.stopReason !== null) {
          const stop = (exp.config as unknown as NormalizedConfig).stop;
          io.stdout.write(`stop reason: ${exp.stopReason} (${describeStopReason(exp.stopReason, stop)})\n`);
        }
        if (exp.warmStart !== null) io.stdout.write(`warm start: ${describeWarmStart(exp.warmStart)}\n`);
        io.stdout.write(best ? `best: job ${best.id} score=${formatScore(best.score)} ${formatParams(best.params)}\n` : 'best: -\n');
        const objectives = storedObjectives(exp.config);
        if (objectives !== undefined) {
          const pareto = paretoJobs(objectives, jobs);
          const names = objectives.map((o) => `${o.name} (${o.target})`).join(', ');
          io.stdout.write(`pareto: ${pareto.length} job${pareto.length === 1 ? '' : 's'} on ${names}\n`);
          for (const p of pareto) {
            io.stdout.write(
              `  job ${p.jobId} ${objectives.map((o, i) => `${o.name}=${formatScore(p.values[i]!)}`).join(' ')} ${formatParams(p.params)}\n`,
            );
          }
        }
        const metricNames = [...new Set(jobs.flatMap((j) => Object.keys(j.metrics)))];
        const paramNames = [...new Set(jobs.flatMap((j) => Object.keys(j.params)))];
        const rows = [['job', 'status', 'score', ...metricNames, ...paramNames]];
        for (const j of jobs) {
          rows.push([
            String(j.id),
            j.status,
            formatScore(j.score),
            ...metricNames.map((m) => formatScore(j.metrics[m])),
            ...paramNames.map((p) => (typeof j.params[p] === 'number' ? formatScore(j.params[p] as number) : String(j.params[p] ?? ''))),
          ]);
        }
        io.stdout.write(table(rows));
      });
    });
}

/**
 * A config warning on stderr, one line, `aup: warning: <file>: <key>: <what>`, like the other
 * lines aup prints about itself; the command goes on.
 */
function printWarning(io: CliIo, file: string): (warning: ConfigProblem) => void {
  return (warning) => void io.stderr.write(`aup: warning: ${formatProblems([warning], file)}\n`);
}

/** `aup validate`: a config checked and printed normalised. */
function addValidateCommand(program: Command, io: CliIo): void {
  program
    .command('validate')
    .description('check an experiment config and print it normalised')
    .argument('<config>', 'the experiment config file')
    .action(async (file: string) => {
      const path = resolve(io.cwd, file);
      const { config } = await loadConfig(path, { cwd: io.cwd, onWarning: printWarning(io, path) });
      io.stdout.write(JSON.stringify(config, null, 2) + '\n');
    });
}

/** `aup schema`: the JSON Schema of experiment.json. */
function addSchemaCommand(program: Command, io: CliIo): void {
  program
    .command('schema')
    .description('print the JSON Schema of experiment.json')
    .action(() => {
      io.stdout.write(JSON.stringify(configJsonSchema(), null, 2) + '\n');
    });
}

/** `aup migrate`: an older database brought to the current schema. */
function addMigrateCommand(program: Command, io: CliIo): void {
  program
    .command('migrate')
    .description(
      'bring a database written by an older aup to the current schema (commands that write do it by themselves; read-only ones ask for this)',
    )
    .option(dbOption, dbHelp)
    .action(async (o: { db?: string }) => {
      let pending: string[] = [];
      try {
        await (await openStore(o.db, { cwd: io.cwd, readOnly: true })).close();
      } catch (e) {
        if (!isAupError(e) || e.code !== 'AUP_ERR_DB_NEEDS_MIGRATION') throw e;
        pending = e.details['pending'] as string[];
      }
      if (pending.length > 0) await (await openStore(o.db, { cwd: io.cwd, create: false })).close();
      const url = parseDbUrl(o.db, io.cwd).display;
      io.stdout.write(pending.length > 0 ? `${url}: migrated (${pending.join(', ')})\n` : `${url}: the schema is current; nothing to do\n`);
    });
}

/** `aup init`: an experiment.json from questions, flags or an example. */
function addInitCommand(program: Command, io: CliIo): void {
  program
    .command('init')
    .description("write an experiment.json by answering questions (like Auptimizer's aup.init), or from flags (--yes: the defaults)")
    .option('-o, --output <file>', 'where to write the config', 'experiment.json')
    .option('-f, --force', 'overwrite an existing file')
    .option('--example [name]', 'write a documented example into the current folder (no name: list them)')
    .option('-y, --yes', 'ask nothing: take the default of every setting no flag gives')
    .option('--name <name>', `experiment name (default ${INIT_DEFAULTS.name})`)
    .option('--script <command>', `the command that runs one job (default ${INIT_DEFAULTS.script})`)
    .option('--proposer <name>', `proposer (default ${INIT_DEFAULTS.proposer})`)
    .option('--n-samples <n>', `number of jobs (default ${INIT_DEFAULTS.n_samples})`, intOption('--n-samples'))
    .option('--n-parallel <n>', `jobs run at once (default ${INIT_DEFAULTS.n_parallel})`, intOption('--n-parallel'))
    .option('--target <max|min>', `maximise or minimise the score (default ${INIT_DEFAULTS.target})`)
    .option('--random-seed <n>', `random seed (default ${INIT_DEFAULTS.random_seed})`, intOption('--random-seed'))
    .option('--resource <kind>', `cpu, gpu, node or passive (default ${INIT_DEFAULTS.resource})`)
    .option(
      '--param <spec>',
      'a hyperparameter, repeatable: name:float:min:max, name:int:min:max or name:choice:a,b,c (default x1:float:0:1)',
      (v: string, prev: JsonObject[] = []) => [...prev, parseParamFlag(v)],
    )
    .action(async (o: InitSettings & { output: string; force?: boolean; yes?: boolean; example?: string | true }) => {
      if (o.example !== undefined)
        return initExample(o.example === true ? undefined : o.example, { cwd: io.cwd, force: o.force, stdout: io.stdout });
      const out = resolve(io.cwd, o.output);
      if (existsSync(out) && !o.force) throw new AupError('AUP_ERR_CLI_USAGE', `${out} exists; use --force to overwrite it`);
      const { output: _output, force: _force, yes, example: _example, ...settings } = o;
      const fromFlags = yes === true || Object.values(settings).some((v) => v !== undefined);
      const interactive = (io.stdin as { isTTY?: boolean }).isTTY === true;
      const config = fromFlags ? configFromSettings(settings) : await initWizard(io.stdin, io.stdout, { interactive });
      // The same checks as aup validate and aup run: a config they would refuse is not written.
      const checked = checkInitConfig(config, dirname(out), out);
      if (checked.problems.length > 0) {
        throw new AupError(
          'AUP_ERR_CONFIG_INVALID',
          `${fromFlags ? 'the settings' : 'the answers'} do not make a valid config, so nothing was written:\n${formatProblems(checked.problems, out)}`,
          {
            details: { problems: checked.problems },
          },
        );
      }
      writeFileSync(out, JSON.stringify(config, null, 2) + '\n');
      io.stdout.write(`${fromFlags ? '' : '\n'}wrote ${out}; run it with: aup run ${o.output}\n`);
      if (checked.missingScript !== undefined) {
        io.stderr.write(
          `aup: note: the script ${checked.missingScript} does not exist yet: write it (it gets its parameters as a JSON file, its last argument) before "aup run ${o.output}"\n`,
        );
      }
    });
}

export function buildProgram(io: CliIo): Command {
  const program = new Command('aup')
    .description('Hyperparameter optimisation experiments: propose, run, record, show.')
    .version(VERSION)
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();
  addRunCommand(program, io);
  addResumeCommand(program, io);
  addReportCommand(program, io);
  addListCommand(program, io);
  addShowCommand(program, io);
  addValidateCommand(program, io);
  addSchemaCommand(program, io);
  addMigrateCommand(program, io);
  addInitCommand(program, io);
  addWorkerCommand(program, io, dbOption, dbHelp);
  addEnvCommand(program, io);
  addImportCommand(program, io, dbOption, dbHelp);

  // A usage error is one line, `aup: <what is wrong> (<where help is>)`, not the whole usage text.
  for (const command of [program, ...program.commands]) {
    command.configureOutput({
      outputError: (message, write) => write(`aup: ${oneLine(message)} (${helpHint(command === program ? undefined : command.name())})\n`),
    });
  }
  return program;
}

/** Commander's error text as one line: `error: ` dropped, its "(Did you mean x?)" line joined on. */
function oneLine(message: string): string {
  return message
    .trim()
    .replace(/^error: /, '')
    .replace(/\s*\n\s*\(Did you mean (.*)\)$/, '; did you mean $1')
    .replace(/\s*\n\s*/g, ' ');
}

/** Where a user finds the options of `command` (or the commands), for usage errors. */
function helpHint(command: string | undefined): string {
  return command === undefined ? '"aup --help" lists the commands' : `"aup ${command} --help" lists its options`;
}

/**
 * Exit codes (docs/reference/cli.md): 0 success; 1 a user error or an experiment that did not
 * finish; 2 a usage error (a bad argument, or a database that does not exist); 70 an internal
 * fault (EX_SOFTWARE of sysexits.h); 130 a second Ctrl-C.
 */
export const EXIT_USER_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;

/** The AupError codes that are usage errors: the command line names something wrong or absent. */
const USAGE_CODES: ReadonlySet<string> = new Set(['AUP_ERR_CLI_USAGE', 'AUP_ERR_DB_MISSING', 'AUP_ERR_DB_URL']);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/**
 * Entry point of the `aup` binary: errors print one line, never a stack trace; the exit code says
 * which kind (EXIT_USAGE, EXIT_USER_ERROR, EXIT_INTERNAL).
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    // Commander has printed its one line (or, for a bare `aup`, the help).
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_USAGE;
    if (isAupError(e)) {
      const usage = USAGE_CODES.has(e.code);
      const hint = e.code === 'AUP_ERR_CLI_USAGE' ? ` (${helpHint(program.commands.find((c) => c.name() === argv[0])?.name())})` : '';
      io.stderr.write(`aup: ${e.message}${hint}\n`);
      return usage ? EXIT_USAGE : EXIT_USER_ERROR;
    }
    io.stderr.write(`aup: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    if (process.env.AUP_DEBUG) io.stderr.write(`${(e as Error)?.stack}\n`);
    else io.stderr.write('(set AUP_DEBUG=1 for details; please report this)\n');
    return EXIT_INTERNAL;
  }
}
