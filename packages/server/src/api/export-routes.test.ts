import { openStore, type ExperimentRecord, type Store } from '@aup/core';
import type { FastifyInstance } from 'fastify';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createServer } from '../create-server.js';
import { csvField, experimentExportTable, exportTable } from './export-jobs.js';
import { exportFileName } from './export-routes.js';

// Enough jobs to cross the stream's chunking many times over, built quickly through the store.
const JOBS = 3000;
const STARTED = Date.UTC(2026, 0, 2, 3, 4, 5);

let store: Store;
let app: FastifyInstance;
let exp: ExperimentRecord;
let jobIds: number[];

beforeAll(async () => {
  store = await openStore(':memory:');
  exp = await store.createExperiment({
    name: 'lr sweep: "v2"/final',
    user: 'u',
    proposer: 'random',
    target: 'max',
    nSamples: JOBS,
    configRaw: {},
    config: {},
    workingDir: '/nonexistent',
    host: {},
    git: {},
  });
  jobIds = [];
  for (let i = 0; i < JOBS; i++) {
    // Trial 0 carries the awkward values: a formula, a comma and quotes, a newline.
    const act = i === 0 ? '=HYPERLINK("http://x","y")' : i === 1 ? 'a,"b"\nc' : i % 2 === 0 ? 'relu' : 'tanh';
    const job = await store.createJob({
      experimentId: exp.id,
      trial: i,
      params: { lr: i / 1000, act, deep: i % 3 === 0 },
      budget: i === 2 ? 27 : null,
    });
    jobIds.push(job.id);
  }
  await store.updateJob(jobIds[0]!, {
    status: 'finished',
    score: -0.5,
    metrics: { f1: 0.25, acc: 0.9 },
    startedAt: STARTED,
    endedAt: STARTED + 2500,
  });
  await store.updateJob(jobIds[1]!, { status: 'failed', metrics: { '-weird': 1 } });
  app = createServer({ store });
  await app.ready();
}, 60_000);

afterAll(async () => {
  await app?.close();
  await store?.close();
});

const get = (url: string) => app.inject({ method: 'GET', url: `/api/v1${url}` });

/** RFC 4180: fields separated by commas, records by CRLF, quoted fields with doubled quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else {
        if (c === '"') quoted = false;
        else field += c;
        i++;
      }
      continue;
    }
    if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
      continue;
    }
    if (c === '\n') throw new Error(`bare LF outside quotes at ${i}`);
    if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else field += c;
    i++;
  }
  if (field !== '' || row.length > 0) throw new Error('last record not terminated by CRLF');
  return rows;
}

const COLUMNS = [
  'id',
  'trial',
  'status',
  'score',
  'budget',
  'param:lr',
  'param:act',
  'param:deep',
  'metric:-weird',
  'metric:acc',
  'metric:f1',
  'started_at',
  'ended_at',
  'duration_s',
];

describe('GET /api/v1/experiments/:id/export', () => {
  it('exports every job as RFC 4180 csv with a header, quoting and the formula guard', async () => {
    const res = await get(`/experiments/${exp.id}/export?format=csv`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="lr_sweep_v2_final-jobs.csv"/);
    const rows = parseCsv(res.body);
    expect(rows[0]).toEqual(COLUMNS);
    expect(rows).toHaveLength(JOBS + 1);
    expect(rows[1]).toEqual([
      String(jobIds[0]),
      '0',
      'finished',
      '-0.5', // a number is written as a number, never guarded
      '',
      '0',
      `'=HYPERLINK("http://x","y")`,
      'true',
      '',
      '0.9',
      '0.25',
      new Date(STARTED).toISOString(),
      new Date(STARTED + 2500).toISOString(),
      '2.5',
    ]);
    expect(rows[2]![6]).toBe('a,"b"\nc');
    expect(rows[3]![4]).toBe('27');
    expect(rows[JOBS]![0]).toBe(String(jobIds[JOBS - 1]));
    // Metric names go into the header with their prefix, so a name starting with '-' is no formula.
    expect(res.body.split('\r\n')[0]).toContain(',metric:-weird,');
  });

  it('exports json as an array of objects with typed values', async () => {
    const res = await get(`/experiments/${exp.id}/export?format=json`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/filename="lr_sweep_v2_final-jobs.json"/);
    const rows = JSON.parse(res.body) as Record<string, unknown>[];
    expect(rows).toHaveLength(JOBS);
    expect(Object.keys(rows[0]!)).toEqual(COLUMNS);
    expect(rows[0]).toMatchObject({
      id: jobIds[0],
      score: -0.5,
      'param:act': '=HYPERLINK("http://x","y")',
      'param:deep': true,
      'metric:f1': 0.25,
      duration_s: 2.5,
    });
    expect(rows[5]).toMatchObject({ score: null, started_at: null, 'metric:f1': null });
  });

  it('exports an xlsx workbook with one row per job plus the header', async () => {
    const res = await get(`/experiments/${exp.id}/export?format=xlsx`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const files = unzipSync(new Uint8Array(res.rawPayload));
    expect(Object.keys(files)).toContain('xl/workbook.xml');
    const sheetName = Object.keys(files).find((f) => /^xl\/worksheets\/sheet\d+\.xml$/.test(f))!;
    const sheet = strFromU8(files[sheetName]!);
    expect(sheet.match(/<row /g)).toHaveLength(JOBS + 1);
    expect(strFromU8(files['xl/workbook.xml']!)).toContain('name="jobs"');
  });

  it('exports a selection, in the order given', async () => {
    const pick = [jobIds[5]!, jobIds[1]!, jobIds[5]!];
    const res = await get(`/experiments/${exp.id}/export?format=json&jobs=${pick.join(',')}`);
    expect((JSON.parse(res.body) as { id: number }[]).map((r) => r.id)).toEqual([jobIds[5], jobIds[1]]);
  });

  it('refuses ids of other experiments, a malformed selection and an unknown format', async () => {
    const other = await get(`/experiments/${exp.id}/export?jobs=${jobIds[0]},999999`);
    expect(other.statusCode).toBe(404);
    expect(other.json()).toMatchObject({ code: 'AUP_ERR_JOB_NOT_FOUND', details: { missing: [999999] } });
    expect((await get(`/experiments/${exp.id}/export?jobs=1;2`)).statusCode).toBe(400);
    expect((await get(`/experiments/${exp.id}/export?format=pdf`)).json().code).toBe('AUP_ERR_BAD_REQUEST');
    expect((await get('/experiments/424242/export')).statusCode).toBe(404);
  });
});

describe('export helpers', () => {
  it('guards every formula start OWASP names and quotes per RFC 4180', () => {
    expect(['=1', '+1', '-1', '@x', '\tx', '\rx'].map(csvField)).toEqual(["'=1", "'+1", "'-1", "'@x", "'\tx", `"'\rx"`]);
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a"b')).toBe('"a""b"');
    expect(csvField(-1)).toBe('-1');
    expect(csvField(null)).toBe('');
  });

  it('names the file after the experiment, reduced to safe characters', () => {
    expect(exportFileName('../../etc/passwd', 3, 'csv')).toBe('etc_passwd-jobs.csv');
    expect(exportFileName('résumé', 3, 'json')).toBe('r_sum_-jobs.json');
    expect(exportFileName('***', 3, 'xlsx')).toBe('experiment-3-jobs.xlsx');
  });

  it('has columns for every param and metric any job has', () => {
    const table = exportTable([]);
    expect(table.columns).toEqual(['id', 'trial', 'status', 'score', 'budget', 'started_at', 'ended_at', 'duration_s']);
  });

  it('reads a whole experiment page by page into the same table as all its jobs at once', async () => {
    const e = await store.createExperiment({ ...exp, name: 'paged' });
    for (let i = 0; i < 5; i++) {
      // A parameter and a metric that first appear on later pages still get their columns.
      const job = await store.createJob({ experimentId: e.id, trial: i, params: i === 3 ? { a: i, late: 'x' } : { a: i } });
      if (i === 4) await store.updateJob(job.id, { status: 'finished', score: 1, metrics: { z: 2 } });
    }
    const whole = exportTable(await store.listJobs(e.id));
    expect(whole.columns).toContain('param:late');
    for (const pageJobs of [1, 2, 5, 100]) {
      const paged = await experimentExportTable(store, e.id, pageJobs);
      expect(paged.columns).toEqual(whole.columns);
      const rows: unknown[] = [];
      for await (const row of paged.rows()) rows.push(row);
      expect(rows).toEqual([...(whole.rows() as Iterable<unknown>)]);
    }
  });
});
