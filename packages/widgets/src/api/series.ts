// The wire shapes of the series routes: GET /experiments/:id/series, GET /best-so-far and
// GET /jobs/:jid/records (wire.ts, printed from the server's schemas).
import { arrayAt, numberAt, objectAt, stringAt } from './parse.js';
import type { BestSoFarResponse, BestSoFarSeries, IntermediateSeries, JobRecord } from './wire.js';

export type { BestSoFarSeries, IntermediateSeries };
/** What a best-so-far curve's x is: the trial index, or the job's end in epoch ms. */
export type BestSoFarX = BestSoFarResponse['x'];
/** A text, histogram or image record of a job. */
export type JobRecordValue = JobRecord;

/** Reads the body of GET /experiments/:id/series. */
export function parseSeries(json: unknown): IntermediateSeries[] {
  const list = arrayAt(objectAt(json, 'body')['series'], 'body.series');
  list.forEach((s, i) => {
    const o = objectAt(s, `series[${i}]`);
    numberAt(o, 'job_id', `series[${i}]`);
    stringAt(o, 'label', `series[${i}]`);
    arrayAt(o['steps'], `series[${i}].steps`);
    arrayAt(o['values'], `series[${i}].values`);
  });
  return list as IntermediateSeries[];
}

/** Reads the body of GET /best-so-far. */
export function parseBestSoFar(json: unknown): BestSoFarSeries[] {
  const list = arrayAt(objectAt(json, 'body')['series'], 'body.series');
  list.forEach((s, i) => {
    const o = objectAt(s, `series[${i}]`);
    numberAt(o, 'experiment_id', `series[${i}]`);
    arrayAt(o['x'], `series[${i}].x`);
    arrayAt(o['best'], `series[${i}].best`);
  });
  return list as BestSoFarSeries[];
}

/** Reads the body of GET /jobs/:jid/records. */
export function parseRecords(json: unknown): JobRecordValue[] {
  const list = arrayAt(objectAt(json, 'body')['records'], 'body.records');
  list.forEach((r, i) => stringAt(objectAt(r, `records[${i}]`), 'kind', `records[${i}]`));
  return list as JobRecordValue[];
}
