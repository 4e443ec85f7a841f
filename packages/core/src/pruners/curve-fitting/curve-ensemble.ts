import { levenbergMarquardt, type CurveFunction } from './levenberg-marquardt.js';

/** A parametric learning-curve family (Domhan et al., 2015), increasing towards an asymptote when fitted to a rising curve. */
export interface CurveModel {
  name: string;
  f: CurveFunction;
  /** Starting points derived from the data (x = 1..n, y rising or falling). */
  starts(xs: Float64Array, ys: Float64Array): Float64Array[];
}

// Rates and exponents are fitted through exp(·) so they stay positive without constraints.
export const CURVE_MODELS: readonly CurveModel[] = [
  {
    // pow3: c − a·x^(−α)
    name: 'pow3',
    f: (x, p) => p[0]! - p[1]! * Math.pow(x, -Math.exp(p[2]!)),
    starts: (_xs, ys) => {
      const last = ys[ys.length - 1]!;
      const span = last - ys[0]!;
      return [Float64Array.of(last, span, Math.log(0.5)), Float64Array.of(last + span, 2 * span, Math.log(0.2))];
    },
  },
  {
    // exp3: c − a·e^(−b·x)
    name: 'exp3',
    f: (x, p) => p[0]! - p[1]! * Math.exp(-Math.exp(p[2]!) * x),
    starts: (xs, ys) => {
      const n = xs[xs.length - 1]!;
      const last = ys[ys.length - 1]!;
      const span = last - ys[0]!;
      return [Float64Array.of(last, span * 2, Math.log(3 / n)), Float64Array.of(last + span, span * 2, Math.log(0.5 / n))];
    },
  },
  {
    // log-power: a / (1 + (x / e^b)^c), with c free in sign for rising and falling curves.
    name: 'log_power',
    f: (x, p) => p[0]! / (1 + Math.pow(x / Math.exp(p[1]!), p[2]!)),
    starts: (xs, ys) => {
      const n = xs[xs.length - 1]!;
      const last = ys[ys.length - 1]!;
      return [Float64Array.of(last, Math.log(n / 2), -1), Float64Array.of(last, Math.log(n / 2), 1)];
    },
  },
  {
    // MMF: α − (α − β) / (1 + (κ·x)^δ)
    name: 'mmf',
    f: (x, p) => p[0]! - (p[0]! - p[1]!) / (1 + Math.pow(Math.exp(p[2]!) * x, Math.exp(p[3]!))),
    starts: (xs, ys) => {
      const n = xs[xs.length - 1]!;
      const last = ys[ys.length - 1]!;
      const span = last - ys[0]!;
      return [Float64Array.of(last + span / 2, ys[0]! - span, Math.log(2 / n), 0)];
    },
  },
  {
    // Janoschek: α − (α − β)·e^(−κ·x^δ)
    name: 'janoschek',
    f: (x, p) => p[0]! - (p[0]! - p[1]!) * Math.exp(-Math.exp(p[2]!) * Math.pow(x, Math.exp(p[3]!))),
    starts: (xs, ys) => {
      const n = xs[xs.length - 1]!;
      const last = ys[ys.length - 1]!;
      const span = last - ys[0]!;
      return [Float64Array.of(last + span / 4, ys[0]! - span, Math.log(2 / n), 0)];
    },
  },
];

export interface CurveFit {
  name: string;
  params: Float64Array;
  /** Mean squared residual on the observed points. */
  mse: number;
  /** Prediction at the target step. */
  prediction: number;
  /** Normalised ensemble weight. */
  weight: number;
}

export interface CurvePrediction {
  /** The weighted prediction at the target step. */
  value: number;
  fits: CurveFit[];
  /** True when the deadline cut the fit short (the prediction uses what was fitted by then). */
  timedOut: boolean;
}

export interface PredictOptions {
  /** Absolute deadline in ms (of `now`). */
  deadline?: number;
  now?: () => number;
  /**
   * Parameters fitted to the same curve a few values earlier, by model name: a fit starts from
   * them alone, which takes a few iterations instead of several cold starts.
   */
  warmStarts?: ReadonlyMap<string, Float64Array>;
}

/**
 * A model's prediction farther than this many observed ranges beyond the observed values is an
 * extrapolation gone wild (an exponent running away), not a forecast: the model is left out.
 */
const MAX_EXTRAPOLATION_RANGES = 10;
/** Floor of the mean squared error in the weights, relative to the curve's range squared: keeps one near-exact fit from taking all the weight through rounding noise. */
const MSE_FLOOR = 1e-10;

/**
 * Fits every model of {@link CURVE_MODELS} with enough points to the curve (ys at x = 1..n),
 * extrapolates each to `targetStep` and averages the predictions weighted by 1 / mean squared
 * residual, so the models that follow the observed part best decide the forecast. Undefined when no
 * model gives a finite, plausible forecast.
 */
export function predictCurve(ys: Float64Array, targetStep: number, options: PredictOptions = {}): CurvePrediction | undefined {
  const n = ys.length;
  if (n < 3) return undefined;
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) xs[i] = i + 1;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const y of ys) {
    lo = Math.min(lo, y);
    hi = Math.max(hi, y);
  }
  const range = Math.max(hi - lo, 1e-12 * Math.max(1, Math.abs(hi)));
  const fits: CurveFit[] = [];
  let timedOut = false;
  for (const model of CURVE_MODELS) {
    let best: { params: Float64Array; sse: number } | undefined;
    const warm = options.warmStarts?.get(model.name);
    for (const start of warm ? [warm] : model.starts(xs, ys)) {
      if (start.length >= n) continue;
      const r = levenbergMarquardt(model.f, xs, ys, start, { deadline: options.deadline, now: options.now });
      timedOut ||= r.timedOut;
      if (Number.isFinite(r.sse) && (!best || r.sse < best.sse)) best = r;
    }
    if (!best) continue;
    const prediction = model.f(targetStep, best.params);
    if (!Number.isFinite(prediction)) continue;
    if (prediction > hi + MAX_EXTRAPOLATION_RANGES * range || prediction < lo - MAX_EXTRAPOLATION_RANGES * range) continue;
    fits.push({ name: model.name, params: best.params, mse: best.sse / n, prediction, weight: 0 });
    if (timedOut) break;
  }
  if (fits.length === 0) return undefined;
  const floor = MSE_FLOOR * range * range;
  let total = 0;
  for (const fit of fits) total += fit.weight = 1 / (fit.mse + floor);
  let value = 0;
  for (const fit of fits) {
    fit.weight /= total;
    value += fit.weight * fit.prediction;
  }
  return { value, fits, timedOut };
}
