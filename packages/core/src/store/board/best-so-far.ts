import { sql } from 'kysely';

import type { BestSoFarSeries, BestSoFarX } from '../job-query.js';
import type { StoreContext } from '../store-context.js';
import { AupError } from '../../errors.js';

// Finite doubles only: SQLite turns NaN into NULL, PostgreSQL sorts NaN above every number.
const FINITE_BOUND = 1e308;

/** Each experiment's best score so far, over trial index or job end time, one point per improvement. */
export async function bestSoFar(ctx: StoreContext, experimentIds: number[], opts: { x: BestSoFarX }): Promise<BestSoFarSeries[]> {
  if (experimentIds.length === 0) return [];
  const db = ctx.db;
  const exps = await db.selectFrom('experiment').select(['id', 'target']).where('id', 'in', experimentIds).execute();
  const found = new Map(exps.map((e) => [Number(e.id), e.target as 'min' | 'max']));
  const missing = experimentIds.filter((id) => !found.has(id));
  if (missing.length > 0) {
    throw new AupError('AUP_ERR_EXPERIMENT_NOT_FOUND', `No experiment has id ${missing.join(', ')}`, {
      details: { experimentIds: missing },
    });
  }
  const xCol = opts.x === 'time' ? sql.raw('ended_at') : sql.raw('trial');
  const out = new Map<number, BestSoFarSeries>();
  for (const id of experimentIds) out.set(id, { experimentId: id, target: found.get(id)!, x: [], best: [], jobIds: [] });
  for (const id of new Set(experimentIds)) {
    // A job improves on the best so far when its score beats every earlier one (in x, then id
    // order): one window over the experiment's scores, its frame ending just before the row. The
    // unary + keeps the score conditions off the score index, so that (experiment, x, score) is
    // read in order from its index alone (migration 0006) and nothing is sorted.
    const better = found.get(id) === 'max' ? sql`score > prev` : sql`score < prev`;
    const agg = found.get(id) === 'max' ? sql`max(score)` : sql`min(score)`;
    const rows = await sql<{ id: number; x: number; score: number }>`
      select id, x, score from (
        select j.id, j.${xCol} as x, j.score,
          ${agg} over (order by j.${xCol}, j.id rows between unbounded preceding and 1 preceding) as prev
        from job j
        where j.experiment_id = ${id} and +j.score is not null and +j.score > ${-FINITE_BOUND} and +j.score < ${FINITE_BOUND} and j.${xCol} is not null
      ) w where prev is null or ${better} order by x, id`.execute(db);
    const s = out.get(id)!;
    for (const r of rows.rows) {
      s.x.push(Number(r.x));
      s.best.push(Number(r.score));
      s.jobIds.push(Number(r.id));
    }
  }
  return [...out.values()];
}
