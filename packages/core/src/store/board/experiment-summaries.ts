import { hostnameOfInfo } from '../../env-info.js';
import { JOB_STATUSES } from '../../statuses.js';
import type { JobStatus } from '../../types.js';
import type { ExperimentSummaryRecord } from '../job-query.js';
import type { StoreContext } from '../store-context.js';

/** The `hostname` of an experiment's host-info JSON; null when it has none (or it is not JSON). */
function hostnameOf(hostJson: string | null): string | null {
  if (hostJson === null) return null;
  try {
    return hostnameOfInfo(JSON.parse(hostJson));
  } catch {
    return null;
  }
}

/** Every experiment (newest first) with its job counts per status, in two grouped queries. */
export async function experimentSummaries(ctx: StoreContext): Promise<ExperimentSummaryRecord[]> {
  const db = ctx.db;
  const exps = await db
    .selectFrom('experiment')
    .select([
      'id',
      'name',
      'user_name',
      'host',
      'proposer',
      'target',
      'n_samples',
      'status',
      'best_job_id',
      'best_score',
      'error',
      'created_at',
      'started_at',
      'ended_at',
      'imported_from',
      'stop_reason',
    ])
    .orderBy('id', 'desc')
    .execute();
  const counts = await db
    .selectFrom('job')
    .select(['experiment_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(['experiment_id', 'status'])
    .execute();
  const byExp = new Map<number, Record<JobStatus, number>>();
  for (const c of counts) {
    const id = Number(c.experiment_id);
    let rec = byExp.get(id);
    if (rec === undefined) byExp.set(id, (rec = emptyCounts()));
    // A status this version does not know still counts toward the total.
    rec[c.status as JobStatus] = (rec[c.status as JobStatus] ?? 0) + Number(c.n);
  }
  return exps.map((e) => {
    const jobCounts = byExp.get(Number(e.id)) ?? emptyCounts();
    return {
      id: Number(e.id),
      name: e.name,
      user: e.user_name,
      hostname: hostnameOf(e.host),
      proposer: e.proposer,
      target: e.target as 'min' | 'max',
      nSamples: e.n_samples,
      status: e.status,
      bestJobId: e.best_job_id === null ? null : Number(e.best_job_id),
      bestScore: e.best_score,
      error: e.error,
      createdAt: Number(e.created_at),
      startedAt: e.started_at === null ? null : Number(e.started_at),
      endedAt: e.ended_at === null ? null : Number(e.ended_at),
      importedFrom: e.imported_from,
      stopReason: e.stop_reason,
      jobCounts,
      jobsTotal: Object.values(jobCounts).reduce((a, b) => a + b, 0),
    };
  });
}

function emptyCounts(): Record<JobStatus, number> {
  return Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
}
