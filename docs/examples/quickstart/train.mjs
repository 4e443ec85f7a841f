/**
 * Quickstart: a small logistic regression trained by full-batch gradient descent on a generated
 * two-moons dataset. aup tunes `learning_rate`, `epochs` and `l2`; the score is the accuracy on a
 * held-out validation set. The training loss and validation accuracy of every epoch are recorded
 * as scalars, so the board can draw learning curves.
 *
 * Run by aup as `node train.mjs <job.json>`; runs alone too: `node train.mjs job.json` with a file
 * like {"learning_rate": 3, "epochs": 100, "l2": 0.001}.
 */
import { addScalar, getParams, printResult } from '@aup/logger';

// The data is the same for every job (fixed seed): only the hyperparameters change the score.
const DATA_SEED = 42;
const N_TRAIN = 300;
const N_VALIDATION = 200;
// Gaussian noise added to the moons; 0.25 makes them overlap a little, so accuracy tops out near 0.95.
const NOISE = 0.25;

/** A small seeded generator (mulberry32): the dataset is reproducible without dependencies. */
function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random) {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Two interleaved half circles; a linear model needs the cubic features below to separate them. */
function twoMoons(n, random) {
  const xs = [];
  const labels = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const t = Math.PI * random();
    const x = (label === 0 ? Math.cos(t) : 1 - Math.cos(t)) + NOISE * gaussian(random);
    const y = (label === 0 ? Math.sin(t) : 0.5 - Math.sin(t)) + NOISE * gaussian(random);
    xs.push([x, y, x * x, x * y, y * y, x * x * x, y * y * y]);
    labels.push(label);
  }
  return { xs, labels };
}

/** Scales every feature to mean 0 and variance 1 using the training set's statistics. */
function standardize(train, ...others) {
  const d = train.xs[0].length;
  const mean = new Array(d).fill(0);
  const sd = new Array(d).fill(0);
  for (const row of train.xs) row.forEach((v, j) => (mean[j] += v / train.xs.length));
  for (const row of train.xs) row.forEach((v, j) => (sd[j] += (v - mean[j]) ** 2 / train.xs.length));
  for (const set of [train, ...others]) {
    set.xs = set.xs.map((row) => row.map((v, j) => (v - mean[j]) / Math.sqrt(sd[j] || 1)));
  }
}

const sigmoid = (z) => 1 / (1 + Math.exp(-z));
const dot = (w, x) => x.reduce((s, v, j) => s + v * w[j + 1], w[0]);

/** Mean log-loss, computed stably for large |z|. */
function logLoss(w, data) {
  let sum = 0;
  data.xs.forEach((x, i) => {
    const z = dot(w, x);
    const signed = data.labels[i] === 1 ? -z : z;
    sum += Math.max(signed, 0) + Math.log1p(Math.exp(-Math.abs(signed)));
  });
  return sum / data.xs.length;
}

function accuracy(w, data) {
  let right = 0;
  data.xs.forEach((x, i) => (right += (dot(w, x) > 0 ? 1 : 0) === data.labels[i] ? 1 : 0));
  return right / data.xs.length;
}

const params = getParams();
const learningRate = Number(params.learning_rate);
const epochs = Number(params.epochs);
const l2 = Number(params.l2);

const random = seededRandom(DATA_SEED);
const train = twoMoons(N_TRAIN, random);
const validation = twoMoons(N_VALIDATION, random);
standardize(train, validation);

// w[0] is the bias; the L2 penalty leaves it alone.
const w = new Array(train.xs[0].length + 1).fill(0);
let valAccuracy = 0;
for (let epoch = 0; epoch < epochs; epoch++) {
  const grad = new Array(w.length).fill(0);
  train.xs.forEach((x, i) => {
    const err = sigmoid(dot(w, x)) - train.labels[i];
    grad[0] += err / N_TRAIN;
    x.forEach((v, j) => (grad[j + 1] += (err * v) / N_TRAIN));
  });
  for (let j = 0; j < w.length; j++) w[j] -= learningRate * (grad[j] + (j === 0 ? 0 : l2 * w[j]));
  valAccuracy = accuracy(w, validation);
  addScalar('loss', logLoss(w, train), epoch);
  addScalar('val_accuracy', valAccuracy, epoch);
}

printResult(valAccuracy, { train_accuracy: accuracy(w, train) });
