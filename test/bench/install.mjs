#!/usr/bin/env node
/**
 * What a user downloads and installs: packs the packages (after `npm run build`) and installs them
 * into a new project under os.tmpdir(), from the npm cache where it can (`--prefer-offline`), as
 * `npm install @aup/core` would (and, with `--all`, all four packages). Prints each tarball's size,
 * its unpacked size and its share of source maps, then the install's wall time, the CPU time of npm
 * and its children (the native builds), the packages added and the size of node_modules. Feeds the
 * "Packages and install" section of docs/benchmarks.md.
 *
 *   node test/bench/install.mjs [--all] [--keep] [--tarballs <dir>]
 *
 * `--tarballs` takes aup-<name>-*.tgz from a folder (packed from another commit, say) instead.
 *
 * The wall time depends on the machine's load and the network; the CPU time is the steadier figure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { values: opts } = parseArgs({
  options: { all: { type: 'boolean', default: false }, keep: { type: 'boolean', default: false }, tarballs: { type: 'string' } },
});
const PACKED = ['logger', 'core', 'server', 'widgets'];
// @aup/core needs @aup/logger, which is not on the registry yet: both tarballs are installed.
const INSTALLED = opts.all ? PACKED : ['logger', 'core'];

const work = mkdtempSync(join(tmpdir(), 'aup-bench-install-'));
try {
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  const files = {};
  console.log('| package | tarball | unpacked | of which source maps | files |\n|---|---:|---:|---:|---:|');
  for (const p of PACKED) {
    const given =
      opts.tarballs === undefined ? undefined : readdirSync(opts.tarballs).find((f) => f.startsWith(`aup-${p}-`) && f.endsWith('.tgz'));
    const r =
      given === undefined
        ? spawnSync('npm', ['pack', '--json', '--pack-destination', tarballs], { cwd: join(ROOT, 'packages', p), encoding: 'utf8' })
        : spawnSync('npm', ['pack', '--dry-run', '--json', join(opts.tarballs, given)], { cwd: tarballs, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`npm pack of @aup/${p}: ${r.stderr}`);
    const [report] = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')));
    files[p] = given === undefined ? join(tarballs, report.filename) : join(opts.tarballs, given);
    const maps = report.files.filter((f) => f.path.endsWith('.map')).reduce((n, f) => n + f.size, 0);
    console.log(`| @aup/${p} | ${mb(report.size)} | ${mb(report.unpackedSize)} | ${mb(maps)} | ${report.entryCount} |`);
  }

  const project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'bench', private: true, type: 'module' }));
  const args = ['install', '--prefer-offline', '--no-audit', '--no-fund', ...INSTALLED.map((p) => files[p])];
  // GNU time reports the CPU time of npm and every child it waited for (node-gyp, the compilers).
  const timed = existsSync('/usr/bin/time');
  const started = Date.now();
  const r = spawnSync(timed ? '/usr/bin/time' : 'npm', timed ? ['-f', 'cpu %U %S', 'npm', ...args] : args, {
    cwd: project,
    encoding: 'utf8',
  });
  const wall = (Date.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`npm install: ${r.stderr}`);
  const cpu = /cpu ([\d.]+) ([\d.]+)/.exec(r.stderr);
  const added = /added (\d+) packages?/.exec(r.stdout + r.stderr)?.[1];
  const du = Number.parseInt(spawnSync('du', ['-sk', join(project, 'node_modules')], { encoding: 'utf8' }).stdout, 10) * 1024;
  const native = ['better-sqlite3', 'ssh2', 'cpu-features', 'pg'].filter((n) => existsSync(join(project, 'node_modules', n)));
  console.log(
    `\nnpm install ${INSTALLED.map((p) => `@aup/${p}`).join(' ')}: ${added} packages, node_modules ${mb(du)}, ` +
      `${wall.toFixed(0)} s wall${cpu ? `, ${(Number(cpu[1]) + Number(cpu[2])).toFixed(0)} s CPU (user ${cpu[1]} s, system ${cpu[2]} s)` : ''}; ` +
      `installed of better-sqlite3, ssh2, cpu-features, pg: ${native.join(', ') || 'none'}`,
  );
  const warned = (r.stdout + r.stderr).split('\n').filter((l) => /EBADENGINE|npm warn/.test(l));
  if (warned.length > 0) console.log(`npm warned:\n${warned.join('\n')}`);
} finally {
  if (opts.keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

function mb(bytes) {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(0)} kB`;
}
