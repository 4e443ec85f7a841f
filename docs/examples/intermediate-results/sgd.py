"""Linear regression trained by mini-batch SGD with momentum, reporting a result after every epoch.

With ``"track_intermediate_results": true`` every ``print_result`` line is recorded as an
intermediate result (the series ``score``, one point per epoch) and the last one is the job's
final score, as in Auptimizer. The board draws the curves; early-stopping policies read them.
"""

import random
import sys

import aup

# The data is the same for every job (fixed seed): only the hyperparameters change the curves.
DATA_SEED = 11
N_FEATURES = 5
N_TRAIN = 200
N_VALIDATION = 100
NOISE = 0.1
EPOCHS = 20
BATCH_SIZE = 10


def make_data(n, true_w, rng):
    xs = [[rng.gauss(0.0, 1.0) for _ in range(N_FEATURES)] for _ in range(n)]
    ys = [sum(w * v for w, v in zip(true_w, x)) + NOISE * rng.gauss(0.0, 1.0) for x in xs]
    return list(zip(xs, ys))


def predict(w, x):
    return sum(wi * xi for wi, xi in zip(w, x))


def mse(w, data):
    return sum((predict(w, x) - y) ** 2 for x, y in data) / len(data)


def train(learning_rate, momentum):
    rng = random.Random(DATA_SEED)
    true_w = [rng.uniform(-2.0, 2.0) for _ in range(N_FEATURES)]
    train_set = make_data(N_TRAIN, true_w, rng)
    validation = make_data(N_VALIDATION, true_w, rng)
    w = [0.0] * N_FEATURES
    velocity = [0.0] * N_FEATURES
    for _epoch in range(EPOCHS):
        rng.shuffle(train_set)
        for start in range(0, N_TRAIN, BATCH_SIZE):
            batch = train_set[start:start + BATCH_SIZE]
            grad = [0.0] * N_FEATURES
            for x, y in batch:
                err = predict(w, x) - y
                for j in range(N_FEATURES):
                    grad[j] += err * x[j] / len(batch)
            for j in range(N_FEATURES):
                velocity[j] = momentum * velocity[j] - learning_rate * grad[j]
                w[j] += velocity[j]
        # One line per epoch: an intermediate result, and the last one is the final score.
        aup.print_result(mse(w, validation))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python3 sgd.py <job.json>", file=sys.stderr)
        sys.exit(1)
    config = aup.BasicConfig().load(sys.argv[1])
    train(float(config.learning_rate), float(config.momentum))
