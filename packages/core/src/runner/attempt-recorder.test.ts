// Text records are capped, and the ingest queue bounds the text it holds: a real SQLite store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store-types.js';
import { AttemptRecorder, MAX_TEXT_CHARS } from './attempt-recorder.js';
import { INGEST_HIGH_WATER_TEXT_CHARS, IngestQueue } from './ingest-queue.js';

const root = mkdtempSync(join(tmpdir(), 'aup-attempt-recorder-'));
let store: Store;
let jobId: number;
beforeAll(async () => {
  store = await openStore(join(root, 'store.db'));
  const exp = await store.createExperiment({
    name: 'e',
    user: 'u',
    proposer: 'random',
    target: 'max',
    nSamples: 1,
    configRaw: {},
    config: {},
    workingDir: root,
    host: {},
    git: {},
  });
  jobId = (await store.createJob({ experimentId: exp.id, trial: 0, params: {} })).id;
});
afterAll(async () => {
  await store.close();
  rmSync(root, { recursive: true, force: true });
});

const textLine = (name: string, text: string) => `#aup:${JSON.stringify({ type: 'text', name, text })}`;

describe('text records', () => {
  it('keep at most MAX_TEXT_CHARS characters, with a warning naming the record and the line', async () => {
    const queue = new IngestQueue(store);
    const recorder = new AttemptRecorder({ jobId, queue });
    recorder.line(textLine('short', 'fits'));
    recorder.line(textLine('long', 'a'.repeat(MAX_TEXT_CHARS + 10)));
    // A cut that would fall inside a surrogate pair keeps the pair out, whole.
    recorder.line(textLine('emoji', `${'b'.repeat(MAX_TEXT_CHARS - 1)}😀`), 'stderr');
    await queue.close();
    const texts = (await store.listTextRecords(jobId)).map((r) => [r.name, (r.payload as { text: string }).text]);
    expect(texts).toEqual([
      ['short', 'fits'],
      ['long', 'a'.repeat(MAX_TEXT_CHARS)],
      ['emoji', 'b'.repeat(MAX_TEXT_CHARS - 1)],
    ]);
    expect(recorder.allWarnings()).toEqual([
      `stdout line 2: text record "long" has 65,546 characters; only its first 65,536 are kept (the text record limit)`,
      `stderr line 1: text record "emoji" has 65,537 characters; only its first 65,535 are kept (the text record limit)`,
    ]);
  });
});

describe('the ingest queue', () => {
  it('asks producers to pause while it holds more text than INGEST_HIGH_WATER_TEXT_CHARS, written or not', async () => {
    const queue = new IngestQueue(store);
    const text = 'c'.repeat(MAX_TEXT_CHARS);
    let records = 0;
    while (!queue.congested) {
      queue.text({ jobId, kind: 'text', name: 'fill', step: null, payload: { text }, time: records++ });
      expect(records).toBeLessThanOrEqual(INGEST_HIGH_WATER_TEXT_CHARS / MAX_TEXT_CHARS);
    }
    await queue.drain();
    expect(queue.congested).toBe(false);
    await queue.close();
    expect((await store.listTextRecords(jobId)).filter((r) => r.name === 'fill')).toHaveLength(records);
  });
});
