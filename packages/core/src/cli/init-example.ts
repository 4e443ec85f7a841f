/**
 * `aup init --example [name]`: lists the examples @aup/core ships (copies of docs/examples, made by
 * scripts/copy-examples.mjs at build time) or writes one into the current folder, so the tour works
 * from a project that only installed the packages.
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { didYouMean } from '../config/did-you-mean.js';
import { AupError } from '../errors.js';

/** Where the examples are read online, for the README a folder already has. */
export const EXAMPLES_URL = 'https://github.com/aup-hpo/aup/tree/main/docs/examples';

export interface ExampleInfo {
  name: string;
  /** The example README's title after its name (`# quickstart: tune a small model` → `tune a small model`). */
  description: string;
  dir: string;
  files: string[];
}

/** The folder of shipped examples: `examples/` beside @aup/core's package.json. */
export function examplesDir(): string {
  // By the package's own name, so the path is the same from dist/cli/ and from the bundle.
  return join(dirname(createRequire(import.meta.url).resolve('@aup/core/package.json')), 'examples');
}

/** Every shipped example, by name. */
export function listExamples(root = examplesDir()): ExampleInfo[] {
  if (!existsSync(root)) {
    throw new AupError(
      'AUP_ERR_CLI_USAGE',
      `The examples are missing from ${root}: this @aup/core was not built with them (run "npm run build")`,
    );
  }
  return readdirSync(root)
    .filter((name) => statSync(join(root, name)).isDirectory())
    .sort()
    .map((name) => {
      const dir = join(root, name);
      const files = readdirSync(dir)
        .filter((f) => statSync(join(dir, f)).isFile())
        .sort();
      const title = files.includes('README.md') ? readFileSync(join(dir, 'README.md'), 'utf8').split('\n', 1)[0]! : '';
      const description = title.replace(/^#\s*/, '').replace(new RegExp(`^${name}:\\s*`), '');
      return { name, description, dir, files };
    });
}

export interface InitExampleOptions {
  cwd: string;
  force?: boolean;
  stdout: NodeJS.WritableStream;
  /** For tests: another folder of examples. */
  root?: string;
}

/**
 * Lists the examples (`name` undefined) or writes the named one into `cwd`. The example's files
 * never replace the user's without `force`, and its README.md is skipped when the folder has one.
 */
export function initExample(name: string | undefined, opts: InitExampleOptions): void {
  const examples = listExamples(opts.root);
  const out = opts.stdout;
  if (name === undefined) {
    const width = Math.max(...examples.map((e) => e.name.length));
    out.write('examples (aup init --example NAME writes one into the current folder):\n');
    for (const e of examples) out.write(`  ${e.name.padEnd(width)}  ${e.description}\n`);
    return;
  }
  const example = examples.find((e) => e.name === name);
  if (example === undefined) {
    const guess = didYouMean(
      name,
      examples.map((e) => e.name),
    );
    throw new AupError(
      'AUP_ERR_CLI_USAGE',
      `--example: no example is named "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}: expected one of ${examples.map((e) => e.name).join(', ')}`,
      { details: { found: name, expected: examples.map((e) => e.name) } },
    );
  }
  const keepReadme = existsSync(join(opts.cwd, 'README.md')) && example.files.includes('README.md');
  const files = example.files.filter((f) => !(keepReadme && f === 'README.md'));
  const clashes = files.filter((f) => existsSync(join(opts.cwd, f)));
  if (clashes.length > 0 && !opts.force) {
    throw new AupError(
      'AUP_ERR_CLI_USAGE',
      `${clashes.join(', ')} already exist${clashes.length === 1 ? 's' : ''} in ${opts.cwd}: use --force to overwrite, or run aup init --example in an empty folder`,
      {
        details: { files: clashes },
      },
    );
  }
  // copyFileSync keeps the mode, so a script meant to be executable (grid.sh) stays so.
  for (const f of files) copyFileSync(join(example.dir, f), join(opts.cwd, f));
  out.write(`wrote the ${example.name} example into ${opts.cwd}: ${files.join(', ')}\n`);
  if (keepReadme) out.write(`  kept your README.md; the example's is at ${EXAMPLES_URL}/${example.name}\n`);
  for (const hint of missingImports(example, opts.cwd)) out.write(`  note: ${hint}\n`);
  if (files.includes('experiment.json')) out.write('run it with: aup run experiment.json\n');
  else if (files.includes('README.md')) out.write('what to do next: README.md\n');
}

/**
 * The Node examples import @aup/logger. It is a dependency of @aup/core, so a project that
 * installed @aup/core finds it; a folder outside such a project (a global install of aup) does
 * not, and its jobs would fail with ERR_MODULE_NOT_FOUND: say so now, with the fix.
 */
function missingImports(example: ExampleInfo, cwd: string): string[] {
  const hints: string[] = [];
  const fromCwd = createRequire(join(cwd, 'noop.js'));
  for (const f of example.files.filter((f) => /\.[cm]?js$/.test(f))) {
    if (!/from\s+['"]@aup\/logger['"]/.test(readFileSync(join(example.dir, f), 'utf8'))) continue;
    try {
      fromCwd.resolve('@aup/logger');
    } catch {
      hints.push(`${f} imports @aup/logger, which this folder cannot find: run "npm install @aup/logger" here first`);
    }
  }
  return hints;
}
