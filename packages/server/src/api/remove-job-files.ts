import { lstat, readdir, realpath, rmdir, unlink } from 'node:fs/promises';
import { join, relative, isAbsolute } from 'node:path';

import { isJobDir, JOBS_FOLDER, LEGACY_JOB_DIR } from '@aup/core';

export { JOBS_FOLDER };

/** What a file removal did, for the DELETE reply. */
export interface RemovedFiles {
  removed: string[];
  /** Files left in place, with why (outside the working directory, not a plain file, unlink failed). */
  skipped: Array<{ file: string; reason: string }>;
}

/** True when `child` is `parent` or lies under it (both absolute, already resolved). */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Removes the runner's files of the given jobs (`<jid>.json`, `<jid>.<attempt>.out`) from the
 * experiment's job folder `jobDir` under `workingDir` (docs/decisions/0021-job-file-layout.md), and
 * nothing else: an experiment's own folder (`jobs/e<id>-<random>`) holds only its files, so no other
 * experiment's or database's file is ever touched; the flat `jobs/` of an experiment from before
 * job folders is shared, and there only the named jobs' files go. The folder must resolve (symlinks
 * followed) inside the working directory, and only plain files are unlinked (a symlink is unlinked
 * as a link, its target untouched). With `folder`, an own folder left empty is removed too. No
 * folder (null: the experiment wrote no job files; or a missing one) removes nothing.
 */
export async function removeJobFiles(
  workingDir: string,
  jobDir: string | null,
  jobIds: readonly number[],
  opts: { folder?: boolean } = {},
): Promise<RemovedFiles> {
  const out: RemovedFiles = { removed: [], skipped: [] };
  if (jobDir === null) return out;
  if (!isJobDir(jobDir)) {
    out.skipped.push({ file: join(workingDir, jobDir), reason: 'not a job folder aup makes (expected jobs or jobs/e<id>-<hex>)' });
    return out;
  }
  let root: string;
  let dir: string;
  try {
    root = await realpath(workingDir);
    dir = await realpath(join(workingDir, jobDir));
  } catch {
    return out;
  }
  if (!isInside(root, dir) || dir === root) {
    out.skipped.push({ file: join(workingDir, jobDir), reason: `resolves to ${dir}, outside the working directory ${root}` });
    return out;
  }
  const ids = new Set(jobIds.map(String));
  const names = await readdir(dir);
  for (const name of names) {
    const m = /^(\d+)\.(?:json|\d+\.out)$/.exec(name);
    if (m === null || !ids.has(m[1]!)) continue;
    const file = join(dir, name);
    try {
      const st = await lstat(file);
      if (!st.isFile() && !st.isSymbolicLink()) {
        out.skipped.push({ file, reason: 'not a plain file' });
        continue;
      }
      await unlink(file);
      out.removed.push(file);
    } catch (e) {
      out.skipped.push({ file, reason: (e as NodeJS.ErrnoException).code ?? 'unlink failed' });
    }
  }
  out.removed.sort();
  // Only an own folder, and only empty: what else is in it (a file the user put there) stays.
  if (opts.folder === true && jobDir !== LEGACY_JOB_DIR) await rmdir(dir).catch(() => undefined);
  return out;
}
