/**
 * What a user reads points only at what a user has: no README, doc, comment or message names a
 * file outside the repository (the starting design and benchmark notes lived beside it, never in
 * it), and every relative Markdown link in the README and docs/ leads to a file that exists.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Files git tracks (and those added but not yet committed), relative to the root. */
function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f !== '' && existsSync(join(ROOT, f)));
}

const TEXT = /\.(?:ts|mts|mjs|cjs|js|json|md|py|sh|ya?ml|html|css)$|^\.ci\//;
// Built from pieces, so this file does not match itself.
const OUTSIDE = [
  new RegExp(['DESIG', 'N\\.md|DESIG', 'N §'].join('')),
  new RegExp(['\\.\\./', 'shared'].join('')),
  new RegExp(['shared/', 'BENCHMARKS'].join('')),
];

describe('the repository points only into itself', () => {
  it('names no file outside the repository', () => {
    const offenders: string[] = [];
    for (const file of trackedFiles().filter((f) => TEXT.test(f) && !f.endsWith('package-lock.json'))) {
      const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (OUTSIDE.some((re) => re.test(line))) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });

  it('has no relative Markdown link to a file that does not exist', () => {
    const broken: string[] = [];
    const docs = trackedFiles().filter((f) => f.endsWith('.md') && !f.includes('node_modules'));
    for (const file of docs) {
      const text = readFileSync(join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!;
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
        const path = decodeURIComponent(target.split('#')[0]!);
        if (path === '') continue;
        if (!existsSync(resolve(dirname(join(ROOT, file)), path))) broken.push(`${file}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
