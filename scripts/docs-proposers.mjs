// Writes the proposer tables of docs/reference/proposers.md and docs/reference/config.md from the
// proposer registry (packages/core/src/proposers/reference-tables.ts). Run: npm run docs:proposers.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const core = (path) => import(new URL(`packages/core/dist/${path}`, `file://${root}`).href);
const { BUILTIN_PROPOSERS } = await core('proposers/registry.js');
const { proposerTable, proposerKeyTable, replaceGenerated } = await core('proposers/reference-tables.js');

const targets = [
  ['docs/reference/proposers.md', 'proposers', proposerTable(BUILTIN_PROPOSERS)],
  ['docs/reference/config.md', 'proposer keys', proposerKeyTable(BUILTIN_PROPOSERS)],
];
for (const [file, name, table] of targets) {
  const path = `${root}${file}`;
  const before = readFileSync(path, 'utf8');
  const after = replaceGenerated(before, name, table);
  if (after !== before) writeFileSync(path, after);
  console.log(`${file}: ${after === before ? 'up to date' : 'table written'}`);
}
