import type { Writable, Readable } from 'node:stream';
import type { AttemptRecorder } from './attempt-recorder.js';
import type { IngestQueue } from './ingest-queue.js';
import type { StopReason } from './process-executor.js';

/** Where a job's output goes: raw text to its attempt log, lines to the recorder (the protocol parser). */
export interface OutputSink {
  /** A piece of output as it arrived (lines may be split across pieces). */
  write(chunk: string): void;
  /** The stream ended: a last line without a newline is a line too. */
  end(): void;
}

/** Pausing the source of a job's output while the ingest queue catches up. */
export interface OutputFlow {
  pause(): void;
  resume(): void;
  isPaused(): boolean;
}

/**
 * Feeds a job's output, as it arrives, into its attempt log (raw chunks, so the log is what the job
 * printed) and, line by line, into the recorder (the protocol parser). When the ingest queue is
 * congested the source is paused until the store catches up, so a job printing millions of records
 * cannot grow the runner's memory. Local (spawned or launched by a slot shell) and remote (SSH)
 * jobs share it.
 */
export function outputSink(name: 'stdout' | 'stderr', log: Writable, recorder: AttemptRecorder, queue: IngestQueue, flow: OutputFlow): OutputSink {
  let partial = '';
  return {
    write(chunk: string): void {
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
      if (queue.congested && !flow.isPaused()) {
        flow.pause();
        queue.drain().then(
          () => flow.resume(),
          () => flow.resume(),
        );
      }
    },
    end(): void {
      if (partial) recorder.line(stripCr(partial), name);
      partial = '';
    },
  };
}

/** `outputSink` fed by a stream of its own (a spawned child's stdout or stderr, an SSH channel's). */
export function pipeOutput(stream: Readable, name: 'stdout' | 'stderr', log: Writable, recorder: AttemptRecorder, queue: IngestQueue): void {
  const sink = outputSink(name, log, recorder, queue, stream);
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => sink.write(chunk));
  stream.on('end', () => sink.end());
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
