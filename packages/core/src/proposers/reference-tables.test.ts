import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUILTIN_PROPOSERS } from './registry.js';
import { GENERATED_BEGIN, GENERATED_END, proposerKeyTable, proposerTable, replaceGenerated } from './reference-tables.js';

const doc = (file: string) => readFileSync(fileURLToPath(new URL(`../../../../docs/reference/${file}`, import.meta.url)), 'utf8');

describe('the proposer tables of docs/reference', () => {
  it.each([
    ['proposers.md', 'proposers', () => proposerTable(BUILTIN_PROPOSERS)],
    ['config.md', 'proposer keys', () => proposerKeyTable(BUILTIN_PROPOSERS)],
  ])('%s holds the "%s" table the registry gives (npm run docs:proposers rewrites it)', (file, name, table) => {
    const text = doc(file);
    expect(replaceGenerated(text, name, table()), `${file} is out of date: run npm run docs:proposers`).toBe(text);
  });

  it('lists every proposer and every key, escaping pipes in cells', () => {
    const rows = proposerTable(BUILTIN_PROPOSERS).split('\n');
    expect(rows.length).toBe(BUILTIN_PROPOSERS.length + 2);
    expect(rows[3]).toMatch(/^\| `sequence` \| grid search.* \| — \| no \|/);
    const engine = proposerKeyTable(BUILTIN_PROPOSERS)
      .split('\n')
      .find((r) => r.startsWith('| `engine` |'));
    expect(engine).toMatch(/^\| `engine` \| hyperband, hyperopt, spearmint \| Sampling engine: hyperband random\\\|sequence;/);
  });

  it('replaces only what lies between the markers, and refuses a file without them', () => {
    const md = `intro\n${GENERATED_BEGIN('t')}\nold\n${GENERATED_END}\noutro\n`;
    expect(replaceGenerated(md, 't', 'new')).toBe(`intro\n${GENERATED_BEGIN('t')}\nnew\n${GENERATED_END}\noutro\n`);
    expect(() => replaceGenerated('no markers', 't', 'new')).toThrow(/no generated "t" table/);
  });
});
