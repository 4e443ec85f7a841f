import type { ExperimentSummary } from '../experiment-list/experiment-summary.js';
import type { BestSoFarSeries } from '../api/series.js';
import type { CompareSeries } from '../specs/compare-spec.js';

/** What `<aup-compare>`'s `data` property takes: the curves to overlay, already named. */
export interface CompareData {
  x?: 'index' | 'time';
  series: readonly CompareSeries[];
}

/** An experiment's legend text: `#3 tpe-run (tpe)`. */
export function experimentLabel(e: Pick<ExperimentSummary, 'id' | 'name' | 'proposer'>): string {
  return `#${e.id} ${e.name} (${e.proposer})`;
}

/**
 * The curves of the best-so-far route, named from the experiment list and run on to where each
 * experiment's jobs end (its last trial index, or its end time; a running one ends at its last
 * improvement). Experiments the route returned nothing for (no scored job yet) are left out.
 */
export function compareSeriesFrom(
  experiments: readonly ExperimentSummary[],
  best: readonly BestSoFarSeries[],
  x: 'index' | 'time',
): CompareSeries[] {
  const byId = new Map(experiments.map((e) => [e.id, e]));
  return best
    .filter((s) => s.x.length > 0)
    .map((s) => {
      const e = byId.get(s.experiment_id);
      let end: number | null = null;
      if (e !== undefined && e.jobs_done > 1) {
        if (x === 'index') end = e.jobs_done - 1;
        else if (e.ended_at !== null) end = Date.parse(e.ended_at);
      }
      return {
        experimentId: s.experiment_id,
        name: e === undefined ? `#${s.experiment_id}` : experimentLabel(e),
        x: s.x,
        best: s.best,
        jobIds: s.job_ids,
        end: end !== null && Number.isFinite(end) ? end : null,
      };
    });
}
