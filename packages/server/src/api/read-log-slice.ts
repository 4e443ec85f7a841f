import { open } from 'node:fs/promises';

import { AupError } from '@aup/core';

import { DEFAULT_LOG_TAIL, MAX_LOG_CHUNK } from './job-schemas.js';

/** Which bytes of a log a request asks for: the last `tail` bytes, or `length` bytes from `offset`. */
export interface LogRange {
  tail?: number | undefined;
  offset?: number | undefined;
  length?: number | undefined;
}

/** A slice of a log: the bytes actually served, decoded. */
export interface LogSliceText {
  offset: number;
  length: number;
  text: string;
}

// A UTF-8 character is at most 4 bytes: moving an end by up to 3 bytes reaches a boundary.
const MAX_UTF8_CONTINUATION = 3;

/**
 * Reads one slice of a file of `size` bytes without reading the rest, so a log of gigabytes costs
 * only the slice. The slice's ends are moved inwards to UTF-8 character boundaries, so the text
 * never opens or closes with half a character; the returned offset and length say what was served.
 */
export async function readLogSlice(path: string, size: number, range: LogRange): Promise<LogSliceText> {
  if (range.tail !== undefined && (range.offset !== undefined || range.length !== undefined)) {
    throw new AupError(
      'AUP_ERR_BAD_REQUEST',
      'Query parameter tail cannot be combined with offset or length: ask for the last N bytes, or for a range',
      {
        details: { in: 'querystring', field: 'tail' },
      },
    );
  }
  let start: number;
  let end: number;
  if (range.offset !== undefined || range.length !== undefined) {
    start = Math.min(range.offset ?? 0, size);
    end = Math.min(start + Math.min(range.length ?? MAX_LOG_CHUNK, MAX_LOG_CHUNK), size);
  } else {
    end = size;
    start = Math.max(0, size - Math.min(range.tail ?? DEFAULT_LOG_TAIL, MAX_LOG_CHUNK));
  }
  if (end <= start) return { offset: start, length: 0, text: '' };

  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(end - start);
    const { bytesRead } = await handle.read(buf, 0, buf.length, start);
    let from = 0;
    let to = bytesRead;
    // Skip continuation bytes (10xxxxxx) at the start: they belong to a character begun before the slice.
    if (start > 0) while (from < to && from < MAX_UTF8_CONTINUATION && isContinuation(buf[from]!)) from++;
    // Drop a character cut at the end, unless the file itself ends there.
    if (start + to < size) to = completeEnd(buf, from, to);
    return { offset: start + from, length: to - from, text: buf.toString('utf8', from, to) };
  } finally {
    await handle.close();
  }
}

function isContinuation(byte: number): boolean {
  return (byte & 0xc0) === 0x80;
}

/** The end of the last whole character in buf[from, to). */
function completeEnd(buf: Buffer, from: number, to: number): number {
  let lead = to - 1;
  while (lead >= from && to - lead <= MAX_UTF8_CONTINUATION && isContinuation(buf[lead]!)) lead--;
  if (lead < from) return to;
  const b = buf[lead]!;
  const need = b < 0x80 ? 1 : (b & 0xe0) === 0xc0 ? 2 : (b & 0xf0) === 0xe0 ? 3 : (b & 0xf8) === 0xf0 ? 4 : 1;
  return lead + need <= to ? to : lead;
}
