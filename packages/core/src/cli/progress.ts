import cliProgress from 'cli-progress';
import type { JobRecord } from '../store/store-types.js';
import type { JobEndInfo, RunnerEvents } from '../runner/runner.js';
import type { Params } from '../types.js';

export interface ProgressReporter extends RunnerEvents {
  /** Draws the bar (on a terminal) from now on; the first event does it too. */
  begin(): void;
  stop(): void;
}

export function formatScore(score: number | null | undefined): string {
  if (score === null || score === undefined) return '-';
  if (Number.isInteger(score)) return String(score);
  const a = Math.abs(score);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? score.toExponential(4) : String(Number(score.toPrecision(6)));
}

export function formatParams(params: Params): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? formatScore(v) : String(v)}`)
    .join(' ');
}

/** Where an experiment's count stands when the reporter starts: jobs a resumed experiment already ended. */
export interface ProgressStart {
  /** Jobs that ended (finished, failed, early-stopped) before this process started. */
  done: number;
  failed: number;
  best: number | null;
}

/**
 * True when `stream` can draw a live bar: a terminal that is not TERM=dumb (Emacs shells, some
 * CI logs), which cannot move the cursor back.
 */
export function isCapableTerminal(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && env['TERM'] !== 'dumb';
}

/**
 * On a capable terminal (`tty`): a live bar (done/total, running, failed, best so far). Otherwise
 * one plain line per finished job, which is what logs, CI and dumb terminals want. The bar is drawn
 * from `begin()` on, so that what the caller prints first (the experiment's header) comes first;
 * `start` continues the count of a resumed experiment.
 */
export function createProgress(total: number, opts: { tty: boolean; out: NodeJS.WritableStream; start?: ProgressStart }): ProgressReporter {
  let done = opts.start?.done ?? 0;
  let failed = opts.start?.failed ?? 0;
  let running = 0;
  let best: number | null = opts.start?.best ?? null;
  if (!opts.tty) {
    return {
      begin: () => undefined,
      onJobStart: () => undefined,
      onJobEnd(job: JobRecord, info: JobEndInfo) {
        if (info.retrying) {
          opts.out.write(`job ${job.id} attempt ${info.attempt} failed (${info.error ?? 'error'}); retrying\n`);
          return;
        }
        if (info.status !== 'interrupted') done++;
        const tail = info.error ? ` (${info.error})` : '';
        opts.out.write(
          `[${done}/${total}] job ${job.id} ${info.status} score=${formatScore(info.score)} ${formatParams(job.params)}${tail}\n`,
        );
      },
      onMessage(m: string) {
        opts.out.write(`${m}\n`);
      },
      stop: () => undefined,
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: ' {bar} {value}/{total} jobs | running {running} | failed {failed} | best {best}',
      hideCursor: true,
      stream: opts.out,
      clearOnComplete: false,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  let drawing = false;
  const begin = () => {
    if (drawing) return;
    drawing = true;
    bar.start(total, done, { running, failed, best: formatScore(best) });
  };
  const update = () => {
    begin();
    bar.update(done, { running, failed, best: formatScore(best) });
  };
  return {
    begin,
    onJobStart() {
      running++;
      update();
    },
    onJobEnd(_job, info) {
      running = Math.max(0, running - 1);
      if (!info.retrying && info.status !== 'interrupted') done++;
      if (info.status === 'failed' && !info.retrying) failed++;
      update();
    },
    onBest(job) {
      best = job.score;
      update();
    },
    onMessage(m) {
      // The message gets its own line; the bar is drawn again, below it, with the next update.
      if (drawing) bar.stop();
      drawing = false;
      opts.out.write(`${m}\n`);
    },
    stop() {
      if (drawing) bar.stop();
      drawing = false;
    },
  };
}
