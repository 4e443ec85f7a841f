import { defineConfig } from 'vitest/config';

// Projects: unit (no IO beyond temp files), db (every store test on SQLite and a real PostgreSQL),
// e2e (the CLI and server as a user runs them), security (the attacker's view of the board and the
// runner), browser (widgets in a real headless Chromium through playwright-core; see
// test/browser/harness.ts).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts'],
          exclude: ['packages/*/src/**/*.db.test.ts', '**/node_modules/**', '**/dist/**'],
        },
      },
      {
        test: {
          name: 'db',
          include: ['packages/*/src/**/*.db.test.ts', 'test/db/**/*.test.ts'],
          globalSetup: ['test/setup/postgres.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // One PostgreSQL server is shared; files run one at a time so databases stay small.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/setup/postgres.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          // The attacker's view (docs/guides/security.md): host/origin checks, CSRF and DNS rebinding
          // in real Chromium, the event-stream storm, two drivers, a full disk. One file at a time:
          // several of them load the machine on purpose.
          name: 'security',
          include: ['test/security/**/*.test.ts'],
          globalSetup: ['test/setup/postgres.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          // Each file launches its own Chromium; one at a time keeps a 2-core CI machine responsive.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
