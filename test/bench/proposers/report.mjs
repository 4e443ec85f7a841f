// Formatting of the proposer benchmark: numbers, Markdown tables, the machine line, and the
// "Proposers" section of docs/benchmarks.md.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { summarize } from '@aup/core/testing';

const DOCS = new URL('../../../docs/benchmarks.md', import.meta.url).pathname;
const SECTION = '## Proposers';
const GIB = 1024 ** 3;

/** A number for a table: 3 significant digits, ∞ for runs that never got there. */
export function fmt(x) {
  if (x === undefined || Number.isNaN(x)) return '–';
  if (!Number.isFinite(x)) return '∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a < 1e-3) return x.toExponential(1);
  return x.toPrecision(3);
}

/** "median [q25–q75]" of `values`. */
export function summaryCell(values) {
  if (values === undefined || values.length === 0) return '–';
  const s = summarize(values);
  return `${fmt(s.median)} [${fmt(s.q25)}–${fmt(s.q75)}]`;
}

/** Markdown table lines. */
export function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

/** nproc, CPU model, RAM, Node version and the date, for the docs. */
export function machineInfo() {
  let nproc = String(os.availableParallelism());
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // nproc missing: os.availableParallelism() is the same figure on Linux.
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  return `Machine: nproc ${nproc}, ${cpu}, ${(os.totalmem() / GIB).toFixed(1)} GiB RAM, Node ${process.version}; run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, load average at the end ${load}${os.loadavg()[0] > Number(nproc) ? ' (other work shared the cores: timings are upper bounds)' : ''}`;
}

/** The intro of the "Proposers" section: what the harness does and its flags. */
const PROPOSERS_INTRO = [
  "aup's proposers side by side with Optuna 3.1 (Debian's python3-optuna) in the same run, on the [benchmark problems](#benchmark-problems) above. This section is written by `npm run bench:proposers` (test/bench/proposers/bench-proposers.mjs); rebuild first with `npx tsc -b packages/core`.",
  '',
  '- The harness drives every registered proposer by name through ask/tell ([architecture](architecture.md) §2.2), as the runner does, sequentially and with 4 trials pending (the oldest is told first). A proposer that is not registered is skipped with a note; it is picked up by name once registered.',
  '- Optuna runs in `test/bench/proposers/optuna_peer.py` under `/usr/bin/python3` (ask/tell too; the same functions, budgets and seeds count); without Optuna the harness prints the aup figures alone with a note.',
  '- Statistics: median [25th–75th percentile] over seeds; the ratio of the aup median to the best Optuna median of the cell; the two-sided Mann–Whitney U p-value (normal approximation, tie-corrected; `mannWhitneyU` in `@aup/core/testing`). Seeds cannot be paired across languages, so distributions are compared.',
  '- Flags: `--quick` (5 seeds, shorter multi-fidelity runs, 400-trial Optuna overhead runs; prints only unless `--write-docs`), `--seeds N`, `--proposers a,b`, `--functions branin,hartmann6,rosenbrock4` (the test functions the `functions` and `cmaes` cases run), `--cases functions,counting,curves,overhead,cmaes` (`cmaes` writes its own section, [Proposers: CMA-ES](#proposers-cma-es), so a run of that case alone leaves this one as it is), `--no-optuna`, `--no-parallel`, `--no-docs`, `--register module.js` (registers the ProposerDefinitions a module exports, e.g. your own), `--optuna-cache file` (reuses Optuna results made for the same spec).',
].join('\n');

/**
 * Replaces (or appends) a second-level section of docs/benchmarks.md (by default "Proposers", with
 * its intro) with `body`; returns the file. The section runs to the next second-level heading.
 */
export function writeDocsSection(body, section = SECTION, intro = PROPOSERS_INTRO) {
  const text = `${section}\n\n${intro}\n\n${body.trim()}\n`;
  let doc = existsSync(DOCS) ? readFileSync(DOCS, 'utf8') : '# Benchmarks\n';
  const start = doc.indexOf(`${section}\n`);
  if (start === -1) {
    // A new section goes after the "Proposers" one when there is one (its siblings stay together), else at the end.
    const after = doc.indexOf(`${SECTION}\n`);
    const next = after === -1 ? -1 : doc.indexOf('\n## ', after + SECTION.length);
    doc = next === -1 ? `${doc.trimEnd()}\n\n${text}` : `${doc.slice(0, next + 1)}${text}\n${doc.slice(next + 1)}`;
  } else {
    const next = doc.indexOf('\n## ', start + section.length);
    doc = `${doc.slice(0, start)}${text}${next === -1 ? '' : `\n${doc.slice(next + 1)}`}`;
  }
  writeFileSync(DOCS, doc);
  return DOCS;
}
