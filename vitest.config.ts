import { defineConfig } from 'vitest/config';

// Projects (DESIGN §10): unit (no IO beyond temp files), db (every store test on SQLite and a real
// PostgreSQL), e2e (the CLI and server as a user runs them), browser (widgets in a real headless
// Chromium through playwright-core; see test/browser/harness.ts).
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
