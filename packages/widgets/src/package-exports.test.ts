// The package's entry points as a consumer's bundler sees them: every element's define file is
// reachable as `@aup/widgets/<name>` through the exports map, the bundle and the manifest are where
// package.json says, and the manifest knows every tag a define file registers.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${pkgDir}package.json`, 'utf8')) as { customElements: string; exports: Record<string, unknown> };
const built = existsSync(`${pkgDir}dist/custom-elements.json`);
const require = createRequire(import.meta.url);

const defineNames = readdirSync(fileURLToPath(new URL('./define/', import.meta.url)))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3));

describe.skipIf(!built)('@aup/widgets entry points', () => {
  it('resolves @aup/widgets/<name> to the define file of each element', () => {
    expect(defineNames).toContain('board');
    for (const name of defineNames) {
      expect(require.resolve(`@aup/widgets/${name}`)).toBe(`${pkgDir}dist/define/${name}.js`);
    }
  });

  it('gives browsers the one-file bundle and Node the modules it is built from', () => {
    // In Node the bundle (Lit's browser build inside) would need a DOM; the modules load without one.
    expect(pkg.exports['./bundle']).toMatchObject({ node: './dist/index.js', default: './dist/aup-widgets.js' });
    expect(existsSync(`${pkgDir}dist/aup-widgets.js`)).toBe(true);
    expect(require.resolve('@aup/widgets/bundle')).toBe(`${pkgDir}dist/index.js`);
  });

  it('points customElements at a manifest that has every registered tag', () => {
    const manifest = JSON.parse(readFileSync(`${pkgDir}${pkg.customElements.replace(/^\.\//, '')}`, 'utf8')) as {
      modules: Array<{ path: string; exports?: Array<{ kind: string; name: string }> }>;
    };
    const defined = manifest.modules
      .filter((m) => m.path.startsWith('dist/define/'))
      .flatMap((m) => (m.exports ?? []).filter((e) => e.kind === 'custom-element-definition').map((e) => e.name));
    // Each define file registers the tag named after it (define/job-table.ts → aup-job-table).
    expect(defined.sort()).toEqual(defineNames.map((n) => `aup-${n}`).sort());
  });

  it('names only modules that the package ships and a consumer can import (dist/*.js)', () => {
    const manifest = readFileSync(`${pkgDir}dist/custom-elements.json`, 'utf8');
    const named = new Set<string>();
    JSON.parse(manifest, (key, value: unknown) => {
      if ((key === 'path' || key === 'module') && typeof value === 'string') named.add(value);
      return value;
    });
    expect(named.size).toBeGreaterThan(10);
    for (const path of named) {
      expect(path).toMatch(/^dist\/.+\.js$/);
      expect(existsSync(`${pkgDir}${path}`), path).toBe(true);
    }
  });
});
