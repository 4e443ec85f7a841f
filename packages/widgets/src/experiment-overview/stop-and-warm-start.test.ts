import { describe, expect, it } from 'vitest';

import { stopReasonText, warmStartText } from './stop-and-warm-start.js';

describe('stopReasonText', () => {
  it('says each reason in words, and shows one it does not know as it came', () => {
    expect(stopReasonText('patience')).toBe('no new best in stop.patience jobs in a row');
    expect(stopReasonText('time_budget')).toContain('fresh one');
    expect(stopReasonText('from_the_future')).toBe('from_the_future');
  });
});

describe('warmStartText', () => {
  it('names the experiments and the jobs told, with each count and the jobs left out in the title', () => {
    const w = {
      experiments: [
        { id: 3, jobs: 30, skipped: 2 },
        { id: 5, jobs: 12, skipped: 0 },
      ],
      jobs: 42,
    };
    expect(warmStartText(w)).toEqual({
      text: 'from experiments 3, 5 (42 jobs)',
      title:
        'Finished jobs told to the proposer before its first proposal, not counted in n_samples. experiment 3: 30 told, 2 left out; experiment 5: 12 told',
    });
    expect(warmStartText({ experiments: [{ id: 1, jobs: 1, skipped: 0 }], jobs: 1 }).text).toBe('from experiment 1 (1 job)');
  });
});
