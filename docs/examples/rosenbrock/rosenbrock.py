"""Rosenbrock's banana function as an aup job, written exactly as an Auptimizer script.

aup runs it as ``python3 rosenbrock.py <job.json>``: the job file holds the proposed ``x`` and
``y``. The minimum is 0 at x = y = 1, inside a long curved valley that makes the function a
classic test of optimisers.
"""

import sys

import aup


def rosenbrock(x, y, a=1.0, b=100.0):
    return (a - x) ** 2 + b * (y - x * x) ** 2


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python3 rosenbrock.py <job.json>", file=sys.stderr)
        sys.exit(1)
    config = aup.BasicConfig().load(sys.argv[1])
    aup.print_result(rosenbrock(config.x, config.y))
