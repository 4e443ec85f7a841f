/**
 * Every entry of @aup/widgets' exports map, imported in plain Node as a server-side renderer or a
 * test runner without a DOM imports it: a child `node` per entry (so one entry's globals, such as
 * the custom-element registry Lit's Node build installs, cannot hide another entry's failure),
 * resolving `@aup/widgets/...` through node_modules the way a consumer project does, from the
 * built dist/. Nothing at import time may touch `document`, `window` or `HTMLElement`.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WIDGETS = join(ROOT, 'packages', 'widgets');
const run = promisify(execFile);

/** The import specifiers of every exports-map entry, the `./*` pattern expanded to the files it maps to. */
function entries(): string[] {
  const pkg = JSON.parse(readFileSync(join(WIDGETS, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  const out: string[] = [];
  for (const key of Object.keys(pkg.exports)) {
    if (!key.includes('*')) {
      out.push(key === '.' ? '@aup/widgets' : `@aup/widgets/${key.slice(2)}`);
      continue;
    }
    // `./*` → dist/define/*.js: one specifier per file the pattern reaches.
    const target = JSON.stringify(pkg.exports[key]);
    const dir = /"\.\/([^"*]+)\*\.js"/.exec(target)?.[1];
    if (dir === undefined) throw new Error(`exports ${key}: no "./dir/*.js" target in ${target}`);
    for (const f of readdirSync(join(WIDGETS, dir)).filter((n) => n.endsWith('.js')))
      out.push(`@aup/widgets/${key.slice(2).replace('*', f.slice(0, -3))}`);
  }
  return out;
}

/** Imports `spec` in a fresh Node; JSON entries with the import attribute Node requires. */
async function importInNode(spec: string): Promise<{ ok: boolean; output: string }> {
  const attrs = spec.endsWith('.json') ? ", { with: { type: 'json' } }" : '';
  const code = `await import(${JSON.stringify(spec)}${attrs}); console.log('imported ' + ${JSON.stringify(spec)});`;
  try {
    const r = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' });
    return { ok: r.stdout.includes(`imported ${spec}`), output: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    // The first lines name the error and where it was thrown: enough to see what touched the DOM.
    return { ok: false, output: (err.stderr ?? err.message).split('\n').slice(0, 6).join('\n') };
  }
}

describe('@aup/widgets in plain Node', () => {
  const specs = entries();

  it('finds every entry: the index, the bundle, each element', () => {
    expect(specs).toEqual(
      expect.arrayContaining([
        '@aup/widgets',
        '@aup/widgets/classes',
        '@aup/widgets/bundle',
        '@aup/widgets/job-table',
        '@aup/widgets/board',
        '@aup/widgets/hig',
      ]),
    );
  });

  it('registers nothing from @aup/widgets/classes, every aup-* tag from @aup/widgets', async () => {
    // Lit's Node build installs a registry (globalThis.customElements) where the tags can be seen.
    const tags = async (spec: string): Promise<string> => {
      const code = `const w = await import(${JSON.stringify(spec)}); console.log(JSON.stringify(['aup-job-table', 'aup-hig', 'aup-board'].map((t) => [t, customElements.get(t) !== undefined, typeof w.AupJobTable])));`;
      return (await run(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' })).stdout.trim();
    };
    expect(JSON.parse(await tags('@aup/widgets/classes'))).toEqual([
      ['aup-job-table', false, 'function'],
      ['aup-hig', false, 'function'],
      ['aup-board', false, 'function'],
    ]);
    expect(JSON.parse(await tags('@aup/widgets'))).toEqual([
      ['aup-job-table', true, 'function'],
      ['aup-hig', true, 'function'],
      ['aup-board', true, 'function'],
    ]);
  });

  it.each(specs)('imports %s without a DOM', async (spec) => {
    const r = await importInNode(spec);
    expect(r.output).toContain(`imported ${spec}`);
    expect(r.ok).toBe(true);
  });
});
