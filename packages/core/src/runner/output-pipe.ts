import type { Readable } from 'node:stream';
import type { AttemptLog } from './attempt-log.js';
import type { AttemptRecorder } from './attempt-recorder.js';
import type { IngestQueue } from './ingest-queue.js';
import type { StopReason } from './process-executor.js';

/**
 * The longest line (in characters) the protocol parser reads. A longer line is cut here: it is not
 * read for records, the attempt gets one warning, and the runner keeps at most this much of it in
 * memory (a job printing without newlines cannot grow the runner). 1 Mi characters is far above
 * any record a client writes (a `#aup:` text record is capped lower, MAX_TEXT_CHARS) and small
 * next to the runner's own ~100 MB; the log keeps the line whole.
 */
export const MAX_LINE_CHARS = 1 << 20;

/** Where a job's output goes: raw text to its attempt log, lines to the recorder (the protocol parser). */
export interface OutputSink {
  /** A piece of output as it arrived (lines may be split across pieces). */
  write(chunk: string): void;
  /** The stream ended: a last line without a newline is a line too. */
  end(): void;
}

/** Pausing the source of a job's output while the ingest queue or the log catches up. */
export interface OutputFlow {
  pause(): void;
  resume(): void;
}

/**
 * Feeds a job's output, as it arrives, into its attempt log (raw chunks, so the log is what the job
 * printed) and, line by line, into the recorder (the protocol parser). A line ends at `\n`, at `\r`
 * (a progress bar redrawing itself) and at `\r\n` (one end); a line longer than MAX_LINE_CHARS is
 * cut. When the ingest queue is congested, or the log cannot take more yet, the source is paused
 * until they catch up, so a job printing millions of records or a gigabyte without a newline
 * cannot grow the runner's memory. Local (spawned or launched by a slot shell) and remote (SSH)
 * jobs share it.
 */
export function outputSink(
  name: 'stdout' | 'stderr',
  log: AttemptLog,
  recorder: AttemptRecorder,
  queue: IngestQueue,
  flow: OutputFlow,
): OutputSink {
  // Its own: lastIndex is state.
  const LINE_END = /[\r\n]/g;
  let partial = '';
  let cut = false;
  // The last chunk ended with `\r`: a `\n` starting the next one belongs to the same line end.
  let afterCr = false;
  // Why the source is paused (the queue, the log): it resumes when neither holds it.
  let holds = 0;
  let queueHeld = false;
  let logHeld = false;
  const hold = (until: Promise<void>, release: () => void) => {
    if (holds++ === 0) flow.pause();
    const done = () => {
      release();
      if (--holds === 0) flow.resume();
    };
    until.then(done, done);
  };
  const add = (text: string) => {
    if (cut || text.length === 0) return;
    const room = MAX_LINE_CHARS - partial.length;
    if (text.length <= room) {
      partial += text;
    } else {
      partial += text.slice(0, room);
      cut = true;
    }
  };
  const lineEnd = () => {
    recorder.line(partial, name, cut);
    partial = '';
    cut = false;
  };
  return {
    write(chunk: string): void {
      if (!log.write(chunk) && !logHeld) {
        logHeld = true;
        hold(log.drained(), () => (logHeld = false));
      }
      let start = 0;
      if (afterCr && chunk.charCodeAt(0) === LF) start = 1;
      afterCr = false;
      LINE_END.lastIndex = start;
      for (let m = LINE_END.exec(chunk); m !== null; m = LINE_END.exec(chunk)) {
        const at = m.index;
        add(chunk.slice(start, at));
        lineEnd();
        start = at + 1;
        if (chunk.charCodeAt(at) === CR) {
          if (start === chunk.length) afterCr = true;
          else if (chunk.charCodeAt(start) === LF) start++;
        }
        LINE_END.lastIndex = start;
      }
      add(chunk.slice(start));
      if (queue.congested && !queueHeld) {
        queueHeld = true;
        hold(queue.drain(), () => (queueHeld = false));
      }
    },
    end(): void {
      if (partial || cut) lineEnd();
    },
  };
}

const CR = 13;
const LF = 10;

/** `outputSink` fed by a stream of its own (a spawned child's stdout or stderr, an SSH channel's). */
export function pipeOutput(
  stream: Readable,
  name: 'stdout' | 'stderr',
  log: AttemptLog,
  recorder: AttemptRecorder,
  queue: IngestQueue,
): void {
  const sink = outputSink(name, log, recorder, queue, stream);
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => sink.write(chunk));
  stream.on('end', () => sink.end());
}

/** How an attempt ended, before it is turned into a status (shared by local and remote jobs). */
export interface AttemptEnd {
  /** Why the runner stopped the job, when it did. */
  stopReason?: StopReason;
  timedOut: boolean;
  timeoutMs?: number;
  exitCode: number | null;
  /** The signal that ended the job, when one did. */
  signal?: string | null;
  /** The score the job reported, if any. */
  score: number | undefined;
  /** Why aup stopped the job itself (its log could not be written); the attempt fails with it. */
  failure?: string | undefined;
}

/** Turns how a job ended into its attempt status and error (the exit code counts: docs/reference/protocol.md §2.3). */
export function attemptOutcome(end: AttemptEnd): {
  status: 'finished' | 'failed' | 'interrupted' | 'early_stopped';
  exitCode: number | null;
  error?: string;
} {
  const code = end.exitCode;
  if (end.stopReason === 'interrupted' || end.stopReason === 'early_stopped') return { status: end.stopReason, exitCode: code };
  if (end.stopReason === 'killed') return { status: 'failed', exitCode: code, error: 'killed on request' };
  if (end.failure !== undefined) return { status: 'failed', exitCode: code, error: end.failure };
  if (end.timedOut) return { status: 'failed', exitCode: code, error: `timed out after ${(end.timeoutMs ?? 0) / 1000} s (job_timeout)` };
  if (code !== 0) return { status: 'failed', exitCode: code, error: end.signal ? `killed by ${end.signal}` : `exited with code ${code}` };
  if (end.score === undefined) {
    return {
      status: 'failed',
      exitCode: 0,
      error: 'exited without reporting a result (print "#Auptimizer:<score>" or call printResult/print_result)',
    };
  }
  return { status: 'finished', exitCode: 0 };
}
