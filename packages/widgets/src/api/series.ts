// The wire shapes of the series routes: GET /experiments/:id/series, GET /best-so-far and
// GET /jobs/:jid/records (the server's query-routes.ts and job-schemas.ts).
import { arrayAt, numberAt, objectAt, stringAt } from './parse.js';

/** One job's values of one label, in step order, possibly downsampled (min and max kept). */
export interface IntermediateSeries {
  job_id: number;
  label: string;
  steps: number[];
  values: number[];
  /** Values stored; more than `steps.length` when downsampled. */
  count: number;
}

/** An experiment's best score so far, one point per improvement. */
export interface BestSoFarSeries {
  experiment_id: number;
  target: 'min' | 'max';
  /** Trial index, or the job's end in epoch ms (see `BestSoFarX`). */
  x: number[];
  best: number[];
  /** The job that set each new best. */
  job_ids: number[];
}

export type BestSoFarX = 'index' | 'time';

/** A text, histogram or image record of a job. */
export interface JobRecordValue {
  kind: 'text' | 'histogram' | 'image';
  name: string;
  step: number | null;
  time: string;
  text?: string;
  /** Histogram values; a non-finite value is null. */
  values?: Array<number | null>;
  /** For GET /jobs/:jid/images/:index. */
  image_index?: number;
  path?: string;
}

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
