/**
 * Other web pages against aup-board, in real headless Chromium: a page on another port of this
 * machine (CSRF: forms and `fetch` with `mode: 'no-cors'`, which need no preflight) and a page
 * under an attacker's name that resolves to 127.0.0.1 (DNS rebinding, with Chromium's
 * --host-resolver-rules). Against `--no-token` and a tokened board, they try to copy, start,
 * reset and create-with-start an experiment whose command leaves a marker file, and to read
 * configs, logs and the event stream. Nothing may change, run, or be read.
 *
 * The rebinding page is served by Playwright (page.route) for the document only, as the
 * attacker's DNS would serve it before switching the name to 127.0.0.1; every later request of
 * that page goes through Chromium's resolver to the real board. Chromium's Private Network Access
 * is switched off: the board must hold on its own, as it must in browsers without it.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { openStore } from '@aup/core';
import { chromium as playwright } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { browserOrSkip, chromiumPath, serveStatic, startBoard, type Board, type Browser } from '../browser/harness.js';

const browser = browserOrSkip();
const TOKEN = 'browser-attack-token';
/** A line of the experiment's config that must never reach another page. */
const SECRET = 'API_KEY=hunter2-secret';
/** What a started experiment would need to leave its marker: well above a runner's start on a loaded machine. */
const MARKER_GRACE_MS = 3_000;
/** Chromium features that make up Private Network Access (names of Chromium 120 to 140). */
const PRIVATE_NETWORK_ACCESS_FEATURES = [
  'BlockInsecurePrivateNetworkRequests',
  'PrivateNetworkAccessSendPreflights',
  'PrivateNetworkAccessRespectPreflightResults',
  'LocalNetworkAccessChecks',
];

interface Target {
  board: Board;
  db: string;
  dir: string;
  marker: string;
  created: number;
  finished: number;
  job: number;
}

/** Every row of every table of a SQLite file: equal dumps mean an unchanged database. */
function dump(db: string): Record<string, string[]> {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const out: Record<string, string[]> = {};
    for (const { name } of conn.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as Array<{
      name: string;
    }>) {
      out[name] = (conn.prepare(`SELECT * FROM "${name}"`).all() as unknown[]).map((r) => JSON.stringify(r)).sort();
    }
    return out;
  } finally {
    conn.close();
  }
}

async function target(root: string, name: string, args: string[]): Promise<Target> {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const marker = join(dir, 'marker');
  const db = join(dir, 'experiments.db');
  const cfg = {
    name,
    script: `sh -c 'id > ${marker}' # ${SECRET}`,
    n_samples: 1,
    workingdir: dir,
    proposer: 'random',
    target: 'max',
    parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
  };
  const store = await openStore(db, { create: true });
  let ids: { created: number; finished: number; job: number };
  try {
    const base = {
      user: 'ada',
      proposer: 'random',
      target: 'max' as const,
      nSamples: 1,
      workingDir: dir,
      host: {},
      git: {},
      configRaw: cfg,
      config: cfg,
    };
    const created = await store.createExperiment({ ...base, name: 'created' });
    const finished = await store.createExperiment({ ...base, name: 'finished' });
    const job = await store.createJob({ experimentId: finished.id, trial: 0, params: { x: 0.5 } });
    await store.completeJob(
      job.id,
      { status: 'finished', score: 1, attempts: 1, startedAt: 1, endedAt: 2 },
      { id: finished.id, bestJobId: job.id, bestScore: 1 },
    );
    await store.updateExperiment(finished.id, { status: 'finished', startedAt: 1, endedAt: 3 });
    ids = { created: created.id, finished: finished.id, job: job.id };
  } finally {
    await store.close();
  }
  mkdirSync(join(dir, 'jobs'), { recursive: true });
  writeFileSync(join(dir, 'jobs', `${ids.job}.1.out`), `training with ${SECRET}\n`);
  const board = await startBoard({ db, cwd: dir, args });
  return { board, db, dir, marker, ...ids };
}

/**
 * The CSRF page: every way a page can send a request without the board's consent, aimed at
 * `boardOrigin`. It sets `window.attackDone` when every fetch has settled and every form posted.
 */
function csrfPage(boardOrigin: string, t: Target, config: Record<string, unknown>): string {
  const api = `${boardOrigin}/api/v1`;
  const posts = [
    { path: `/experiments/${t.created}/start`, body: '' },
    { path: `/experiments/${t.finished}/copy`, body: JSON.stringify({ start: true }) },
    { path: '/environment/reset', body: '{}' },
    { path: '/experiments', body: JSON.stringify({ config, start: true }) },
  ];
  // A text/plain form whose one field spells a JSON body: name + '=' + value.
  const jsonName = JSON.stringify({ config, start: true, pad: '' }).slice(0, -2);
  const forms = posts
    .map(
      (p, i) =>
        `<iframe name="f${i}"></iframe><form id="form${i}" method="POST" action="${api}${p.path}" target="f${i}" enctype="text/plain"><input name='${p.path === '/experiments' ? jsonName.replaceAll("'", '&#39;') : 'x'}' value='"}'></form>`,
    )
    .join('\n');
  return `<!doctype html><html><body>
${forms}
<script type="module">
const api = ${JSON.stringify(api)};
const posts = ${JSON.stringify(posts)};
const results = [];
const tries = [];
for (const p of posts) {
  for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
    tries.push(fetch(api + p.path, { method: 'POST', mode: 'no-cors', headers: { 'content-type': type }, body: p.body }).then(() => 'sent', (e) => 'error ' + e));
  }
  tries.push(fetch(api + p.path, { method: 'POST', mode: 'no-cors' }).then(() => 'sent', (e) => 'error ' + e));
  // A CORS request with JSON: the preflight is refused, so it is never sent.
  tries.push(fetch(api + p.path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: p.body || '{}' }).then((r) => 'status ' + r.status, (e) => 'blocked'));
}
for (const form of document.querySelectorAll('form')) form.submit();
window.attackResults = await Promise.all(tries);
await new Promise((r) => setTimeout(r, 500));
window.attackDone = true;
</script></body></html>`;
}

/** The page a rebinding attacker serves under its own name: same-origin requests that now reach the board. */
function rebindingPage(t: Target, config: Record<string, unknown>): string {
  return `<!doctype html><html><body><script type="module">
const out = {};
const read = async (path) => {
  try {
    const r = await fetch(path);
    const reader = r.body.getReader();
    const chunk = await Promise.race([reader.read(), new Promise((ok) => setTimeout(() => ok({ value: new Uint8Array() }), 2000))]);
    reader.cancel().catch(() => {});
    return { status: r.status, text: new TextDecoder().decode(chunk.value ?? new Uint8Array()) };
  } catch (e) { return { status: 0, text: String(e) }; }
};
for (const path of ['/api/v1/experiments', '/api/v1/experiments/${t.created}', '/api/v1/jobs/${t.job}/attempts/1/log', '/api/v1/events?after=0', '/api/v1/openapi.json', '/']) {
  out['GET ' + path] = await read(path);
}
const post = async (path, body) => {
  try {
    const r = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, text: await r.text() };
  } catch (e) { return { status: 0, text: String(e) }; }
};
out['POST /api/v1/experiments'] = await post('/api/v1/experiments', { config: ${JSON.stringify(config)}, start: true });
out['POST /api/v1/experiments/${t.created}/start'] = await post('/api/v1/experiments/${t.created}/start', {});
window.attackResults = out;
window.attackDone = true;
</script></body></html>`;
}

describe.skipIf(!browser.available)('other pages against aup-board in Chromium', () => {
  let root: string;
  let chromium: Browser;
  const targets: Record<string, Target> = {};

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'aup-browser-attacks-'));
    targets['no-token'] = await target(root, 'no-token', ['--no-token']);
    targets['token'] = await target(root, 'token', ['--token', TOKEN]);
    const args = [
      '--host-resolver-rules=MAP attacker.test 127.0.0.1',
      // Chromium's Private Network Access blocks some of these requests by itself; other browsers
      // (Firefox, Safari) do not, and a policy can turn it off. Off here, so the test shows what
      // the board does on its own.
      `--disable-features=${PRIVATE_NETWORK_ACCESS_FEATURES.join(',')}`,
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
    ];
    chromium = await playwright.launch({ executablePath: chromiumPath(), headless: true, args });
  });
  afterAll(async () => {
    await chromium?.close();
    for (const t of Object.values(targets)) await t.board.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const attackConfig = (t: Target) => ({
    script: `sh -c 'id > ${t.marker}'`,
    n_samples: 1,
    workingdir: t.dir,
    parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
  });

  for (const mode of ['no-token', 'token']) {
    for (const [label, hostName] of [
      ['another port of 127.0.0.1 (cross-site)', '127.0.0.1'],
      ['another port of localhost (same-site)', 'localhost'],
    ] as const) {
      it(`a page on ${label} cannot copy, start, reset or create-with-start on a ${mode} board`, async () => {
        const t = targets[mode]!;
        const before = dump(t.db);
        const boardOrigin = `http://${hostName}:${new URL(t.board.url).port}`;
        // The attacker's page, from its own server on another port: its own origin.
        const attacker = await serveStatic({ '/attack.html': csrfPage(boardOrigin, t, attackConfig(t)) });
        const context = await chromium.newContext();
        try {
          const page = await context.newPage();
          await page.goto(`http://${hostName}:${new URL(attacker.origin).port}/attack.html`);
          await page.waitForFunction(() => (window as unknown as { attackDone?: boolean }).attackDone === true, undefined, {
            timeout: 60_000,
          });
          const results = (await page.evaluate(() => (window as unknown as { attackResults: string[] }).attackResults)) as string[];
          // The requests did go out (no-cors fetches resolve opaque): the board is what refused them.
          expect(results.filter((r) => r === 'sent').length).toBeGreaterThan(0);
          expect(results.filter((r) => r.startsWith('status 2'))).toEqual([]);
        } finally {
          await context.close();
          await attacker.close();
        }
        await new Promise((r) => setTimeout(r, MARKER_GRACE_MS));
        expect(existsSync(t.marker), 'the command ran').toBe(false);
        expect(existsSync(t.db), 'the database was moved by a reset').toBe(true);
        expect(dump(t.db)).toEqual(before);
      });
    }

    it(`a rebinding page under attacker.test cannot read or start anything on a ${mode} board`, async () => {
      const t = targets[mode]!;
      const before = dump(t.db);
      const port = new URL(t.board.url).port;
      const context = await chromium.newContext();
      try {
        const page = await context.newPage();
        // The document only: afterwards "attacker.test" resolves to 127.0.0.1, the board.
        await page.route(`http://attacker.test:${port}/rebind.html`, (route) =>
          route.fulfill({ status: 200, contentType: 'text/html', body: rebindingPage(t, attackConfig(t)) }),
        );
        await page.goto(`http://attacker.test:${port}/rebind.html`);
        await page.waitForFunction(() => (window as unknown as { attackDone?: boolean }).attackDone === true, undefined, {
          timeout: 60_000,
        });
        const results = (await page.evaluate(
          () => (window as unknown as { attackResults: Record<string, { status: number; text: string }> }).attackResults,
        )) as Record<string, { status: number; text: string }>;
        for (const [what, r] of Object.entries(results)) {
          expect(r.status, `${what}: ${r.text.slice(0, 200)}`).toBe(421);
          expect(r.text, what).not.toContain(SECRET);
          expect(r.text, what).not.toContain('hunter2');
        }
        // Straight navigation under the attacker's name: 421 too.
        const direct = await page.goto(`http://attacker.test:${port}/api/v1/experiments/${t.created}`);
        expect(direct?.status()).toBe(421);
        expect(await direct?.text()).not.toContain('hunter2');
      } finally {
        await context.close();
      }
      await new Promise((r) => setTimeout(r, MARKER_GRACE_MS));
      expect(existsSync(t.marker), 'the command ran').toBe(false);
      expect(dump(t.db)).toEqual(before);
    });
  }

  it("the board's own page still works without a token on --no-token (it is the board's origin)", async () => {
    const t = targets['no-token']!;
    const context = await chromium.newContext();
    try {
      const page = await context.newPage();
      await page.goto(t.board.url);
      const status = await page.evaluate(
        async (body) =>
          (await fetch('/api/v1/config/validate', { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status,
        JSON.stringify({ script: 'true', n_samples: 1, parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }] }),
      );
      expect(status).toBe(200);
    } finally {
      await context.close();
    }
  });
});
