#!/usr/bin/python3
"""Optuna side of `npm run bench:proposers` (test/bench/proposers/bench-proposers.mjs).

Runs Optuna 3.1 on the benchmark problems of docs/benchmarks.md with the budgets the Node harness asks
for, and prints one JSON object per line (one per run); the Node side summarises them next to aup.
Usage: /usr/bin/python3 optuna_peer.py '<json spec>'   (the spec's keys: see main()).
Objectives are minimised; every run drives Optuna through ask/tell, as the aup side does.
"""
import json
import math
import sys
import time
import warnings

import numpy as np
import optuna
from optuna.trial import TrialState

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore")

BRANIN_OPT = 0.397887357729738
H6_OPT = -3.32236801141551
H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
H6_A = np.array([
    [10, 3, 17, 3.5, 1.7, 8],
    [0.05, 10, 17, 0.1, 8, 14],
    [3, 3.5, 1.7, 10, 17, 8],
    [17, 8, 0.05, 10, 0.1, 14],
])
H6_P = 1e-4 * np.array([
    [1312, 1696, 5569, 124, 8283, 5886],
    [2329, 4135, 8307, 3736, 1004, 9991],
    [2348, 1451, 3522, 2883, 3047, 6650],
    [4047, 8828, 8732, 5743, 1091, 381],
])
COUNTING_BUDGETS = [9, 27, 81, 243, 729]
COUNTING_MAX = 729
CURVE_STEPS = 81
CURVE_NOISE = 0.01
ETA = 3


def branin(x):
    x1, x2 = x
    b = 5.1 / (4 * math.pi ** 2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def hartmann6(x):
    x = np.asarray(x, dtype=float)
    inner = (H6_A * (x - H6_P) ** 2).sum(axis=1)
    return float(-(H6_ALPHA * np.exp(-inner)).sum())


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (x[i] - 1) ** 2 for i in range(len(x) - 1))


FUNCTIONS = {
    "branin": (branin, [("x1", -5.0, 10.0), ("x2", 0.0, 15.0)], BRANIN_OPT),
    "hartmann6": (hartmann6, [(f"x{i}", 0.0, 1.0) for i in range(6)], H6_OPT),
    "rosenbrock4": (rosenbrock, [(f"x{i}", -5.0, 10.0) for i in range(4)], 0.0),
}


def make_sampler(name, seed):
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "tpe_mv":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=seed)
    if name == "cmaes_ipop":
        return optuna.samplers.CmaEsSampler(seed=seed, restart_strategy="ipop")
    raise ValueError(f"unknown sampler {name}")


def make_pruner(name, min_resource, max_resource):
    if name == "none":
        return optuna.pruners.NopPruner()
    if name == "median":
        return optuna.pruners.MedianPruner()
    if name == "sh":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=min_resource, reduction_factor=ETA)
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=min_resource, max_resource=max_resource, reduction_factor=ETA)
    raise ValueError(f"unknown pruner {name}")


def suggest(trial, space):
    return [trial.suggest_float(n, lo, hi) for n, lo, hi in space]


def run_function(fn_name, sampler, seed, n_trials, parallel):
    """Best-so-far regret after each of n_trials evaluations; `parallel` trials are pending at a time."""
    f, space, opt = FUNCTIONS[fn_name]
    study = optuna.create_study(direction="minimize", sampler=make_sampler(sampler, seed))
    pending = []
    best = math.inf
    regrets = []
    asked = 0
    while len(regrets) < n_trials:
        while len(pending) < parallel and asked < n_trials:
            t = study.ask()
            pending.append((t, suggest(t, space)))
            asked += 1
        t, x = pending.pop(0)
        v = f(x)
        study.tell(t, v)
        best = min(best, v)
        regrets.append(best - opt)
    return regrets


def run_counting_ones(sampler, pruner, seed, max_units):
    """Incumbent trace [(units, regret)] of Counting Ones; a trial reports at 9, 27, ..., 729 draws."""
    study = optuna.create_study(direction="minimize", sampler=make_sampler(sampler, seed),
                                pruner=make_pruner(pruner, COUNTING_BUDGETS[0], COUNTING_MAX))
    rng = np.random.default_rng(seed + 7919)
    units = 0.0
    best = math.inf
    regret = math.inf
    trace = []
    while units < max_units:
        t = study.ask()
        cats = [t.suggest_categorical(f"c{i}", [0, 1]) for i in range(8)]
        xs = np.array([t.suggest_float(f"x{i}", 0.0, 1.0) for i in range(8)])
        # Draws are shared between rungs: a trial that goes on keeps its earlier draws, so its cost is its last budget.
        draws = rng.random((COUNTING_MAX, 8)) < xs
        pruned = False
        value = None
        for b in COUNTING_BUDGETS:
            value = -(sum(cats) + draws[:b].mean(axis=0).sum())
            t.report(value, b)
            if b < COUNTING_MAX and t.should_prune():
                units += b / COUNTING_MAX
                study.tell(t, state=TrialState.PRUNED)
                pruned = True
                break
        if not pruned:
            units += 1.0
            study.tell(t, value)
            if value < best:
                best = value
                regret = 16 - (sum(cats) + xs.sum())
        trace.append((units, regret))
    return compact(trace)


def run_learning_curve(sampler, pruner, seed, max_units):
    """Incumbent trace [(units, regret)] of the synthetic learning curves; a trial reports every step."""
    study = optuna.create_study(direction="minimize", sampler=make_sampler(sampler, seed),
                                pruner=make_pruner(pruner, 1, CURVE_STEPS))
    rng = np.random.default_rng(seed + 7919)
    units = 0.0
    best = math.inf
    regret = math.inf
    trace = []
    while units < max_units:
        t = study.ask()
        x = suggest(t, FUNCTIONS["hartmann6"][1])
        r = hartmann6(x) - H6_OPT
        amp = 1 + 2 * x[0]
        tau = 3 + 25 * x[3]
        pruned = False
        value = None
        for step in range(1, CURVE_STEPS + 1):
            value = r + amp * math.exp(-step / tau) + CURVE_NOISE * rng.standard_normal()
            t.report(value, step)
            if step < CURVE_STEPS and t.should_prune():
                units += step / CURVE_STEPS
                study.tell(t, state=TrialState.PRUNED)
                pruned = True
                break
        if not pruned:
            units += 1.0
            study.tell(t, value)
            if value < best:
                best = value
                regret = r
        trace.append((units, regret))
    return compact(trace)


def compact(trace):
    """Keeps the points where the incumbent changes, and the last one (the total spent)."""
    out = []
    for i, (u, r) in enumerate(trace):
        if not out or r != out[-1][1] or i == len(trace) - 1:
            out.append([round(u, 6), r if math.isfinite(r) else None])
    return out


def run_overhead(sampler, n_trials, windows):
    """Mean ms per ask+tell (objective excluded) over each window [first, last] (1-based trial numbers)."""
    f, space, _ = FUNCTIONS["hartmann6"]
    study = optuna.create_study(direction="minimize", sampler=make_sampler(sampler, 0))
    times = []
    for _ in range(n_trials):
        t0 = time.perf_counter()
        t = study.ask()
        x = suggest(t, space)
        t1 = time.perf_counter()
        v = f(x)
        t2 = time.perf_counter()
        study.tell(t, v)
        t3 = time.perf_counter()
        times.append((t1 - t0 + t3 - t2) * 1000)
    return {f"{a}-{b}": float(np.mean(times[a - 1:b])) for a, b in windows if b <= n_trials}


def progress(msg, started):
    sys.stderr.write(f"optuna {msg}: {time.perf_counter() - started:.1f} s\n")
    sys.stderr.flush()


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    spec = json.loads(sys.argv[1])
    seeds = spec["seeds"]
    emit({"kind": "hello", "optuna": optuna.__version__})
    for case in spec.get("functions", []):
        for sampler in case["samplers"]:
            started = time.perf_counter()
            for seed in seeds:
                regrets = run_function(case["function"], sampler, seed, max(case["at"]), case["parallel"])
                emit({"kind": "function", "function": case["function"], "parallel": case["parallel"], "row": sampler,
                      "seed": seed, "at": {str(n): regrets[n - 1] for n in case["at"]}})
            progress(f"{sampler} {case['function']} parallel {case['parallel']}", started)
    # The CMA-ES comparison (its own section of docs/benchmarks.md): the same runs, their own kind.
    for case in spec.get("cmaes", []):
        for sampler in case["samplers"]:
            started = time.perf_counter()
            for seed in seeds:
                regrets = run_function(case["function"], sampler, seed, max(case["at"]), case["parallel"])
                emit({"kind": "cmaes", "function": case["function"], "parallel": case["parallel"], "row": sampler,
                      "seed": seed, "at": {str(n): regrets[n - 1] for n in case["at"]}})
            progress(f"{sampler} {case['function']} parallel {case['parallel']} (cmaes case)", started)
    for case in spec.get("cmaes_overhead", []):
        windows = [tuple(w) for w in case["windows"]]
        started = time.perf_counter()
        emit({"kind": "cmaes_overhead", "row": case["sampler"], "trials": case["trials"],
              "ms": run_overhead(case["sampler"], case["trials"], windows)})
        progress(f"{case['sampler']} overhead (cmaes case)", started)
    for case in spec.get("counting_ones", []):
        started = time.perf_counter()
        for seed in seeds:
            trace = run_counting_ones(case["sampler"], case["pruner"], seed, case["units"])
            emit({"kind": "counting_ones", "row": case["row"], "seed": seed, "trace": trace})
        progress(f"{case['row']} counting ones", started)
    for case in spec.get("learning_curve", []):
        started = time.perf_counter()
        for seed in seeds:
            trace = run_learning_curve(case["sampler"], case["pruner"], seed, case["units"])
            emit({"kind": "learning_curve", "row": case["row"], "seed": seed, "trace": trace})
        progress(f"{case['row']} learning curves", started)
    for case in spec.get("overhead", []):
        windows = [tuple(w) for w in case["windows"]]
        started = time.perf_counter()
        emit({"kind": "overhead", "row": case["sampler"], "trials": case["trials"],
              "ms": run_overhead(case["sampler"], case["trials"], windows)})
        progress(f"{case['sampler']} overhead", started)
    emit({"kind": "bye"})


if __name__ == "__main__":
    main()
