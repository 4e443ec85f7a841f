import { describe, expect, it } from 'vitest';

import { formatDuration, formatProgress, formatScore, formatTimestamp, MISSING } from './format.js';

describe('formatScore', () => {
  it('keeps four significant digits in the everyday range', () => {
    expect(formatScore(0.934567)).toBe('0.9346');
    expect(formatScore(123.456)).toBe('123.5');
    expect(formatScore(-2.5)).toBe('-2.5');
    expect(formatScore(0.00012346)).toBe('0.0001235');
  });

  it('keeps every integer digit of large values rather than switching to exponents early', () => {
    expect(formatScore(12345.6)).toBe('12346');
    expect(formatScore(999_999.4)).toBe('999999');
  });

  it('uses exponent form for very large and very small magnitudes', () => {
    expect(formatScore(1_234_567)).toBe('1.235e+6');
    expect(formatScore(0.000012346)).toBe('1.235e-5');
    expect(formatScore(-3e-7)).toBe('-3.000e-7');
  });

  it('shows missing and non-finite values distinctly', () => {
    expect(formatScore(null)).toBe(MISSING);
    expect(formatScore(undefined)).toBe(MISSING);
    expect(formatScore(Number.NaN)).toBe(MISSING);
    expect(formatScore(Number.POSITIVE_INFINITY)).toBe('∞');
    expect(formatScore(Number.NEGATIVE_INFINITY)).toBe('-∞');
    expect(formatScore(0)).toBe('0');
  });
});

describe('formatTimestamp', () => {
  it('shows date and minute in the requested time zone', () => {
    expect(formatTimestamp('2025-03-04T05:06:07Z', 'UTC')).toBe('2025-03-04 05:06');
    // Tokyo is UTC+9 all year: the same instant falls on the next day there.
    expect(formatTimestamp('2025-12-31T20:30:00.000Z', 'Asia/Tokyo')).toBe('2026-01-01 05:30');
  });

  it('writes midnight as 00, not 24', () => {
    expect(formatTimestamp('2025-06-01T00:00:00Z', 'UTC')).toBe('2025-06-01 00:00');
  });

  it('passes unparseable text through and marks missing values', () => {
    expect(formatTimestamp('yesterday', 'UTC')).toBe('yesterday');
    expect(formatTimestamp(null)).toBe(MISSING);
    expect(formatTimestamp('')).toBe(MISSING);
  });
});

describe('formatProgress', () => {
  it('shows done out of planned', () => {
    expect(formatProgress(3, 10)).toBe('3 / 10');
  });
});

describe('formatDuration', () => {
  it('picks the two largest units', () => {
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(200_000)).toBe('3 min 20 s');
    expect(formatDuration((2 * 3600 + 5 * 60) * 1000)).toBe('2 h 05 min');
    expect(formatDuration((3 * 24 + 4) * 3600 * 1000)).toBe('3 d 4 h');
    expect(formatDuration(null)).toBe('—');
  });
});

describe('formatDuration with subSecond (the job table)', () => {
  it('reads at the scale of the value, in the same units', () => {
    expect(formatDuration(850, { subSecond: true })).toBe('850 ms');
    expect(formatDuration(12_340, { subSecond: true })).toBe('12.3 s');
    expect(formatDuration(245_000, { subSecond: true })).toBe('4 min 05 s');
    expect(formatDuration(2 * 3_600_000 + 3 * 60_000, { subSecond: true })).toBe('2 h 03 min');
    expect(formatDuration(null, { subSecond: true })).toBe('—');
  });
});
