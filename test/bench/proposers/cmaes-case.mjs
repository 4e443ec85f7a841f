// The `cmaes` case of `npm run bench:proposers` (issue 16): aup's `cmaes` proposer beside Optuna 3.1's
// CmaEsSampler (default settings, and restart_strategy="ipop") on Rosenbrock-4D and Hartmann-6 at 200
// trials, plus the overhead per ask + tell. Its figures go to their own section of docs/benchmarks.md,
// "Proposers: CMA-ES", so running this case alone leaves the main "Proposers" tables as they are.
import { mannWhitneyU, summarize } from '@aup/core/testing';
import { runFunction, runOverhead } from './aup-cases.mjs';
import { CMAES_CASE } from './bench-config.mjs';
import { fmt, summaryCell, table } from './report.mjs';

export const CMAES_SECTION = '## Proposers: CMA-ES';

export const CMAES_INTRO = [
  'aup\'s `cmaes` proposer ([reference](reference/proposers.md#cmaes)) beside Optuna 3.1\'s `CmaEsSampler` in the same run, on two of the [benchmark problems](#benchmark-problems) at 200 trials: Rosenbrock-4D (a curved valley, where CMA-ES learns the correlation of the coordinates) and Hartmann-6 (six local minima). Optuna runs with its defaults (`CmaEsSampler(seed=s)`: no restarts, σ0 = range/6, first trial random) and with `restart_strategy="ipop"`; aup with its defaults (IPOP restarts, σ0 = 1/6 of each range, λ = 4 + ⌊3 ln d⌋) and with `restarts: "none"`.',
  '',
  'Written by `node test/bench/proposers/bench-proposers.mjs --cases cmaes` (the harness of the section above: the same ask/tell driving, seeds, statistics and flags; `--functions` and `--proposers` filter the rows). The goal (issue 16): the median regret of aup `cmaes` at 200 trials within 1.2 × the better of the two Optuna rows, on both functions.',
].join('\n');

/** The functions of the case that `only` (a Set of function names, or null for all) lets through. */
function caseFunctions(only) {
  return CMAES_CASE.functions.filter((fn) => only === null || only.has(fn));
}

/**
 * Runs the aup rows: regrets by [function][parallel][row][budget] over `seeds`, and each row's
 * overhead per ask + tell on Hartmann-6 (sequential, seed 0).
 */
export function runCmaesAup({ seeds, modes, functions, runnable, log }) {
  const regret = {};
  const overhead = {};
  const maxBudget = Math.max(...CMAES_CASE.budgets);
  for (const r of CMAES_CASE.rows.filter(runnable)) {
    for (const fn of caseFunctions(functions)) {
      for (const par of modes) {
        const t0 = performance.now();
        const cell = (((regret[fn] ??= {})[par] ??= {})[r.row] = {});
        for (const seed of seeds) {
          const regrets = runFunction(r, fn, seed, maxBudget, par);
          for (const n of CMAES_CASE.budgets) (cell[n] ??= []).push(regrets[n - 1] ?? Infinity);
        }
        log(`aup ${r.row} ${fn} parallel ${par} (cmaes case): ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
    }
    overhead[r.row] = runOverhead(r, CMAES_CASE.overhead.trials, CMAES_CASE.overhead.windows);
    log(`aup ${r.row} overhead (cmaes case): ${JSON.stringify(overhead[r.row])}`);
  }
  return { regret, overhead };
}

/** The part of optuna_peer.py's spec this case adds (only when the case runs, so other runs' caches stay valid). */
export function cmaesOptunaSpec({ modes, functions }) {
  const samplers = Object.keys(CMAES_CASE.optuna);
  return {
    cmaes: caseFunctions(functions).flatMap((fn) =>
      modes.map((par) => ({ function: fn, samplers, at: CMAES_CASE.budgets, parallel: par })),
    ),
    cmaes_overhead: samplers.map((s) => ({ sampler: s, ...CMAES_CASE.overhead })),
  };
}

/** Files one optuna_peer.py output line of this case into `into` ({ regret, overhead }); false for other kinds. */
export function readCmaesOptunaLine(m, into) {
  if (m.kind === 'cmaes') {
    const cell = (((into.regret[m.function] ??= {})[m.parallel] ??= {})[CMAES_CASE.optuna[m.row]] ??= {});
    for (const [n, v] of Object.entries(m.at)) (cell[Number(n)] ??= []).push(v ?? Infinity);
    return true;
  }
  if (m.kind === 'cmaes_overhead') {
    into.overhead[CMAES_CASE.optuna[m.row]] = m.ms;
    return true;
  }
  return false;
}

/** The better (lower median) of the Optuna rows at budget `n`: { row, median, values }, or null. */
function bestOptuna(optRows, n) {
  let best = null;
  for (const [row, byN] of Object.entries(optRows)) {
    const values = byN[n];
    if (values === undefined) continue;
    const m = summarize(values).median;
    if (best === null || m < best.median) best = { row, median: m, values };
  }
  return best;
}

/** "ratio (p …) vs row" of aup's values against the better Optuna row, and the ratio alone. */
function versus(values, optRows, n) {
  const best = bestOptuna(optRows, n);
  if (best === null || values === undefined) return { text: '–', ratio: undefined };
  const a = summarize(values).median;
  const ratio = best.median === 0 ? (a === 0 ? 1 : Infinity) : a / best.median;
  const p = mannWhitneyU(values, best.values).p;
  return { text: `${fmt(ratio)} (p ${fmt(p)}) vs ${best.row.replace('Optuna ', '')}`, ratio, p, row: best.row };
}

/** The Markdown body of the section: regret tables per mode, the goal, the overhead. */
export function cmaesReport({ aup, optuna, modes, functions }) {
  const md = [];
  const budgets = CMAES_CASE.budgets;
  const last = budgets.at(-1);
  const goals = [];
  for (const par of modes) {
    md.push('', `### Regret, ${par === 1 ? 'sequential' : `${par} trials pending at a time (oldest told first)`}`, '');
    const rows = [];
    for (const fn of caseFunctions(functions)) {
      const optRows = optuna.regret[fn]?.[par] ?? {};
      for (const [row, byN] of Object.entries(aup.regret[fn]?.[par] ?? {})) {
        const v = versus(byN[last], optRows, last);
        rows.push([fn, `aup ${row}`, ...budgets.map((n) => summaryCell(byN[n])), versus(byN[100], optRows, 100).text, v.text]);
        if (row === CMAES_CASE.target.row) goals.push({ fn, par, ...v });
      }
      for (const [row, byN] of Object.entries(optRows)) rows.push([fn, row, ...budgets.map((n) => summaryCell(byN[n])), '', '']);
    }
    md.push(
      ...table(
        ['function', 'proposer', ...budgets.map((n) => `@${n}`), '@100 vs best Optuna CMA-ES', `@${last} vs best Optuna CMA-ES`],
        rows,
      ),
    );
  }
  const { ratio: limit, at } = CMAES_CASE.target;
  md.push('', `### Goal: aup cmaes @${at} within ${limit} × the better Optuna CMA-ES row`, '');
  md.push(
    ...table(
      ['function', 'mode', `ratio @${at} (Mann–Whitney p)`, ''],
      goals.map((g) => [
        g.fn,
        g.par === 1 ? 'sequential' : `${g.par} pending`,
        g.ratio === undefined ? 'not measured' : `${fmt(g.ratio)} (p ${fmt(g.p)}) vs ${g.row.replace('Optuna ', '')}`,
        g.ratio === undefined ? '–' : g.ratio <= limit ? 'met' : 'missed',
      ]),
    ),
  );
  const windows = CMAES_CASE.overhead.windows.map(([a, b]) => `${a}-${b}`);
  md.push(
    '',
    `### Overhead per ask + tell (objective excluded), Hartmann-6, sequential, one seed, ${CMAES_CASE.overhead.trials} trials (mean ms over each window)`,
    '',
  );
  const oh = [
    ...Object.entries(aup.overhead).map(([row, ms]) => [`aup ${row}`, ms]),
    ...Object.entries(optuna.overhead).map(([row, ms]) => [row, ms]),
  ];
  md.push(
    ...table(
      ['proposer', ...windows.map((w) => `trials ${w.replace('-', '–')}`)],
      oh.map(([row, ms]) => [row, ...windows.map((w) => (ms[w] === undefined ? '' : `${fmt(ms[w])} ms`))]),
    ),
  );
  return md.join('\n');
}
