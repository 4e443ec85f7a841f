"""Polynomial ridge regression that reports three numbers per job (Auptimizer's multi_res_labels).

The function decorated with ``@aup_args`` receives ``degree`` and ``alpha`` from the job file and
returns ``[validation_mse, train_mse, weight_norm]``: the first value is the score aup optimises,
the others are recorded under the names listed in ``resource_args.multi_res_labels``.
A high degree with a tiny ``alpha`` fits the training points well and the validation points badly;
the two extra results show that trade-off next to the score.
"""

import math
import random
import sys

from aup import aup_args

# The data is the same for every job (fixed seed): only the hyperparameters change the score.
DATA_SEED = 3
N_TRAIN = 30
N_VALIDATION = 60
NOISE = 0.15


def make_data(n, rng):
    xs = [rng.uniform(-1.0, 1.0) for _ in range(n)]
    ys = [math.sin(3.0 * x) + NOISE * rng.gauss(0.0, 1.0) for x in xs]
    return xs, ys


def solve(a, b):
    """Solves a x = b by Gaussian elimination with partial pivoting (a is small and dense)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            f = m[r][col] / m[col][col]
            for c in range(col, n + 1):
                m[r][c] -= f * m[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))) / m[r][r]
    return x


def fit_ridge(xs, ys, degree, alpha):
    """Least squares with an L2 penalty on every coefficient but the constant one."""
    rows = [[x ** k for k in range(degree + 1)] for x in xs]
    d = degree + 1
    a = [[sum(r[i] * r[j] for r in rows) + (alpha if i == j and i > 0 else 0.0) for j in range(d)] for i in range(d)]
    b = [sum(r[i] * y for r, y in zip(rows, ys)) for i in range(d)]
    return solve(a, b)


def mse(w, xs, ys):
    return sum((sum(c * x ** k for k, c in enumerate(w)) - y) ** 2 for x, y in zip(xs, ys)) / len(xs)


@aup_args
def fit_poly(degree, alpha):
    rng = random.Random(DATA_SEED)
    train = make_data(N_TRAIN, rng)
    validation = make_data(N_VALIDATION, rng)
    w = fit_ridge(*train, int(degree), float(alpha))
    weight_norm = math.sqrt(sum(c * c for c in w[1:]))
    return [mse(w, *validation), mse(w, *train), weight_norm]


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python3 fit_poly.py <job.json>", file=sys.stderr)
        sys.exit(1)
    fit_poly(sys.argv[1])
