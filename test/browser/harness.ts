/**
 * The browser test harness: real headless Chromium through playwright-core, pages served by a tiny
 * static server on 127.0.0.1 (for `data`-only pages) or by a real aup-board process over a real
 * database filled by a real `aup run`.
 *
 * Chromium comes from `$AUP_CHROMIUM`, else /usr/bin/chromium. When it is missing the browser tests
 * skip with a message saying so, unless `AUP_REQUIRE_BROWSER=1`, when they fail (CI sets it).
 *
 * @example
 * const browser = browserOrSkip();
 * describe.skipIf(!browser.available)('aup-job-table', () => {
 *   let b: Browser;
 *   beforeAll(async () => { b = await launchBrowser(); });
 *   afterAll(() => b.close());
 *   ...
 * });
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium, type Browser, type Page } from 'playwright-core';

export type { Browser, Page } from 'playwright-core';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The widgets bundle every test page loads as `/aup-widgets.js`. */
export const WIDGETS_BUNDLE = join(ROOT, 'packages', 'widgets', 'dist', 'aup-widgets.js');
const BOARD_BIN = join(ROOT, 'packages', 'server', 'bin', 'aup-board.js');
const AUP_BIN = join(ROOT, 'packages', 'core', 'bin', 'aup.js');
const DEFAULT_CHROMIUM = '/usr/bin/chromium';
// Start-up is a store open plus a listen; a loaded CI machine (six test workers on two cores) can
// take several seconds, so this is generous.
const BOARD_STARTUP_TIMEOUT_MS = 30_000;
// A small experiment (a few jobs of a Node one-liner) runs in seconds; this bounds a hang.
const RUN_TIMEOUT_MS = 120_000;
const URL_LINE = /^aup-board: (http:\/\/\S+)$/m;

/** Where Chromium is expected: `$AUP_CHROMIUM`, else /usr/bin/chromium. */
export function chromiumPath(): string {
  const env = process.env['AUP_CHROMIUM'];
  return env !== undefined && env !== '' ? env : DEFAULT_CHROMIUM;
}

/** Whether the browser tests must run (and fail rather than skip without Chromium). */
export function browserRequired(): boolean {
  return process.env['AUP_REQUIRE_BROWSER'] === '1';
}

export interface BrowserAvailability {
  available: boolean;
  /** Why the tests skip, when they do. */
  reason?: string;
}

/**
 * Decides whether a browser test file runs: yes with Chromium present; without it, skip with a
 * message (printed once per file), or throw when `AUP_REQUIRE_BROWSER=1` so the run fails.
 */
export function browserOrSkip(): BrowserAvailability {
  const path = chromiumPath();
  try {
    accessSync(path, constants.X_OK);
    return { available: true };
  } catch {
    const reason = `Chromium not found at ${path} (set AUP_CHROMIUM to its path)`;
    if (browserRequired()) throw new Error(`${reason}; AUP_REQUIRE_BROWSER=1 makes the browser tests required`);
    console.warn(`browser tests skipped: ${reason}`);
    return { available: false, reason };
  }
}

/** Launches headless Chromium; `--no-sandbox` only as root, where Chromium refuses its sandbox. */
export async function launchBrowser(): Promise<Browser> {
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args });
}

/**
 * Opens a new page that fails the test on uncaught page errors: they are collected in `errors`,
 * and console errors too (a widget that logs an error is a bug the test should see).
 */
export async function openPage(browser: Browser, opts: { colorScheme?: 'light' | 'dark' } = {}): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ colorScheme: opts.colorScheme ?? 'light' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()} (${m.location().url})`);
  });
  return { page, errors };
}

export interface StaticServer {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  origin: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Serves pages on 127.0.0.1 at a free port. `files` maps URL paths to content (`'/index.html': '<...>'`),
 * or a directory is served as is. `/aup-widgets.js` (and its source map) is always the built bundle
 * in packages/widgets/dist.
 */
export async function serveStatic(source: string | Record<string, string>): Promise<StaticServer> {
  const root = typeof source === 'string' ? resolve(source) : undefined;
  const files = typeof source === 'string' ? {} : source;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const send = (status: number, type: string, body: string | Buffer): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    // Chromium asks for it on every page; a 404 would show up as a console error.
    if (path === '/favicon.ico') return send(204, 'image/x-icon', '');
    if (path === '/aup-widgets.js' || path === '/aup-widgets.js.map') {
      const file = path === '/aup-widgets.js' ? WIDGETS_BUNDLE : `${WIDGETS_BUNDLE}.map`;
      res.writeHead(200, { 'content-type': TYPES[extname(file)]!, 'cache-control': 'no-store' });
      createReadStream(file)
        .on('error', () => res.end())
        .pipe(res);
      return;
    }
    const key = path.endsWith('/') ? `${path}index.html` : path;
    const inline = files[key];
    if (inline !== undefined) return send(200, TYPES[extname(key)] ?? 'application/octet-stream', inline);
    if (root !== undefined) {
      const file = normalize(join(root, key));
      if (file.startsWith(root + sep)) {
        try {
          if (statSync(file).isFile()) {
            res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
            createReadStream(file).pipe(res);
            return;
          }
        } catch {
          // Falls through to 404.
        }
      }
    }
    send(404, 'text/plain', `not found: ${path}`);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as { port: number };
  return { origin: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((ok) => server.close(() => ok()));
}

/** A test page: loads the widgets bundle, then `body` (HTML) and an optional module script. */
export function testPage(body: string, script = ''): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>aup widget test</title>
<script type="module" src="/aup-widgets.js"></script>
</head>
<body>
${body}
${script === '' ? '' : `<script type="module">\n${script}\n</script>`}
</body>
</html>
`;
}

/** The children's environment: no $AUP_DB from the developer's shell. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['AUP_DB'];
  return env;
}

export interface BoardOptions {
  /** Database URL or SQLite file path (`--db`). */
  db: string;
  /** Origins whose pages may read the API (`--cors`), e.g. a static server's origin. */
  cors?: string[];
  /** Extra command-line arguments. */
  args?: string[];
  /** Working directory (default: a new temp folder). */
  cwd?: string;
}

export interface Board {
  child: ChildProcess;
  /** The base URL, `http://127.0.0.1:PORT/`, without the token query the printed one carries. */
  url: string;
  /** The API base, `http://127.0.0.1:PORT/api/v1`. */
  api: string;
  /** The URL as printed (with `?token=` when mutating routes need one). */
  printed: string;
  stdout(): string;
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts a real aup-board on a free port of 127.0.0.1; resolves once it prints its URL. */
export function startBoard(opts: BoardOptions): Promise<Board> {
  const args = ['--db', opts.db, '--port', '0', ...(opts.cors?.length ? ['--cors', opts.cors.join(',')] : []), ...(opts.args ?? [])];
  const cwd = opts.cwd ?? mkdtempSync(join(tmpdir(), 'aup-browser-board-'));
  const child = spawn(process.execPath, [BOARD_BIN, ...args], { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<void>((ok) => child.on('exit', () => ok()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise<Board>((ok, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`aup-board printed no URL within ${BOARD_STARTUP_TIMEOUT_MS} ms; stdout: ${out}; stderr: ${err}`));
    }, BOARD_STARTUP_TIMEOUT_MS);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = URL_LINE.exec(out);
      if (m) {
        clearTimeout(timer);
        const printed = m[1]!;
        const url = `${new URL(printed).origin}/`;
        ok({ child, url, api: `${url}api/v1`, printed, stdout: () => out, stderr: () => err, stop });
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      fail(new Error(`aup-board exited with ${child.exitCode} before printing a URL; stdout: ${out}; stderr: ${err}`));
    });
  });
}

export interface RunResult {
  /** The folder the experiment ran in (holds experiment.json, the script, jobs/). */
  dir: string;
  stdout: string;
  stderr: string;
}

/**
 * Runs a real experiment with `aup run experiment.json --db <db>` in a new temp folder holding
 * `files` (name → content) and `experiment.json` (the `config`). Throws with the output on a non-zero exit.
 */
export function runExperiment(opts: {
  db: string;
  config: Record<string, unknown>;
  files?: Record<string, string>;
  dir?: string;
}): RunResult {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'aup-browser-run-'));
  for (const [name, content] of Object.entries(opts.files ?? {})) writeFileSync(join(dir, name), content, { mode: 0o755 });
  writeFileSync(join(dir, 'experiment.json'), JSON.stringify(opts.config, null, 2));
  const r = spawnSync(process.execPath, [AUP_BIN, 'run', 'experiment.json', '--db', opts.db], {
    cwd: dir,
    env: childEnv(),
    encoding: 'utf8',
    timeout: RUN_TIMEOUT_MS,
  });
  if (r.status !== 0) {
    throw new Error(`aup run exited with ${r.status ?? r.signal}; stdout: ${r.stdout}; stderr: ${r.stderr}`);
  }
  return { dir, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A training script for `runExperiment` (save it as `train.cjs`): a Node program that reads its job file (the last
 * argument), prints a line of output and reports the score `(x - 0.3)^2 + y` in Auptimizer's
 * protocol (so scores differ per job and are easy to check).
 */
export const QUADRATIC_SCRIPT = `#!/usr/bin/env node
const { readFileSync } = require('node:fs');
const p = JSON.parse(readFileSync(process.argv[process.argv.length - 1], 'utf8'));
const score = (p.x - 0.3) ** 2 + (p.y ?? 0);
console.log('training with x=' + p.x);
console.error('#Auptimizer:' + score);
`;

/** A temp folder removed by the returned function. */
export function tempDir(prefix = 'aup-browser-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Like QUADRATIC_SCRIPT, but each job takes about 300 ms: an experiment of many jobs stays
 * `running` long enough for a test to stop it from the page.
 */
export const SLOW_SCRIPT = `#!/usr/bin/env node
const { readFileSync } = require('node:fs');
const p = JSON.parse(readFileSync(process.argv[process.argv.length - 1], 'utf8'));
setTimeout(() => console.error('#Auptimizer:' + ((p.x - 0.3) ** 2 + (p.y ?? 0))), 300);
`;

/** The session token of a started board (from the URL it printed), or '' when it needs none. */
export function boardToken(board: Board): string {
  return new URL(board.printed).searchParams.get('token') ?? '';
}

/**
 * Creates an experiment through the board's API (`POST /experiments`, with the token), as the
 * config editor does; relative paths in `config` resolve against the board's working folder.
 * Resolves to the new experiment's id.
 */
export async function createExperimentOnBoard(
  board: Board,
  config: Record<string, unknown>,
  opts: { start?: boolean } = {},
): Promise<number> {
  const res = await fetch(`${board.api}/experiments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${boardToken(board)}` },
    body: JSON.stringify({ config, start: opts.start ?? false }),
  });
  const body = (await res.json()) as { experiment?: { id: number } };
  if (res.status !== 201 || body.experiment === undefined)
    throw new Error(`POST /experiments answered ${res.status}: ${JSON.stringify(body)}`);
  return body.experiment.id;
}
