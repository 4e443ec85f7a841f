// What the overview says about why an experiment ended (its stop rules) and about its warm start.
import type { StopReason, WarmStart } from '../api/experiment-detail.js';

const STOP_REASON_TEXT: Record<StopReason, string> = {
  n_samples: 'all n_samples jobs ran',
  exhausted: 'the proposer had nothing more to propose',
  target_score: 'the best score reached stop.target_score',
  patience: 'no new best in stop.patience jobs in a row',
  time_budget: 'its time budget was used up (a resume gets a fresh one)',
  user: 'stopped by hand',
  failure: 'a failure',
};

/** Why an experiment ended, in words; a reason this version does not know is shown as it came. */
export function stopReasonText(reason: string): string {
  return (STOP_REASON_TEXT as Record<string, string>)[reason] ?? reason;
}

/**
 * The warm start in one line, "from experiments 3, 5 (42 jobs)", and a title with the count of
 * each experiment and the jobs left out because they do not fit the search space.
 */
export function warmStartText(w: WarmStart): { text: string; title: string } {
  const ids = w.experiments.map((e) => e.id).join(', ');
  const text = `from experiment${w.experiments.length === 1 ? '' : 's'} ${ids} (${w.jobs} job${w.jobs === 1 ? '' : 's'})`;
  const each = w.experiments.map((e) => `experiment ${e.id}: ${e.jobs} told${e.skipped > 0 ? `, ${e.skipped} left out` : ''}`);
  return { text, title: `Finished jobs told to the proposer before its first proposal, not counted in n_samples. ${each.join('; ')}` };
}
