// `aup init --example`: the documented examples written into a folder by the real CLI, then run
// there. A folder with node_modules beside it (a link to this repository's) stands for a user's
// project that installed @aup/core; a bare temp folder for one that did not.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'packages', 'core', 'bin', 'aup.js');
const DOCUMENTED = join(ROOT, 'docs', 'examples');

function aup(args: string[], cwd: string) {
  const env = { ...process.env };
  delete env['AUP_DB'];
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, text: `exit ${r.status}\n${r.stdout}\n${r.stderr}` };
}

const noStack = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

let tmp: string;
let project: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'aup-init-example-'));
  project = join(tmp, 'project');
  mkdirSync(project);
  symlinkSync(join(ROOT, 'node_modules'), join(project, 'node_modules'), 'dir');
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function emptyFolder(name: string, parent = project): string {
  const dir = join(parent, name);
  mkdirSync(dir);
  return dir;
}

const documented = readdirSync(DOCUMENTED).filter((n) => statSync(join(DOCUMENTED, n)).isDirectory());

describe('aup init --example', () => {
  it('lists every documented example with its title', () => {
    const r = aup(['init', '--example'], project);
    expect(r.code, r.text).toBe(0);
    expect(documented.length).toBeGreaterThanOrEqual(8);
    for (const name of documented) {
      const title = readFileSync(join(DOCUMENTED, name, 'README.md'), 'utf8')
        .split('\n', 1)[0]!
        .replace(`# ${name}: `, '');
      expect(r.stdout).toMatch(new RegExp(`^  ${name} +${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    }
  });

  it.each(documented)('writes %s as documented: the same files, a config that validates', (name) => {
    const dir = emptyFolder(`each-${name}`);
    const r = aup(['init', '--example', name], dir);
    expect(r.code, r.text).toBe(0);
    const files = readdirSync(join(DOCUMENTED, name)).filter((f) => statSync(join(DOCUMENTED, name, f)).isFile() && !f.endsWith('.db'));
    expect(readdirSync(dir).sort()).toEqual(files.sort());
    for (const f of files) expect(readFileSync(join(dir, f), 'utf8')).toBe(readFileSync(join(DOCUMENTED, name, f), 'utf8'));
    expect(r.stdout).not.toContain('note:');
    if (existsSync(join(dir, 'experiment.json'))) {
      expect(r.stdout).toContain('run it with: aup run experiment.json');
      const v = aup(['validate', 'experiment.json'], dir);
      expect(v.code, v.text).toBe(0);
    }
  });

  it('writes the quickstart into an empty folder of a project, where it runs as written', () => {
    const dir = emptyFolder('quickstart');
    expect(aup(['init', '--example', 'quickstart'], dir).code).toBe(0);
    const run = aup(['run', 'experiment.json'], dir);
    expect(run.code, run.text).toBe(0);
    const show = aup(['show', '1', '--json'], dir);
    expect(show.code, show.text).toBe(0);
    const shown = JSON.parse(show.stdout) as { jobs: { status: string }[]; best: { score: number } | null };
    expect(shown.jobs).toHaveLength(12);
    expect(shown.jobs.every((j) => j.status === 'finished')).toBe(true);
    expect(shown.best?.score).toBeGreaterThan(0.8);
  });

  it('never replaces a file without --force, and keeps a README.md the folder has', () => {
    const dir = emptyFolder('clash');
    writeFileSync(join(dir, 'README.md'), '# my project\n');
    writeFileSync(join(dir, 'train.mjs'), '// mine\n');
    const refused = aup(['init', '--example', 'quickstart'], dir);
    expect(refused.code, refused.text).toBe(2);
    expect(refused.stderr).toMatch(/^aup: train\.mjs already exists in .*: use --force to overwrite/m);
    noStack(refused.stderr);
    expect(readFileSync(join(dir, 'train.mjs'), 'utf8')).toBe('// mine\n');
    expect(existsSync(join(dir, 'experiment.json'))).toBe(false);

    const forced = aup(['init', '--example', 'quickstart', '--force'], dir);
    expect(forced.code, forced.text).toBe(0);
    expect(readFileSync(join(dir, 'train.mjs'), 'utf8')).toBe(readFileSync(join(DOCUMENTED, 'quickstart', 'train.mjs'), 'utf8'));
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('# my project\n');
    expect(forced.stdout).toContain("kept your README.md; the example's is at https://");
  });

  it('names the examples and a likely one for an unknown name', () => {
    const r = aup(['init', '--example', 'quickstrat'], emptyFolder('unknown'));
    expect(r.code, r.text).toBe(2);
    expect(r.stderr).toMatch(
      /^aup: --example: no example is named "quickstrat" \(did you mean "quickstart"\?\): expected one of .*quickstart/m,
    );
    noStack(r.stderr);
  });

  it('says how to install @aup/logger where a Node example cannot find it', () => {
    const bare = emptyFolder('bare', tmp);
    const r = aup(['init', '--example', 'quickstart'], bare);
    expect(r.code, r.text).toBe(0);
    expect(r.stdout).toContain(
      'note: train.mjs imports @aup/logger, which this folder cannot find: run "npm install @aup/logger" here first',
    );
  });
});
