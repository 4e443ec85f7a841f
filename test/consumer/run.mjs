#!/usr/bin/env node
/**
 * The consumer test (`npm run test:consumer`): aup as a user gets it from the registry. It packs
 * the four packages (`npm pack`, after `npm run build`), checks what each tarball carries, installs
 * the tarballs with `--engine-strict` into a new project under os.tmpdir() (outside this
 * repository, from the npm cache where it can), and then, as that project's owner:
 *
 * - `runExperiment` from an .mjs file, and from a .ts file checked by `tsc --module nodenext --strict`;
 * - the README's tour: `npx aup init --example quickstart` in an empty folder, `npx aup run`,
 *   `aup list`, `aup show --json`;
 * - the errors of the lighter install: PostgreSQL without pg, the node resource without ssh2, SQLite
 *   without better-sqlite3's compiled addon;
 * - `npx aup-board` on the tour's database, in Chromium; a plain HTML page that loads the widgets
 *   bundle from the installed package and shows `<aup-job-table>` and `<aup-hig>` against that
 *   board (started with --cors);
 * - every `@aup/widgets` entry imported in plain Node, and `customElements.define('my-table',
 *   AupJobTable)` in Chromium from a page bundled (by rollup, as a user's bundler would) against
 *   the installed package.
 *
 * Run as root, it installs once as root and runs every check as root, then again as an ordinary
 * account (`--user`, default `nobody`; `--user none` skips it) in a copy of the project that account
 * owns, with a home of its own. Chromium (from $AUP_CHROMIUM, else /usr/bin/chromium) and rollup come
 * from this repository's devDependencies: they are the user's browser and bundler, not aup's.
 *
 * Prints `ok`/`not ok` per check, the figures of the install, and `consumer: N passed, M failed`;
 * `--json <file>` writes the same for .ci/run. Exits 1 when a check failed. `--keep` keeps the
 * temp folders; `--tarballs <dir>` takes the packages' tarballs from there instead of packing. Node and npm are the ones on PATH (.ci/run puts Node 22 or 24 there).
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGES = ['logger', 'core', 'server', 'widgets'];
const CHROMIUM = process.env['AUP_CHROMIUM'] || '/usr/bin/chromium';
// npm ci-style output would hide the warnings this test looks for; these keep it quiet otherwise.
const NPM_QUIET = ['--no-audit', '--no-fund', '--no-update-notifier'];
// The quickstart example's promise (docs/examples/quickstart/README.md): 12 jobs, best about 0.885.
const QUICKSTART_JOBS = 12;
// Generous bounds for a loaded 2-core machine: an install compiles better-sqlite3 from source.
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const COMMAND_TIMEOUT_MS = 3 * 60_000;
const PAGE_TIMEOUT_MS = 60_000;
// Which checks cannot pass before the widgets branch (issue 13 item 1) is merged.

const { values: opts } = parseArgs({
  options: {
    user: { type: 'string', default: 'nobody' },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
    tarballs: { type: 'string' },
  },
});

const results = [];
const figures = {};
const cleanups = [];

function log(line) {
  process.stdout.write(`${line}\n`);
}

/** Runs one named check; a thrown error is its failure, the run goes on. */
async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true, ms: Date.now() - started });
    log(`ok - ${name}`);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    results.push({ name, ok: false, ms: Date.now() - started, error: message });
    log(`not ok - ${name}\n${message.replace(/^/gm, '    ')}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** A command's result, with everything it printed for a failure message. */
function describeRun(r) {
  return `${r.command}: exit ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`;
}

/** Runs a command to its end, as `who` (an account from `account()`, or undefined: this process's). */
function run(command, args, { cwd, who, env = {}, timeout = COMMAND_TIMEOUT_MS } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...baseEnv(who), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(who?.uid === undefined ? {} : { uid: who.uid, gid: who.gid }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ command: `${[command, ...args].join(' ')} (in ${cwd})`, code: code ?? signal, stdout, stderr });
    });
  });
}

async function runOk(command, args, options) {
  const r = await run(command, args, options);
  assert(r.code === 0, describeRun(r));
  return r;
}

/** The environment of every child: no AUP_DB from the caller's shell, the account's own home. */
function baseEnv(who) {
  const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
  delete env['AUP_DB'];
  delete env['INIT_CWD'];
  for (const key of Object.keys(env))
    if (key.startsWith('npm_package_') || key === 'npm_lifecycle_event' || key === 'npm_lifecycle_script') delete env[key];
  if (who?.home !== undefined) {
    env['HOME'] = who.home;
    env['USER'] = who.name;
    env['npm_config_cache'] = join(who.home, '.npm');
  }
  return env;
}

function idOf(name, flag) {
  const r = spawnSync('id', [flag, name], { encoding: 'utf8' });
  const n = Number.parseInt(r.stdout, 10);
  return r.status === 0 && Number.isInteger(n) ? n : undefined;
}

// ---------------------------------------------------------------------------------------------
// Packing

/** Packs every package into `dir`; answers npm's report of each tarball (files, sizes). */
async function packAll(dir) {
  const packed = {};
  mkdirSync(dir, { recursive: true });
  if (opts.tarballs !== undefined) {
    // npm's report of a tarball made elsewhere: `npm pack --dry-run` of the tarball itself.
    for (const p of PACKAGES) {
      const file = readdirSync(opts.tarballs).find((f) => f.startsWith(`aup-${p}-`) && f.endsWith('.tgz'));
      assert(file !== undefined, `no aup-${p}-*.tgz in ${opts.tarballs}`);
      const r = await runOk('npm', ['pack', '--dry-run', '--json', join(opts.tarballs, file)], { cwd: dir });
      const [report] = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')));
      packed[p] = { ...report, tarball: join(opts.tarballs, file) };
    }
    return packed;
  }
  for (const p of PACKAGES) {
    const r = await runOk('npm', ['pack', '--json', '--pack-destination', dir], { cwd: join(ROOT, 'packages', p) });
    const [report] = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')));
    packed[p] = { ...report, tarball: join(dir, report.filename) };
  }
  return packed;
}

/** What a published package must carry and say, read from its tarball. */
async function checkTarball(p, report, workDir) {
  const dir = join(workDir, 'unpacked', p);
  mkdirSync(dir, { recursive: true });
  await runOk('tar', ['-xzf', report.tarball, '-C', dir, '--strip-components=1'], { cwd: workDir });
  const files = new Set(report.files.map((f) => f.path));
  const problems = [];
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

  if (!files.has('LICENSE')) problems.push('no LICENSE');
  else if (readFileSync(join(dir, 'LICENSE'), 'utf8') !== readFileSync(join(ROOT, 'LICENSE'), 'utf8'))
    problems.push("LICENSE differs from the repository's");
  if (!files.has('README.md')) problems.push('no README.md');
  else if (
    !readFileSync(join(dir, 'README.md'), 'utf8')
      .split('\n')
      .some((l) => l.startsWith('npm install ') && l.includes(pkg.name))
  ) {
    problems.push('README.md does not say how to install the package');
  }
  if (pkg.license !== 'Apache-2.0') problems.push(`license is ${pkg.license}`);
  if (pkg.repository?.directory !== `packages/${p}` || !/^git\+https:\/\//.test(pkg.repository?.url ?? ''))
    problems.push(`repository is ${JSON.stringify(pkg.repository)}`);
  if (!/^https:\/\//.test(pkg.homepage ?? '')) problems.push(`homepage is ${pkg.homepage}`);
  if (!/^https:\/\//.test(pkg.bugs?.url ?? '')) problems.push(`bugs is ${JSON.stringify(pkg.bugs)}`);
  if (pkg.publishConfig?.access !== 'public') problems.push(`publishConfig is ${JSON.stringify(pkg.publishConfig)}`);
  for (const [name, meta] of Object.entries(pkg.peerDependenciesMeta ?? {})) {
    if (typeof meta.optional !== 'boolean')
      problems.push(`peerDependenciesMeta.${name}.optional is ${JSON.stringify(meta.optional)}, not a boolean`);
  }

  // Every file the metadata names is in the tarball.
  const named = [pkg.main, pkg.types, pkg.customElements, ...Object.values(pkg.bin ?? {})];
  const exportTargets = (v) => (typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(exportTargets) : []);
  for (const target of exportTargets(pkg.exports)) if (!target.includes('*')) named.push(target);
  for (const f of named.filter(Boolean)) {
    const rel = posix.normalize(f);
    if (!files.has(rel) && !existsSync(join(dir, rel))) problems.push(`package.json names ${f}, which is not in the tarball`);
  }

  // Source maps: each one's sources are shipped, and every sourceMappingURL comment finds its map.
  for (const f of files) {
    if (f.endsWith('.map')) {
      const map = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      for (const source of map.sources ?? []) {
        const target = posix.join(posix.dirname(f), map.sourceRoot ?? '', source);
        if (!files.has(target)) problems.push(`${f} names ${source}, which is not in the tarball`);
      }
    } else if (/\.(m?js|d\.ts)$/.test(f)) {
      const text = readFileSync(join(dir, f), 'utf8');
      for (const m of text.matchAll(/^\/\/# sourceMappingURL=(\S+)$/gm)) {
        if (!m[1].startsWith('data:') && !files.has(posix.join(posix.dirname(f), m[1])))
          problems.push(`${f} points at the map ${m[1]}, which is not in the tarball`);
      }
    }
  }

  // The custom elements manifest names modules the package ships.
  if (pkg.customElements) {
    const seen = new Set();
    JSON.parse(readFileSync(join(dir, pkg.customElements), 'utf8'), (key, value) => {
      if ((key === 'path' || key === 'module') && typeof value === 'string' && !seen.has(value)) {
        seen.add(value);
        if (!files.has(posix.normalize(value))) problems.push(`custom-elements.json names ${value}, which is not in the tarball`);
      }
      return value;
    });
  }

  // npm's own verdict: publishing warns about nothing but the missing login of a dry run.
  const dry = await run('npm', ['publish', '--dry-run', report.tarball], { cwd: workDir });
  const warnings = dry.stderr.split('\n').filter((l) => /npm (warn|error)/i.test(l) && !/requires you to be logged in/.test(l));
  if (dry.code !== 0) problems.push(`npm publish --dry-run failed:\n${dry.stderr.slice(-2000)}`);
  if (warnings.length > 0) problems.push(`npm publish --dry-run warns:\n${warnings.join('\n')}`);

  assert(problems.length === 0, problems.slice(0, 30).join('\n') + (problems.length > 30 ? `\n... and ${problems.length - 30} more` : ''));
}

// ---------------------------------------------------------------------------------------------
// The consumer's project

const INPROC_MJS = `import { runExperiment } from '@aup/core';

const result = await runExperiment({
  name: 'in-process',
  parameter_config: [{ name: 'x', range: [-5, 5], type: 'float' }],
  n_samples: 20,
  random_seed: 3,
  target: 'min',
  db: 'inproc-mjs.db',
  objective: async ({ x }, ctx) => {
    ctx.report(0, (x - 1) ** 2);
    return (x - 1) ** 2;
  },
});
console.log(JSON.stringify({ status: result.status, jobs: result.jobs.length, best: result.best }));
`;

const INPROC_TS = `import { runExperiment, type ExperimentResult, type Objective } from '@aup/core';

const objective: Objective = ({ x }) => (Number(x) - 1) ** 2;
const result: ExperimentResult = await runExperiment({
  name: 'typed',
  parameter_config: [{ name: 'x', range: [-5, 5], type: 'float' }],
  n_samples: 10,
  target: 'min',
  db: 'inproc-ts.db',
  objective,
});
const best: number | undefined = result.best?.score;
console.log(JSON.stringify({ status: result.status, jobs: result.jobs.length, best }));
`;

/** Installs the tarballs as a user would; answers the figures of the install. */
async function installProject(project, packed) {
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'aup-consumer', private: true, type: 'module' }, null, 2) + '\n');
  const started = Date.now();
  const r = await run('npm', ['install', '--engine-strict', '--prefer-offline', ...NPM_QUIET, ...PACKAGES.map((p) => packed[p].tarball)], {
    cwd: project,
    timeout: INSTALL_TIMEOUT_MS,
  });
  const seconds = (Date.now() - started) / 1000;
  assert(r.code === 0, describeRun(r));
  const output = r.stdout + r.stderr;
  assert(!/EBADENGINE/.test(output), `npm install printed EBADENGINE:\n${output.slice(-3000)}`);
  const du = spawnSync('du', ['-sk', join(project, 'node_modules')], { encoding: 'utf8' });
  const added = /added (\d+) packages?/.exec(output);
  return { seconds, packages: added ? Number(added[1]) : undefined, megabytes: Math.round(Number.parseInt(du.stdout, 10) / 1024) };
}

/** The tools the .ts check needs, in the versions this repository uses (so the npm cache has them). */
function devToolVersions() {
  const version = (name) => JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  return [`typescript@${version('typescript')}`, `@types/node@${version('@types/node')}`];
}

/** A copy of the installed project owned by `who`, in a folder of its own, with a home for npm. */
function projectFor(who, project) {
  const base = mkdtempSync(join(tmpdir(), `aup-consumer-${who.name}-`));
  cleanups.push(() => rmSync(base, { recursive: true, force: true }));
  const copy = join(base, 'project');
  cpSync(project, copy, { recursive: true, verbatimSymlinks: true });
  mkdirSync(join(base, 'home'));
  // chown -R does not follow symbolic links (node_modules/.bin), so nothing outside is touched.
  const r = spawnSync('chown', ['-R', `${who.uid}:${who.gid}`, base], { encoding: 'utf8' });
  assert(r.status === 0, `chown -R ${who.name} ${base}: ${r.stderr}`);
  chmodSync(base, 0o755);
  who.home = join(base, 'home');
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Browser

let chromiumModule;
async function launchChromium() {
  chromiumModule ??= (await import('playwright-core')).chromium;
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return chromiumModule.launch({ executablePath: CHROMIUM, headless: true, args });
}

async function openPage(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  return { page, errors, close: () => context.close() };
}

/** Serves `files` (URL path → file on disk or inline text) on 127.0.0.1. */
async function serve(files) {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const entry = files[path === '/' ? '/index.html' : path];
    if (path === '/favicon.ico') return res.writeHead(204).end();
    if (entry === undefined) return res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
    const type = path.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/html; charset=utf-8';
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(entry.file ? readFileSync(entry.file) : entry.text);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((ok) => (server.closeAllConnections(), server.close(ok))),
  };
}

/**
 * `npx aup-board` as `who`, until it prints its URL. npx runs the board as its child: both get a
 * process group of their own, and stop() signals the group, so no board outlives the test.
 */
async function startBoard(project, db, cors, who) {
  const child = spawn('npx', ['--no', '--', 'aup-board', '--db', db, '--port', '0', '--cors', cors], {
    cwd: project,
    env: baseEnv(who),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    ...(who?.uid === undefined ? {} : { uid: who.uid, gid: who.gid }),
  });
  const signal = (name) => {
    try {
      process.kill(-child.pid, name);
    } catch {
      // The group is gone already.
    }
  };
  let out = '';
  child.stderr.setEncoding('utf8').on('data', (s) => (out += s));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`aup-board printed no URL within ${COMMAND_TIMEOUT_MS} ms:\n${out}`)),
      COMMAND_TIMEOUT_MS,
    );
    child.stdout.setEncoding('utf8').on('data', (s) => {
      out += s;
      const m = /^aup-board: (http:\/\/\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`aup-board exited (${code}) before printing its URL:\n${out}`)));
  }).catch((e) => {
    signal('SIGKILL');
    throw e;
  });
  const origin = new URL(url).origin;
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve(signal('SIGKILL'));
      child.once('exit', () => resolve(signal('SIGKILL')));
      signal('SIGTERM');
      setTimeout(() => signal('SIGKILL'), 10_000).unref();
    });
  return { url, origin, stop };
}

// ---------------------------------------------------------------------------------------------
// The checks a user's project goes through

/**
 * Every check of a user's project, as `who`. `typecheck` runs the .ts check (a minute of tsc on a
 * loaded machine, and the same for every account: once is enough).
 */
async function checksAs(who, project, browser, { typecheck = true } = {}) {
  const as = who.uid === undefined ? `as ${who.name}` : `as ${who.name} (uid ${who.uid})`;
  const inProject = { cwd: project, who };
  const npx = (args, options = inProject) => run('npx', ['--no', '--', ...args], options);

  await check(`runExperiment from an .mjs file ${as}`, async () => {
    writeFileSync(join(project, 'inproc.mjs'), INPROC_MJS);
    const r = await runOk(process.execPath, ['inproc.mjs'], inProject);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1));
    assert(out.status === 'finished' && out.jobs === 20 && out.best?.score < 1, `unexpected result: ${r.stdout}`);
  });

  if (typecheck)
    await check(`runExperiment from a .ts file checked by tsc --module nodenext --strict ${as}`, async () => {
      writeFileSync(join(project, 'inproc.ts'), INPROC_TS);
      await runOk(
        join(project, 'node_modules', '.bin', 'tsc'),
        ['--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--strict', '--outDir', 'ts-out', 'inproc.ts'],
        inProject,
      );
      const r = await runOk(process.execPath, [join('ts-out', 'inproc.js')], inProject);
      const out = JSON.parse(r.stdout.trim().split('\n').at(-1));
      assert(out.status === 'finished' && out.jobs === 10 && typeof out.best === 'number', `unexpected result: ${r.stdout}`);
    });

  const tour = join(project, 'tour');
  await check(`the tour: npx aup init --example quickstart, aup run, aup list, aup show --json ${as}`, async () => {
    mkdirSync(tour);
    if (who.uid !== undefined) chownSync(tour, who.uid, who.gid);
    const inTour = { cwd: tour, who };
    const listed = await runOk('npx', ['--no', '--', 'aup', 'init', '--example'], inTour);
    assert(/^ {2}quickstart +/m.test(listed.stdout), `aup init --example does not list quickstart:\n${listed.stdout}`);
    await runOk('npx', ['--no', '--', 'aup', 'init', '--example', 'quickstart'], inTour);
    for (const f of ['experiment.json', 'train.mjs', 'README.md'])
      assert(existsSync(join(tour, f)), `aup init --example quickstart wrote no ${f}`);
    await runOk('npx', ['--no', '--', 'aup', 'run', 'experiment.json'], inTour);
    const list = await runOk('npx', ['--no', '--', 'aup', 'list'], inTour);
    assert(/quickstart/.test(list.stdout), `aup list does not show the experiment:\n${list.stdout}`);
    const show = JSON.parse((await runOk('npx', ['--no', '--', 'aup', 'show', '1', '--json'], inTour)).stdout);
    const finished = show.jobs.filter((j) => j.status === 'finished').length;
    assert(
      show.experiment.status === 'finished' && finished === QUICKSTART_JOBS,
      `expected ${QUICKSTART_JOBS} finished jobs, found ${finished} (${show.experiment.status})`,
    );
    assert(show.best?.score > 0.8, `best score ${show.best?.score}`);
  });

  await check(`PostgreSQL without pg installed: an error that names pg and how to install it ${as}`, async () => {
    const r = await npx(['aup', 'list', '--db', 'postgres://aup@127.0.0.1:9/aup']);
    assert(r.code === 1 && /needs the npm package pg, which is not installed: run "npm install pg"/.test(r.stderr), describeRun(r));
    assert(!/^\s+at /m.test(r.stderr), `a stack trace:\n${r.stderr}`);
  });

  await check(`the node resource without ssh2 installed: an error that names ssh2 ${as}`, async () => {
    const config = {
      name: 'remote',
      script: 'node -e "console.log(1)"',
      resource: 'node',
      resource_args: { nodes: ['me@127.0.0.1:9'] },
      n_samples: 1,
      parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
    };
    writeFileSync(join(project, 'remote.json'), JSON.stringify(config));
    const r = await npx(['aup', 'run', 'remote.json', '--db', 'remote.db']);
    assert(
      r.code === 1 && /the "node" resource .*needs the npm package ssh2, which is not installed: run "npm install ssh2"/.test(r.stderr),
      describeRun(r),
    );
  });

  await check(`SQLite with better-sqlite3's addon missing: an error that says how to rebuild it ${as}`, async () => {
    const build = join(project, 'node_modules', 'better-sqlite3', 'build');
    const aside = `${build}.aside`;
    // A read-only command refuses a missing file before it opens SQLite: give it one (an empty
    // file is an empty SQLite database), so the open itself meets the missing addon.
    const dbFile = join(project, 'addon-check.db');
    writeFileSync(dbFile, '');
    if (who.uid !== undefined) chownSync(dbFile, who.uid, who.gid);
    renameSync(build, aside);
    try {
      const r = await npx(['aup', 'list', '--db', 'addon-check.db']);
      assert(
        r.code === 1 && /npm rebuild better-sqlite3/.test(r.stderr) && !/Could not locate the bindings file/.test(r.stderr),
        describeRun(r),
      );
    } finally {
      renameSync(aside, build);
    }
  });

  if (browser === undefined) return;
  const db = join(tour, 'experiments.db');
  const widgetsBundle = join(project, 'node_modules', '@aup', 'widgets', 'dist', 'aup-widgets.js');
  const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>my page</title>
<script type="module" src="./aup-widgets.js"></script></head>
<body>
<aup-job-table style="display:block;height:500px"></aup-job-table>
<aup-hig style="display:block;height:400px"></aup-hig>
<script type="module">
  const board = new URLSearchParams(location.search).get('board');
  for (const el of document.querySelectorAll('aup-job-table, aup-hig')) {
    el.setAttribute('api', board + '/api/v1');
    el.setAttribute('experiment', '1');
  }
</script>
</body></html>
`;
  const site = await serve({ '/index.html': { text: PAGE }, '/aup-widgets.js': { file: widgetsBundle } });
  let board;
  try {
    await check(`npx aup-board serves the tour's database, shown in Chromium ${as}`, async () => {
      board = await startBoard(project, db, site.origin, who);
      const { page, errors, close } = await openPage(browser);
      try {
        await page.goto(board.url);
        const row = page.locator('aup-board aup-experiment-list tr[part="row"]').first();
        await row.waitFor();
        assert((await row.innerText()).includes('quickstart'), `the list shows ${await row.innerText()}`);
        assert(errors.length === 0, errors.join('\n'));
      } finally {
        await close();
      }
    });

    await check(`a plain page with the package's bundle shows <aup-job-table> and <aup-hig> from the board (--cors) ${as}`, async () => {
      assert(board !== undefined, 'no board (the previous check failed)');
      const { page, errors, close } = await openPage(browser);
      try {
        await page.goto(`${site.origin}/index.html?board=${encodeURIComponent(board.origin)}`);
        const rows = page.locator('aup-job-table .tabulator-row:not(.tabulator-group)');
        await rows.nth(QUICKSTART_JOBS - 1).waitFor();
        const lines = () =>
          // eslint-disable-next-line no-undef -- runs in the page
          page.evaluate(() => Number(document.querySelector('aup-hig')?.shadowRoot?.querySelector('canvas')?.dataset['lines'] ?? -1));
        const deadline = Date.now() + PAGE_TIMEOUT_MS;
        while ((await lines()) !== QUICKSTART_JOBS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
        assert((await rows.count()) === QUICKSTART_JOBS, `the job table has ${await rows.count()} rows`);
        assert((await lines()) === QUICKSTART_JOBS, `the HIG draws ${await lines()} lines`);
        assert(errors.length === 0, errors.join('\n'));
      } finally {
        await close();
      }
    });
  } finally {
    await board?.stop();
    await site.close();
  }
}

/** Checks of the installed @aup/widgets that depend on its entry points (issue 13 item 1). */
async function widgetsEntryChecks(project, browser) {
  const pkgDir = join(project, 'node_modules', '@aup', 'widgets');
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const entries = [];
  for (const key of Object.keys(pkg.exports)) {
    if (key === './package.json' || key.endsWith('.json')) continue;
    if (key === './*') {
      for (const f of readdirSync(join(pkgDir, 'dist', 'define')).filter((n) => n.endsWith('.js')))
        entries.push(`@aup/widgets/${f.slice(0, -3)}`);
    } else entries.push(key === '.' ? '@aup/widgets' : `@aup/widgets/${key.slice(2)}`);
  }

  await check(`every @aup/widgets entry imports in plain Node without a DOM (${entries.length} entries)`, async () => {
    const failures = [];
    for (const entry of entries) {
      const r = await run(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(entry)});`], { cwd: project });
      if (r.code !== 0) failures.push(`${entry}: ${r.stderr.split('\n').find((l) => /Error/.test(l)) ?? r.stderr.slice(0, 300)}`);
    }
    assert(failures.length === 0, failures.join('\n'));
  });

  if (browser === undefined) return;
  await check(`customElements.define('my-table', AupJobTable), bundled by rollup from the installed package`, async () => {
    const entry = join(project, 'my-table.mjs');
    writeFileSync(
      entry,
      `import { AupJobTable } from '@aup/widgets';
customElements.define('my-table', AupJobTable);
const el = document.createElement('my-table');
document.body.append(el);
window.myTable = { same: customElements.get('my-table') === AupJobTable, upgraded: el instanceof AupJobTable };
`,
    );
    const { rollup } = await import('rollup');
    const { nodeResolve } = await import('@rollup/plugin-node-resolve');
    const bundle = await rollup({ input: entry, plugins: [nodeResolve({ browser: true, rootDir: project })], onwarn: () => undefined });
    // Into a folder, as a bundler does for a page: the job table loads Tabulator lazily, a chunk of its own.
    const outDir = join(project, 'my-table-bundle');
    await bundle.write({ dir: outDir, format: 'es', entryFileNames: 'my-table.js' });
    await bundle.close();
    const files = {
      '/index.html': {
        text: '<!doctype html><html><head><meta charset="utf-8"><title>t</title></head><body><script type="module" src="./my-table.js"></script></body></html>',
      },
    };
    for (const name of readdirSync(outDir)) files[`/${name}`] = { file: join(outDir, name) };
    const site = await serve(files);
    const { page, errors, close } = await openPage(browser);
    try {
      await page.goto(`${site.origin}/index.html`);
      const deadline = Date.now() + PAGE_TIMEOUT_MS;
      let state;
      // eslint-disable-next-line no-undef -- runs in the page
      while ((state = await page.evaluate(() => window.myTable)) === undefined && errors.length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
      assert(errors.length === 0, errors.join('\n'));
      assert(state?.same === true && state?.upgraded === true, `my-table: ${JSON.stringify(state)}`);
    } finally {
      await close();
      await site.close();
    }
  });
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const workDir = mkdtempSync(join(tmpdir(), 'aup-consumer-'));
  cleanups.push(() => rmSync(workDir, { recursive: true, force: true }));
  log(`# consumer test in ${workDir}, Node ${process.version}, npm ${spawnSync('npm', ['--version'], { encoding: 'utf8' }).stdout.trim()}`);
  if (opts.tarballs === undefined) {
    for (const p of PACKAGES)
      assert(existsSync(join(ROOT, 'packages', p, 'dist')), `packages/${p}/dist is missing: run "npm run build" first`);
  }

  let packed;
  await check('npm pack of every package', async () => {
    packed = await packAll(join(workDir, 'tarballs'));
  });
  if (packed === undefined) return;
  for (const p of PACKAGES) {
    figures[`@aup/${p}`] = {
      tarballKB: Math.round(packed[p].size / 1024),
      unpackedKB: Math.round(packed[p].unpackedSize / 1024),
      files: packed[p].entryCount,
    };
    await check(`@aup/${p}'s tarball is ready to publish (LICENSE, README, metadata, maps, manifest, npm publish --dry-run)`, () =>
      checkTarball(p, packed[p], workDir),
    );
  }

  const project = join(workDir, 'project');
  let installed = false;
  await check('npm install --engine-strict of the four tarballs in a new project, without EBADENGINE', async () => {
    figures.install = await installProject(project, packed);
    installed = true;
  });
  if (!installed) return;
  await check('the lighter install: better-sqlite3 built, and neither pg nor ssh2 nor cpu-features installed', async () => {
    const has = (name) => existsSync(join(project, 'node_modules', name, 'package.json'));
    assert(
      has('better-sqlite3') && existsSync(join(project, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')),
      'better-sqlite3 is not built',
    );
    const extra = ['pg', 'ssh2', 'cpu-features'].filter(has);
    assert(extra.length === 0, `installed anyway: ${extra.join(', ')}`);
  });
  await runOk('npm', ['install', '--save-dev', '--prefer-offline', ...NPM_QUIET, ...devToolVersions()], {
    cwd: project,
    timeout: INSTALL_TIMEOUT_MS,
  });

  // The ordinary account gets its copy of the project as installed, before any check writes in it.
  let other;
  if (process.getuid?.() === 0 && opts.user !== 'none') {
    const who = { name: opts.user, uid: idOf(opts.user, '-u'), gid: idOf(opts.user, '-g') };
    if (who.uid === undefined || who.gid === undefined || who.uid === 0) {
      await check(`an ordinary account named ${opts.user}`, () =>
        assert(false, `no such account (or it is root): pass --user <name> or --user none`),
      );
    } else {
      other = { who, project: projectFor(who, project) };
    }
  }

  let browser;
  if (existsSync(CHROMIUM)) browser = await launchChromium();
  else await check(`Chromium at ${CHROMIUM}`, () => assert(false, 'not found (set AUP_CHROMIUM)'));
  try {
    const me = { name: process.getuid?.() === 0 ? 'root' : process.env['USER'] || 'this user' };
    await checksAs(me, project, browser);
    await widgetsEntryChecks(project, browser);
    if (other !== undefined) await checksAs(other.who, other.project, browser, { typecheck: false });
  } finally {
    await browser?.close();
  }
}

try {
  await main();
} catch (e) {
  results.push({ name: 'the consumer test itself', ok: false, error: e instanceof Error ? e.stack : String(e) });
  log(`not ok - the consumer test itself\n${e instanceof Error ? e.stack : e}`);
} finally {
  if (!opts.keep) for (const f of cleanups.reverse()) f();
}

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
log(`# figures: ${JSON.stringify(figures)}`);
log(`consumer: ${passed} passed, ${failed} failed`);
if (opts.json) writeFileSync(opts.json, JSON.stringify({ node: process.version, passed, failed, figures, results }, null, 2) + '\n');
process.exitCode = failed === 0 ? 0 : 1;
