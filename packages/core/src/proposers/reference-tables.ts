/**
 * The proposer tables of docs/reference/proposers.md and docs/reference/config.md, written from the
 * registry by `npm run docs:proposers`; a unit test fails when the checked-in tables differ.
 */
import { gatherKeys } from '../config/schema-builders.js';
import type { BuiltinProposer } from './definition.js';

/** Where a generated table starts and ends in its markdown file; the lines between are replaced. */
export const GENERATED_BEGIN = (name: string): string =>
  `<!-- ${name}: generated from the proposer registry by \`npm run docs:proposers\`; do not edit by hand -->`;
export const GENERATED_END = '<!-- end of generated table -->';

/** A markdown table cell: pipes escaped, so a description can say `a|b`. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

function code(word: string): string {
  return `\`${word}\``;
}

/** One row per proposer: what it does, its config keys, whether the seed matters, when it ends. */
export function proposerTable(defs: readonly BuiltinProposer[]): string {
  const rows = defs.map((d) => {
    const keys = Object.keys(d.options).map(code).join(', ') || '—';
    return `| ${code(d.name)} | ${cell(d.summary.does)} | ${keys} | ${d.summary.seeded ? 'yes' : 'no'} | ${cell(d.summary.finite)} |`;
  });
  return ['| name | what it does | its keys | seed matters | finite |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** One row per top-level proposer key: the proposers that read it and its schema's description. */
export function proposerKeyTable(defs: readonly BuiltinProposer[]): string {
  const keys = Object.entries(gatherKeys(defs, (d) => d.options));
  const lines = keys.map(([key, k]) => `| ${code(key)} | ${k.owners.join(', ')} | ${cell(String(k.schema.description ?? ''))} |`);
  return ['| key | proposer | meaning |', '|---|---|---|', ...lines].join('\n');
}

/**
 * `markdown` with the generated table `name` replaced by `table`; throws when the markers are missing.
 * @example replaceGenerated(readFileSync('docs/reference/proposers.md', 'utf8'), 'proposers', proposerTable(BUILTIN_PROPOSERS))
 */
export function replaceGenerated(markdown: string, name: string, table: string): string {
  const begin = GENERATED_BEGIN(name);
  const start = markdown.indexOf(begin);
  const end = markdown.indexOf(GENERATED_END, start);
  if (start === -1 || end === -1) throw new Error(`no generated "${name}" table (${begin} ... ${GENERATED_END})`);
  return `${markdown.slice(0, start)}${begin}\n${table}\n${markdown.slice(end)}`;
}
