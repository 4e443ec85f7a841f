import cliProgress from 'cli-progress';
import type { JobRecord } from '../store/store-types.js';
import type { JobEndInfo, RunnerEvents } from '../runner/runner.js';
import type { Params } from '../types.js';

export interface ProgressReporter extends RunnerEvents {
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

/**
 * On a terminal: a live bar (done/total, running, failed, best so far). Otherwise one plain line
 * per finished job, which is what logs and CI want.
 */
export function createProgress(total: number, opts: { tty: boolean; out: NodeJS.WritableStream }): ProgressReporter {
  let done = 0;
  let failed = 0;
  let running = 0;
  let best: number | null = null;
  if (!opts.tty) {
    return {
      onJobStart: () => undefined,
      onJobEnd(job: JobRecord, info: JobEndInfo) {
        if (info.retrying) {
          opts.out.write(`job ${job.id} attempt ${info.attempt} failed (${info.error ?? 'error'}); retrying\n`);
          return;
        }
        if (info.status !== 'interrupted') done++;
        const tail = info.error ? ` (${info.error})` : '';
        opts.out.write(`[${done}/${total}] job ${job.id} ${info.status} score=${formatScore(info.score)} ${formatParams(job.params)}${tail}\n`);
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
  bar.start(total, 0, { running, failed, best: '-' });
  const update = () => bar.update(done, { running, failed, best: formatScore(best) });
  return {
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
      bar.stop();
      opts.out.write(`${m}\n`);
    },
    stop() {
      bar.stop();
    },
  };
}
