import type { Writable, Readable } from 'node:stream';
import type { AttemptRecorder } from './attempt-recorder.js';
import type { IngestQueue } from './ingest-queue.js';
import type { StopReason } from './process-executor.js';

/**
 * Feeds a job's output stream, as it arrives, into its attempt log (raw chunks, so the log is
 * byte-for-byte what the job printed) and, line by line, into the recorder (the protocol parser).
 * When the ingest queue is congested the stream is paused until the store catches up, so a job
 * printing millions of records cannot grow the runner's memory. Local and remote (SSH) jobs share it.
 */
export function pipeOutput(stream: Readable, name: 'stdout' | 'stderr', log: Writable, recorder: AttemptRecorder, queue: IngestQueue): void {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    log.write(chunk);
    let start = 0;
    let nl = chunk.indexOf('\n');
    if (nl !== -1 && partial) {
      recorder.line(stripCr(partial + chunk.slice(0, nl)), name);
      partial = '';
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    while (nl !== -1) {
      recorder.line(stripCr(chunk.slice(start, nl)), name);
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    partial += chunk.slice(start);
    if (queue.congested && !stream.isPaused()) {
      stream.pause();
      queue.drain().then(
        () => stream.resume(),
        () => stream.resume(),
      );
    }
  });
  stream.on('end', () => {
    if (partial) recorder.line(stripCr(partial), name);
    partial = '';
  });
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
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
}

/** Turns how a job ended into its attempt status and error (DESIGN §5: the exit code counts). */
export function attemptOutcome(end: AttemptEnd): { status: 'finished' | 'failed' | 'interrupted' | 'early_stopped'; exitCode: number | null; error?: string } {
  const code = end.exitCode;
  if (end.stopReason === 'interrupted' || end.stopReason === 'early_stopped') return { status: end.stopReason, exitCode: code };
  if (end.stopReason === 'killed') return { status: 'failed', exitCode: code, error: 'killed on request' };
  if (end.timedOut) return { status: 'failed', exitCode: code, error: `timed out after ${(end.timeoutMs ?? 0) / 1000} s (job_timeout)` };
  if (code !== 0) return { status: 'failed', exitCode: code, error: end.signal ? `killed by ${end.signal}` : `exited with code ${code}` };
  if (end.score === undefined) {
    return { status: 'failed', exitCode: 0, error: 'exited without reporting a result (print "#Auptimizer:<score>" or call printResult/print_result)' };
  }
  return { status: 'finished', exitCode: 0 };
}
