/**
 * Which Optuna schemas aup reads: the `alembic_version` row Optuna keeps in every RDB storage,
 * checked before anything else is read, so a storage of another layout is refused by name
 * instead of being misread.
 */
import { AupError } from '../../errors.js';
import type { SourceDb } from './source-db.js';

/**
 * The schema versions Optuna 3.x and 4.x write (optuna/storages/_rdb/alembic/versions): v3.0.0.d
 * is the head of Optuna 3.0 and 3.1, v3.2.0.a (an index on trials.study_id) that of 3.2 to 4.x.
 * v3.0.0.a to .c are the steps of the 3.0 upgrade, which a storage is at only while `optuna
 * storage upgrade` runs or after it failed; their tables lack the value-type columns this reader needs.
 */
export const OPTUNA_SCHEMA_VERSIONS: readonly string[] = ['v3.0.0.d', 'v3.2.0.a'];

/** Versions of older Optuna (0.9 to 2.x, and the 3.0 upgrade's first steps), which `optuna storage upgrade` brings to a known one. */
export const OLDER_OPTUNA_SCHEMA_VERSIONS: readonly string[] = [
  'v0.9.0.a',
  'v1.2.0.a',
  'v1.3.0.a',
  'v2.4.0.a',
  'v2.6.0.a',
  'v3.0.0.a',
  'v3.0.0.b',
  'v3.0.0.c',
];

/** The tables the reader reads; a storage without one of them is not Optuna's. */
export const OPTUNA_TABLES: readonly string[] = [
  'alembic_version',
  'studies',
  'study_directions',
  'study_user_attributes',
  'study_system_attributes',
  'trials',
  'trial_params',
  'trial_values',
  'trial_intermediate_values',
  'trial_user_attributes',
  'trial_system_attributes',
];

/**
 * Checks that `db` is an Optuna storage of a known schema version and returns the version;
 * AUP_ERR_IMPORT_SOURCE naming what was found otherwise.
 */
export async function checkOptunaSchema(db: SourceDb): Promise<string> {
  const tables = await db.tables();
  const missing = OPTUNA_TABLES.filter((t) => !tables.has(t));
  if (missing.length > 0) {
    const what = tables.size === 0 ? 'it has no tables' : `it lacks the tables ${missing.join(', ')}`;
    const aup = tables.has('aup_migration') ? ' (it is an aup database)' : '';
    throw new AupError('AUP_ERR_IMPORT_SOURCE', `${db.display} is not an Optuna storage: ${what}${aup}`, {
      details: { storage: db.display, missing },
    });
  }
  const rows = await db.read((r) => r.all('select version_num from alembic_version'));
  const versions = rows.map((r) => String(r['version_num']));
  if (versions.length !== 1) {
    throw new AupError(
      'AUP_ERR_IMPORT_SOURCE',
      `Optuna storage ${db.display} has ${versions.length} rows in alembic_version (${versions.join(', ') || 'none'}): expected one, its schema version`,
      { details: { storage: db.display, versions } },
    );
  }
  const version = versions[0]!;
  if (OPTUNA_SCHEMA_VERSIONS.includes(version)) return version;
  const known = OPTUNA_SCHEMA_VERSIONS.join(', ');
  const older = OLDER_OPTUNA_SCHEMA_VERSIONS.includes(version);
  const message = older
    ? `Optuna storage ${db.display} has the schema version ${version}, written by Optuna 2.x or an unfinished 3.0 upgrade: aup reads ${known} (Optuna 3.x and 4.x). Upgrade the storage first: optuna storage upgrade --storage <url>`
    : `Optuna storage ${db.display} has the schema version ${version}, which aup does not know: it reads ${known} (Optuna 3.x and 4.x). A newer Optuna may have changed its tables; please report it`;
  throw new AupError('AUP_ERR_IMPORT_SOURCE', message, { details: { storage: db.display, version, known: OPTUNA_SCHEMA_VERSIONS } });
}
