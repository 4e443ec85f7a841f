// The output sink between a job's pipes and its log and protocol parser: line ends, the line
// limit, and pausing the job's output while the log catches up. A real log file and a real
// SQLite store behind the ingest queue.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store-types.js';
import { AttemptLog } from './attempt-log.js';
import { AttemptRecorder } from './attempt-recorder.js';
import { IngestQueue } from './ingest-queue.js';
import { MAX_LINE_CHARS, outputSink } from './output-pipe.js';

const root = mkdtempSync(join(tmpdir(), 'aup-output-pipe-'));
let store: Store;
beforeAll(async () => {
  store = await openStore(join(root, 'store.db'));
});
afterAll(async () => {
  await store.close();
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
function sink() {
  const path = join(root, `${++n}.out`);
  const log = AttemptLog.open(path, true);
  const queue = new IngestQueue(store);
  const recorder = new AttemptRecorder({ jobId: n, queue });
  const lines: string[] = [];
  const line = recorder.line.bind(recorder);
  recorder.line = (text, stream, cut) => {
    lines.push(cut ? `<cut ${text.length}>` : text);
    line(text, stream, cut);
  };
  const flow = { paused: 0, resumed: 0, pause: () => void flow.paused++, resume: () => void flow.resumed++ };
  return { path, log, recorder, lines, flow, out: outputSink('stdout', log, recorder, queue, flow) };
}

describe('outputSink', () => {
  it('ends lines at \\n, \\r and \\r\\n, wherever the pieces split them', async () => {
    const s = sink();
    for (const piece of ['a\r', '\nb\r', 'c\n', '\r', '\n', '\rd', '\r\n', '#Auptimizer:2']) s.out.write(piece);
    s.out.end();
    expect(s.lines).toEqual(['a', 'b', 'c', '', '', 'd', '#Auptimizer:2']);
    expect(s.recorder.score).toBe(2);
    await s.log.close();
    expect(readFileSync(s.path, 'utf8')).toBe('a\r\nb\rc\n\r\n\rd\r\n#Auptimizer:2');
  });

  it('keeps at most MAX_LINE_CHARS of a line, however many pieces it comes in, and warns once per attempt', async () => {
    const s = sink();
    const piece = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 40; i++) s.out.write(piece);
    s.out.write('\n#Auptimizer:1\n');
    s.out.write(`${'y'.repeat(MAX_LINE_CHARS + 1)}\n`);
    s.out.write(`#aup:${'z'.repeat(MAX_LINE_CHARS)}`);
    s.out.end();
    expect(s.lines).toEqual([`<cut ${MAX_LINE_CHARS}>`, '#Auptimizer:1', `<cut ${MAX_LINE_CHARS}>`, `<cut ${MAX_LINE_CHARS}>`]);
    expect(s.recorder.score).toBe(1);
    expect(s.recorder.allWarnings()).toHaveLength(1);
    // A line of exactly the limit is whole.
    const exact = sink();
    exact.out.write(`#Auptimizer:3${' '.repeat(MAX_LINE_CHARS - '#Auptimizer:3'.length)}\n`);
    expect(exact.recorder.score).toBe(3);
    expect(exact.recorder.allWarnings()).toEqual([]);
    await Promise.all([s.log.close(), exact.log.close()]);
  });

  it('names a cut record in its warning', async () => {
    const s = sink();
    s.out.write(`#aup:{"type":"text","name":"big","text":"${'a'.repeat(MAX_LINE_CHARS)}"}\n`);
    expect(s.recorder.allWarnings()).toEqual([
      `stdout line 1: longer than ${MAX_LINE_CHARS.toLocaleString('en-US')} characters (the line limit), so not read for protocol records; the log keeps it whole; it began with "#aup:", so that record is lost`,
    ]);
    await s.log.close();
  });

  it('pauses the source while the log has more buffered than it takes at once, and resumes it once written', async () => {
    const s = sink();
    s.out.write('x'.repeat(1024 * 1024));
    expect(s.flow).toMatchObject({ paused: 1, resumed: 0 });
    await s.log.drained();
    await new Promise((r) => setImmediate(r));
    expect(s.flow).toMatchObject({ paused: 1, resumed: 1 });
    await s.log.close();
  });
});
