// A large Optuna study for the import benchmark (test/bench/import-optuna.mjs). Optuna itself
// creates the storage and the study (its schema, alembic_version, the study's direction), through
// /usr/bin/python3; the trials' rows are then written with SQL into Optuna's own tables, because
// Optuna adds about 10 trials a second here and 100,000 would take hours. The rows
// are what Optuna writes for `suggest_float` (plain and log), `suggest_int`, `suggest_categorical`,
// `trial.report` and `set_user_attr`; values come from a seeded generator, so every build is equal.
import { spawnSync } from 'node:child_process';

import Database from 'better-sqlite3';
import pg from 'pg';

const PYTHON = '/usr/bin/python3';
/** Intermediate values per trial. */
export const STEPS = 10;
const PARAMS = [
  ['x', '{"name": "FloatDistribution", "attributes": {"step": null, "low": -10.0, "high": 10.0, "log": false}}', (r) => r() * 20 - 10],
  ['lr', '{"name": "FloatDistribution", "attributes": {"step": null, "low": 1e-05, "high": 0.1, "log": true}}', (r) => 10 ** (r() * 4 - 5)],
  [
    'dropout',
    '{"name": "FloatDistribution", "attributes": {"step": 0.05, "low": 0.0, "high": 0.5, "log": false}}',
    (r) => Math.round(r() * 10) * 0.05,
  ],
  ['layers', '{"name": "IntDistribution", "attributes": {"log": false, "step": 1, "low": 1, "high": 8}}', (r) => 1 + Math.floor(r() * 8)],
  ['optimizer', '{"name": "CategoricalDistribution", "attributes": {"choices": ["adam", "sgd", "rmsprop"]}}', (r) => Math.floor(r() * 3)],
];

/** Rows a study of `trials` trials has in Optuna's tables (trials, params, values, intermediate values, user attributes). */
export function rowsOf(trials) {
  return trials * (1 + PARAMS.length + 1 + STEPS + 1);
}

/** Whether /usr/bin/python3 has Optuna and psycopg2. */
export function optunaAvailable() {
  return spawnSync(PYTHON, ['-c', 'import optuna, psycopg2'], { stdio: 'ignore' }).status === 0;
}

/** Makes the empty study `name` in `storage` with Optuna itself; throws when Optuna is missing. */
export function createStudyWithOptuna(storage, name) {
  const code = `import optuna; optuna.logging.set_verbosity(optuna.logging.ERROR); optuna.create_study(storage=${JSON.stringify(storage)}, study_name=${JSON.stringify(name)}, direction="minimize")`;
  const r = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`${PYTHON} could not create the study (apt-get install python3-optuna python3-psycopg2): ${r.stderr}`);
}

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n, w = 2) => String(n).padStart(w, '0');
function stamp(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}000`;
}

/** The rows of trials `from` .. `to - 1` (numbers), table by table, for study `studyId`; trial ids start after `firstId - 1`. */
export function* trialRows(studyId, from, to, firstId) {
  const r = rng(from + 1);
  const t0 = Date.UTC(2026, 0, 1);
  for (let number = from; number < to; number++) {
    const id = firstId + (number - from);
    const start = t0 + number * 1000;
    const values = PARAMS.map(([, , draw]) => draw(r));
    const loss = values[0] ** 2 + Math.log10(values[1]) + values[2] + values[3] / 8 + values[4] / 10;
    yield ['trials', [id, number, studyId, 'COMPLETE', stamp(start), stamp(start + 900)]];
    for (let p = 0; p < PARAMS.length; p++) yield ['trial_params', [id, PARAMS[p][0], values[p], PARAMS[p][1]]];
    yield ['trial_values', [id, 0, loss, 'FINITE']];
    for (let s = 0; s < STEPS; s++) yield ['trial_intermediate_values', [id, s, loss + (STEPS - s) / STEPS, 'FINITE']];
    yield ['trial_user_attributes', [id, 'seed', JSON.stringify(number)]];
  }
}

const COLUMNS = {
  trials: ['trial_id', 'number', 'study_id', 'state', 'datetime_start', 'datetime_complete'],
  trial_params: ['trial_id', 'param_name', 'param_value', 'distribution_json'],
  trial_values: ['trial_id', 'objective', 'value', 'value_type'],
  trial_intermediate_values: ['trial_id', 'step', 'intermediate_value', 'intermediate_value_type'],
  trial_user_attributes: ['trial_id', 'key', 'value_json'],
};

/** Adds trials `from` .. `to - 1` to the study in a SQLite storage, in one transaction. */
export function addTrialsSqlite(file, studyId, from, to) {
  const db = new Database(file);
  const firstId = db.prepare('select coalesce(max(trial_id), 0) + 1 as id from trials').get().id;
  const insert = Object.fromEntries(
    Object.entries(COLUMNS).map(([t, cols]) => [
      t,
      db.prepare(`insert into ${t} (${cols.map((c) => `"${c}"`).join(', ')}) values (${cols.map(() => '?').join(', ')})`),
    ]),
  );
  db.transaction(() => {
    for (const [table, row] of trialRows(studyId, from, to, firstId)) insert[table].run(...row);
  })();
  db.close();
}

/** The same into a PostgreSQL storage, in multi-row inserts. */
export async function addTrialsPostgres(url, studyId, from, to) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const firstId = Number((await client.query('select coalesce(max(trial_id), 0) + 1 as id from trials')).rows[0].id);
    const batches = Object.fromEntries(Object.keys(COLUMNS).map((t) => [t, []]));
    const flush = async (table) => {
      const rows = batches[table];
      if (rows.length === 0) return;
      const cols = COLUMNS[table];
      let n = 0;
      const values = rows.map((row) => `(${row.map(() => `$${++n}`).join(', ')})`).join(', ');
      await client.query(`insert into ${table} (${cols.map((c) => `"${c}"`).join(', ')}) values ${values}`, rows.flat());
      batches[table] = [];
    };
    await client.query('begin');
    for (const [table, row] of trialRows(studyId, from, to, firstId)) {
      batches[table].push(row);
      // Every table in order (trials first: the others refer to it).
      if (batches[table].length >= 2000) for (const t of Object.keys(COLUMNS)) await flush(t);
    }
    for (const t of Object.keys(COLUMNS)) await flush(t);
    // The tables have their own id sequences: move them past the ids written here.
    for (const [t, id] of [
      ['trials', 'trial_id'],
      ['trial_params', 'param_id'],
      ['trial_values', 'trial_value_id'],
      ['trial_intermediate_values', 'trial_intermediate_value_id'],
      ['trial_user_attributes', 'trial_user_attribute_id'],
    ]) {
      await client.query(`select setval(pg_get_serial_sequence('${t}', '${id}'), (select max(${id}) from ${t}))`);
    }
    await client.query('commit');
  } finally {
    await client.end();
  }
}
