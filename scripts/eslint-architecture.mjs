// The architecture's import rules as ESLint config (docs/architecture.md §1): no import cycle inside
// a package, and no import across the package boundaries (logger ← core ← server; the widgets import
// no package at run time, only types). Used by eslint.config.mjs for the repository and by
// test/e2e/lint-rules.test.ts on small fixtures that break each rule.
import { join } from 'node:path';

import tsParser from '@typescript-eslint/parser';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const WHY = 'docs/architecture.md §1';

/**
 * Config blocks for a tree laid out as this repository is (`<root>/packages/<name>/src`).
 * `cycles`: the cycle rule's severity ('error'; 'warn' only while a tree is being cleaned up).
 */
export function architectureRules(root, { cycles = 'error' } = {}) {
  const pkg = (name) => join(root, 'packages', name);
  const src = (name) => join(root, 'packages', name, 'src');
  return [
    {
      files: ['**/packages/*/src/**/*.ts'],
      plugins: { 'import-x': importX },
      settings: {
        'import-x/resolver-next': [
          createTypeScriptImportResolver({ project: join(root, 'packages/*/tsconfig.json'), noWarnOnMultipleProjects: true }),
        ],
        'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
        'import-x/extensions': ['.ts', '.js'],
      },
      languageOptions: { parser: tsParser },
      rules: {
        'import-x/no-cycle': [cycles, { ignoreExternal: true }],
        'import-x/no-restricted-paths': [
          'error',
          {
            zones: [
              {
                target: src('logger'),
                from: [pkg('core'), pkg('server'), pkg('widgets')],
                message: `@aup/logger imports nothing from the repository (${WHY})`,
              },
              { target: src('core'), from: [pkg('server'), pkg('widgets')], message: `@aup/core may import @aup/logger only (${WHY})` },
              {
                target: src('server'),
                from: [pkg('widgets')],
                message: `@aup/server serves the widgets' bundle file but imports none of their code (${WHY})`,
              },
              ...['logger', 'core', 'server', 'widgets'].map((name) => ({
                target: ['logger', 'core', 'server', 'widgets'].filter((n) => n !== name).map(src),
                from: src(name),
                message: `import another package through its exports map (@aup/${name}), never its src/ (${WHY})`,
              })),
            ],
          },
        ],
      },
    },
    {
      files: ['**/packages/widgets/src/**/*.ts'],
      plugins: { '@typescript-eslint': tseslint.plugin },
      rules: {
        '@typescript-eslint/no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                group: ['@aup/*'],
                allowTypeImports: true,
                message: `the widgets speak HTTP only: \`import type\` the API's shapes, nothing at run time (${WHY})`,
              },
            ],
          },
        ],
      },
    },
  ];
}
