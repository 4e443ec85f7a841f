/**
 * The architecture's import rules (scripts/eslint-architecture.mjs) catch what they promise: a
 * small tree laid out like the repository, with one file breaking each rule, linted with the same
 * rules. A tree that breaks none is clean, so a rule that flags everything fails too.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const RULES = new URL('../../scripts/eslint-architecture.mjs', import.meta.url);

let root: string;
const TSCONFIG = JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true }, include: ['src'] });

function write(path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'aup-lint-rules-'));
  for (const p of ['logger', 'core', 'server', 'widgets']) write(`packages/${p}/tsconfig.json`, TSCONFIG);
  write(
    'eslint.config.mjs',
    `import { architectureRules } from ${JSON.stringify(pathToFileURL(RULES.pathname).href)};\n` +
      `export default architectureRules(${JSON.stringify(root)});\n`,
  );
  // A cycle inside core: a -> b -> a.
  write('packages/core/src/cycle-a.ts', "import { b } from './cycle-b.js';\nexport const a = (): number => b() + 1;\n");
  write('packages/core/src/cycle-b.ts', "import { a } from './cycle-a.js';\nexport const b = (): number => (Math.abs(1) > 2 ? a() : 0);\n");
  // Clean core code: imports within the package only, no cycle.
  write('packages/core/src/leaf.ts', 'export const leaf = 1;\n');
  write('packages/core/src/clean.ts', "import { leaf } from './leaf.js';\nexport const clean = leaf + 1;\n");
  // The logger reaching into core's sources: across the boundary, the wrong way.
  write('packages/logger/src/reach.ts', "import { leaf } from '../../core/src/leaf.js';\nexport const reach = leaf;\n");
  // The server reaching into core's src/ instead of its exports map.
  write('packages/server/src/deep.ts', "import { leaf } from '../../core/src/leaf.js';\nexport const deep = leaf;\n");
  // Widgets: a run-time import of a package is refused, a type import is fine.
  write('packages/widgets/src/runtime.ts', "import { AupError } from '@aup/core';\nexport const made = new AupError('X', 'y');\n");
  write('packages/widgets/src/types-only.ts', "import type { AupError } from '@aup/core';\nexport type E = AupError;\n");
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

async function problems(file: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root, overrideConfigFile: join(root, 'eslint.config.mjs'), ignore: false });
  const [result] = await eslint.lintFiles([join(root, file)]);
  return result!.messages.filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('the architecture lint rules', () => {
  it('flag an import cycle inside a package', async () => {
    expect(await problems('packages/core/src/cycle-a.ts')).toEqual([expect.stringMatching(/^import-x\/no-cycle: Dependency cycle/)]);
  });

  it('flag an import across the package boundaries, and into another package src/', async () => {
    expect(await problems('packages/logger/src/reach.ts')).toEqual(
      expect.arrayContaining([expect.stringMatching(/^import-x\/no-restricted-paths: .*@aup\/logger imports nothing from the repository/)]),
    );
    expect(await problems('packages/server/src/deep.ts')).toEqual([
      expect.stringMatching(/^import-x\/no-restricted-paths: .*import another package through its exports map \(@aup\/core\)/),
    ]);
  });

  it('flag a run-time import of a package in the widgets, and let a type import pass', async () => {
    expect(await problems('packages/widgets/src/runtime.ts')).toEqual([
      expect.stringMatching(/^@typescript-eslint\/no-restricted-imports: .*the widgets speak HTTP only/),
    ]);
    expect(await problems('packages/widgets/src/types-only.ts')).toEqual([]);
  });

  it('leave code that keeps the rules alone', async () => {
    expect(await problems('packages/core/src/clean.ts')).toEqual([]);
    expect(await problems('packages/core/src/leaf.ts')).toEqual([]);
  });
});

describe("the repository's own lint config", () => {
  it('fails (severity error, not a warning) on an import cycle, a crossed boundary and a function over 100 lines', async () => {
    const repo = new URL('../../', import.meta.url).pathname;
    const eslint = new ESLint({ cwd: repo });
    const config = (await eslint.calculateConfigForFile(join(repo, 'packages/core/src/index.ts'))) as { rules: Record<string, unknown[]> };
    const severity = (rule: string): unknown => config.rules[rule]?.[0];
    expect({
      cycle: severity('import-x/no-cycle'),
      boundaries: severity('import-x/no-restricted-paths'),
      length: severity('max-lines-per-function'),
    }).toEqual({ cycle: 2, boundaries: 2, length: 2 });
    expect(config.rules['max-lines-per-function']?.[1]).toMatchObject({ max: 100 });
  });
});
