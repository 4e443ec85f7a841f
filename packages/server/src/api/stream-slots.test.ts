import { isAupError } from '@aup/core';
import { describe, expect, it } from 'vitest';

import {
  MAX_STREAMS,
  MAX_STREAMS_PER_ADDRESS,
  STREAM_RETRY_AFTER_S,
  StreamSlots,
  normalizeAddress,
  type StreamRefusal,
} from './stream-slots.js';

function taken(r: (() => void) | StreamRefusal): () => void {
  if (typeof r !== 'function') throw new Error(`refused: ${r.error.message}`);
  return r;
}

function refusal(r: (() => void) | StreamRefusal): StreamRefusal {
  if (typeof r === 'function') throw new Error('a slot was given');
  return r;
}

describe('StreamSlots', () => {
  it('refuses an address at its cap with AUP_ERR_TOO_MANY_STREAMS, naming the address and the limit, while others still get slots', () => {
    const slots = new StreamSlots({ maxStreams: 10, maxStreamsPerAddress: 2 });
    taken(slots.take('10.0.0.1', 'GET /api/v1/events'));
    taken(slots.take('10.0.0.1', 'GET /api/v1/events'));
    const r = refusal(slots.take('10.0.0.1', 'GET /api/v1/events?after=0'));
    expect(r.retryAfterS).toBe(STREAM_RETRY_AFTER_S);
    expect(r.error.code).toBe('AUP_ERR_TOO_MANY_STREAMS');
    expect(r.error.message).toContain('GET /api/v1/events?after=0');
    expect(r.error.message).toContain('10.0.0.1');
    expect(r.error.details).toMatchObject({ address: '10.0.0.1', open: 2, limit: 2 });
    taken(slots.take('10.0.0.2', 'GET /api/v1/events'));
    expect(slots.total).toBe(3);
  });

  it('refuses any address once the board holds its total with AUP_ERR_SERVER_BUSY', () => {
    const slots = new StreamSlots({ maxStreams: 3, maxStreamsPerAddress: 2 });
    taken(slots.take('a', 'x'));
    taken(slots.take('b', 'x'));
    taken(slots.take('c', 'x'));
    const r = refusal(slots.take('d', 'x'));
    expect(r.error.code).toBe('AUP_ERR_SERVER_BUSY');
    expect(r.error.details).toMatchObject({ open: 3, limit: 3 });
  });

  it('gives a slot back once, however often its release is called', () => {
    const slots = new StreamSlots({ maxStreams: 5, maxStreamsPerAddress: 1 });
    const release = taken(slots.take('a', 'x'));
    release();
    release();
    expect(slots.total).toBe(0);
    const again = taken(slots.take('a', 'x'));
    refusal(slots.take('a', 'x'));
    again();
    taken(slots.take('a', 'x'));
  });

  it('counts an IPv4 client of a dual-stack socket as its IPv4 address', () => {
    expect(normalizeAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeAddress('::1')).toBe('::1');
    expect(normalizeAddress(undefined)).toBe('unknown');
    const slots = new StreamSlots({ maxStreams: 5, maxStreamsPerAddress: 1 });
    taken(slots.take('127.0.0.1', 'x'));
    expect(refusal(slots.take('::ffff:127.0.0.1', 'x')).error.code).toBe('AUP_ERR_TOO_MANY_STREAMS');
  });

  it('has defaults that admit four browsers (6 connections each) from one address', () => {
    expect(MAX_STREAMS_PER_ADDRESS).toBeGreaterThanOrEqual(4 * 6);
    expect(MAX_STREAMS).toBeGreaterThanOrEqual(MAX_STREAMS_PER_ADDRESS);
  });

  it('rejects a limit that is not a whole number of streams', () => {
    let caught: unknown;
    try {
      new StreamSlots({ maxStreams: 0 });
    } catch (e) {
      caught = e;
    }
    expect(isAupError(caught) && caught.code === 'AUP_ERR_CLI_USAGE' && caught.message.includes('streams.maxStreams is 0')).toBe(true);
    expect(() => new StreamSlots({ maxStreamsPerAddress: 1.5 })).toThrow(/streams\.maxStreamsPerAddress is 1\.5/);
  });
});
