import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

import { AupError } from '@aup/core';

/** What a caller wants served, for messages: `artifact 2 of job 7`, `log of job 7 attempt 1`. */
export interface ConfinedFile {
  /** The real path of the file, inside the real working directory. */
  path: string;
  /** Its size in bytes at the time of the check. */
  size: number;
}

/**
 * Resolves a path a job recorded (relative to the experiment's working directory, or absolute) to
 * a regular file inside that directory. Symlinks are followed first (`realpath`) and the result is
 * compared with the working directory's own real path, so `..`, absolute paths elsewhere and
 * symlinks pointing out are all refused with AUP_ERR_PATH_FORBIDDEN (403); a file that is not
 * there is AUP_ERR_FILE_NOT_FOUND (404).
 */
export async function resolveConfined(workingDir: string, recorded: string, what: string): Promise<ConfinedFile> {
  const lexical = resolve(workingDir, recorded);
  // Refuse on the lexical path first: a path that names somewhere outside must be refused even
  // when nothing is there, so a client cannot probe the rest of the disk by 404 vs 403.
  if (!isInside(resolve(workingDir), lexical)) throw forbidden(workingDir, recorded, what, 'it leads outside the working directory');

  let root: string;
  try {
    root = await realpath(workingDir);
  } catch (cause) {
    throw new AupError(
      'AUP_ERR_FILE_NOT_FOUND',
      `The ${what} cannot be served: the experiment's working directory ${workingDir} does not exist`,
      {
        details: { working_dir: workingDir, path: recorded },
        cause,
      },
    );
  }
  let real: string;
  try {
    real = await realpath(lexical);
  } catch (cause) {
    throw new AupError('AUP_ERR_FILE_NOT_FOUND', `The ${what} is not on disk: expected a file at ${lexical}`, {
      details: { path: recorded, resolved: lexical },
      cause,
    });
  }
  if (!isInside(root, real))
    throw forbidden(workingDir, recorded, what, `a symlink makes it resolve to ${real}, outside the working directory`);

  const info = await stat(real);
  if (!info.isFile()) {
    throw new AupError('AUP_ERR_FILE_NOT_FOUND', `The ${what} at ${lexical} is not a regular file`, {
      details: { path: recorded, resolved: lexical },
    });
  }
  return { path: real, size: info.size };
}

/** True when `child` is `root` itself or below it (both absolute and normalised). */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

function forbidden(workingDir: string, recorded: string, what: string, why: string): AupError {
  return new AupError(
    'AUP_ERR_PATH_FORBIDDEN',
    `The ${what} is recorded as '${recorded}', and ${why} (${workingDir}): the board serves files only from inside the experiment's working directory`,
    { details: { path: recorded, working_dir: workingDir } },
  );
}
