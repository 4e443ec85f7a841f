#!/usr/bin/python3
"""Optuna side of test/bench/proposers/multi-objective.mjs.

Runs Optuna 3.1's NSGAIISampler and multi-objective TPESampler (MOTPE) on ZDT1, ZDT2 (2 objectives,
10-D) and DTLZ2 (3 objectives, 7-D), all minimised, and prints one JSON line per run: the objective
values of every trial in order (the Node side computes hypervolumes with the same code as aup's).
Usage: /usr/bin/python3 multi_objective_peer.py '{"problems":["zdt1"],"samplers":["nsga2"],"seeds":[0],"n":200}'
"""
import json
import math
import sys
import warnings

import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore")


def zdt(x, h):
    f1 = x[0]
    g = 1 + 9 * sum(x[1:]) / (len(x) - 1)
    return [f1, g * h(f1, g)]


def zdt1(x):
    return zdt(x, lambda f1, g: 1 - math.sqrt(f1 / g))


def zdt2(x):
    return zdt(x, lambda f1, g: 1 - (f1 / g) ** 2)


def dtlz2(x):
    g = sum((xi - 0.5) ** 2 for xi in x[2:])
    a = x[0] * math.pi / 2
    b = x[1] * math.pi / 2
    return [(1 + g) * math.cos(a) * math.cos(b), (1 + g) * math.cos(a) * math.sin(b), (1 + g) * math.sin(a)]


PROBLEMS = {"zdt1": (zdt1, 10, 2), "zdt2": (zdt2, 10, 2), "dtlz2": (dtlz2, 7, 3)}


def sampler(name, seed):
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed)
    if name == "motpe":
        return optuna.samplers.TPESampler(seed=seed)
    raise ValueError(name)


def main():
    spec = json.loads(sys.argv[1])
    for problem in spec["problems"]:
        fn, d, m = PROBLEMS[problem]
        for name in spec["samplers"]:
            for seed in spec["seeds"]:
                study = optuna.create_study(directions=["minimize"] * m, sampler=sampler(name, seed))
                values = []
                for _ in range(spec["n"]):
                    trial = study.ask()
                    x = [trial.suggest_float("x%d" % i, 0, 1) for i in range(d)]
                    v = fn(x)
                    study.tell(trial, v)
                    values.append(v)
                print(json.dumps({"problem": problem, "sampler": name, "seed": seed, "values": values}), flush=True)


if __name__ == "__main__":
    main()
