import { lstat, readdir, realpath, unlink } from 'node:fs/promises';
import { join, relative, isAbsolute } from 'node:path';

/** The folder under the working directory where the runner writes job files (DESIGN §5). */
export const JOBS_FOLDER = 'jobs';

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
 * Removes the runner's files of the given jobs (`jobs/<id>.json`, `jobs/<id>.<attempt>.out`) from
 * `workingDir`, and nothing else: the jobs folder must resolve (symlinks followed) inside the
 * working directory, and only plain files are unlinked (a symlink is unlinked as a link, its
 * target untouched). A missing folder removes nothing.
 */
export async function removeJobFiles(workingDir: string, jobIds: readonly number[]): Promise<RemovedFiles> {
  const out: RemovedFiles = { removed: [], skipped: [] };
  let root: string;
  let jobsDir: string;
  try {
    root = await realpath(workingDir);
    jobsDir = await realpath(join(workingDir, JOBS_FOLDER));
  } catch {
    return out;
  }
  if (!isInside(root, jobsDir) || jobsDir === root) {
    out.skipped.push({ file: join(workingDir, JOBS_FOLDER), reason: `resolves to ${jobsDir}, outside the working directory ${root}` });
    return out;
  }
  const ids = new Set(jobIds.map(String));
  const names = await readdir(jobsDir);
  for (const name of names) {
    const m = /^(\d+)\.(?:json|\d+\.out)$/.exec(name);
    if (m === null || !ids.has(m[1]!)) continue;
    const file = join(jobsDir, name);
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
  return out;
}
