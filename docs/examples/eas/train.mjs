/**
 * EAS example: a small ReLU network (MLP) trained by mini-batch SGD on a generated two-spirals
 * dataset. The `eas` proposer chooses the network: the job's `architecture` lists the hidden layers
 * (`{ "layers": [{ "type": "dense", "units": 8 }, ...] }`). A child of an earlier trial also gets
 * `parent_trial` and `transformation`; it then starts from the parent's saved weights, widened or
 * deepened so that the network computes the same function as the parent (Net2Net), and trains on.
 * Weights are saved to `aup_models/eas/trial-<trial_id>.json`. The score is validation accuracy.
 *
 * Run by aup as `node train.mjs <job.json>`; runs alone too, with a file like
 * {"architecture": {"layers": [{"units": 8}]}, "trial_id": 0}.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { addScalar, getParams, printResult } from '@aup/logger';

// The data is the same for every job (fixed seed): only the network changes the score.
const DATA_SEED = 42;
const N_TRAIN = 400;
const N_VALIDATION = 300;
const CLASSES = 2;
/** Turns of each spiral arm: 1.25 needs a few dozen ReLU units to separate well. */
const TURNS = 1.25;
const NOISE = 0.08;
// Training per job: few epochs, so a child gains from the epochs its parent already trained.
const EPOCHS = 25;
const BATCH = 16;
const LEARNING_RATE = 0.05;
const MOMENTUM = 0.9;
/** Relative size of the noise added to copied weights so the new units do not stay identical (Net2Net). */
const NET2NET_NOISE = 1e-2;
const WEIGHTS_DIR = join('aup_models', 'eas');

/** A small seeded generator (mulberry32): reproducible data and initial weights without dependencies. */
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

/** Two interleaved spiral arms, one per class. */
function twoSpirals(n, random) {
  const xs = [];
  const labels = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const t = random();
    const angle = 2 * Math.PI * TURNS * t + label * Math.PI;
    const r = 0.15 + t;
    xs.push([r * Math.cos(angle) + NOISE * gaussian(random), r * Math.sin(angle) + NOISE * gaussian(random)]);
    labels.push(label);
  }
  return { xs, labels };
}

/** A layer: weights `w[i][j]` from input i to unit j, and biases `b[j]`. */
function freshLayer(nIn, nOut, random) {
  const sd = Math.sqrt(2 / nIn); // He initialisation for ReLU
  return { w: Array.from({ length: nIn }, () => Array.from({ length: nOut }, () => sd * gaussian(random))), b: new Array(nOut).fill(0) };
}

function freshNetwork(widths, random) {
  return widths.slice(1).map((nOut, k) => freshLayer(widths[k], nOut, random));
}

/** Net2Wider: units `from..to-1` of hidden layer `layer` copy random existing units; the next layer's outgoing weights are split among the copies. */
function widen(net, layer, to, random) {
  const into = net[layer];
  const next = net[layer + 1];
  const from = into.b.length;
  const source = Array.from({ length: to }, (_, j) => (j < from ? j : Math.floor(random() * from)));
  const copies = new Array(from).fill(0);
  for (const s of source) copies[s]++;
  const jitter = (v) => v * (1 + NET2NET_NOISE * gaussian(random));
  into.w = into.w.map((row) => source.map((s, j) => (j < from ? row[s] : jitter(row[s]))));
  into.b = source.map((s) => into.b[s]);
  next.w = source.map((s) => next.w[s].map((v) => v / copies[s]));
}

/** Net2Deeper: a new layer after hidden layer `after`, the identity plus a little noise (exact for ReLU, whose outputs are >= 0). */
function deepen(net, after, units, random) {
  const w = Array.from({ length: units }, (_, i) =>
    Array.from({ length: units }, (_, j) => (i === j ? 1 : 0) + (NET2NET_NOISE * gaussian(random)) / units),
  );
  net.splice(after + 1, 0, { w, b: new Array(units).fill(0) });
}

/** The parent's weights transformed into this job's architecture, or fresh ones when there is no parent to start from. */
function initialWeights(job, widths, random) {
  const parentFile =
    job.parent_trial === null || job.parent_trial === undefined ? undefined : join(WEIGHTS_DIR, `trial-${job.parent_trial}.json`);
  if (parentFile === undefined || !existsSync(parentFile)) return { net: freshNetwork(widths, random), inherited: false };
  const net = JSON.parse(readFileSync(parentFile, 'utf8'));
  const tr = job.transformation;
  if (tr?.kind === 'wider') widen(net, tr.layer, tr.to, random);
  else if (tr?.kind === 'deeper') deepen(net, tr.after, tr.units, random);
  const shape = [net[0].w.length, ...net.map((l) => l.b.length)];
  if (shape.join() !== widths.join())
    throw new Error(`parent weights have shape ${shape.join('-')}, architecture needs ${widths.join('-')}`);
  return { net, inherited: true };
}

/** Activations of every layer for input x (ReLU on hidden layers, raw logits on the last). */
function forward(net, x) {
  const acts = [x];
  net.forEach((layer, k) => {
    const input = acts[k];
    const out = layer.b.slice();
    for (let i = 0; i < input.length; i++) {
      const xi = input[i];
      if (xi === 0) continue;
      const row = layer.w[i];
      for (let j = 0; j < out.length; j++) out[j] += xi * row[j];
    }
    acts.push(k < net.length - 1 ? out.map((v) => (v > 0 ? v : 0)) : out);
  });
  return acts;
}

function softmax(z) {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

function accuracy(net, data) {
  let right = 0;
  data.xs.forEach((x, i) => {
    const out = forward(net, x).at(-1);
    right += out.indexOf(Math.max(...out)) === data.labels[i] ? 1 : 0;
  });
  return right / data.xs.length;
}

/** One epoch of mini-batch SGD with momentum on the cross-entropy; returns the mean training loss. */
function trainEpoch(net, velocity, data, random) {
  const order = data.xs.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  let loss = 0;
  for (let start = 0; start < order.length; start += BATCH) {
    const batch = order.slice(start, start + BATCH);
    const grads = net.map((l) => ({ w: l.w.map((row) => row.map(() => 0)), b: l.b.map(() => 0) }));
    for (const n of batch) {
      const acts = forward(net, data.xs[n]);
      const p = softmax(acts.at(-1));
      loss -= Math.log(Math.max(p[data.labels[n]], 1e-12));
      let delta = p.map((v, c) => v - (c === data.labels[n] ? 1 : 0));
      for (let k = net.length - 1; k >= 0; k--) {
        const input = acts[k];
        for (let i = 0; i < input.length; i++) for (let j = 0; j < delta.length; j++) grads[k].w[i][j] += input[i] * delta[j];
        for (let j = 0; j < delta.length; j++) grads[k].b[j] += delta[j];
        if (k > 0) delta = input.map((a, i) => (a > 0 ? net[k].w[i].reduce((s, w, j) => s + w * delta[j], 0) : 0));
      }
    }
    net.forEach((layer, k) => {
      const step = LEARNING_RATE / batch.length;
      layer.w.forEach((row, i) =>
        row.forEach((_, j) => {
          velocity[k].w[i][j] = MOMENTUM * velocity[k].w[i][j] - step * grads[k].w[i][j];
          row[j] += velocity[k].w[i][j];
        }),
      );
      layer.b.forEach((_, j) => {
        velocity[k].b[j] = MOMENTUM * velocity[k].b[j] - step * grads[k].b[j];
        layer.b[j] += velocity[k].b[j];
      });
    });
  }
  return loss / order.length;
}

const job = getParams();
const trialId = Number(job.trial_id ?? 0);
const hidden = (job.architecture?.layers ?? [{ units: 8 }]).map((l) => Number(l.units));
const widths = [2, ...hidden, CLASSES];

const dataRandom = seededRandom(DATA_SEED);
const train = twoSpirals(N_TRAIN, dataRandom);
const validation = twoSpirals(N_VALIDATION, dataRandom);

// Each trial has its own stream for initial weights, Net2Net noise and batch order: reruns repeat exactly.
const random = seededRandom(1000 + trialId);
const { net, inherited } = initialWeights(job, widths, random);
const startAccuracy = accuracy(net, validation);
const velocity = net.map((l) => ({ w: l.w.map((row) => row.map(() => 0)), b: l.b.map(() => 0) }));
let valAccuracy = startAccuracy;
for (let epoch = 0; epoch < EPOCHS; epoch++) {
  addScalar('loss', trainEpoch(net, velocity, train, random), epoch);
  valAccuracy = accuracy(net, validation);
  addScalar('val_accuracy', valAccuracy, epoch);
}

mkdirSync(WEIGHTS_DIR, { recursive: true });
writeFileSync(join(WEIGHTS_DIR, `trial-${trialId}.json`), JSON.stringify(net));
const parameters = net.reduce((s, l) => s + l.w.length * l.b.length + l.b.length, 0);
printResult(valAccuracy, { start_accuracy: startAccuracy, inherited: inherited ? 1 : 0, parameters, depth: hidden.length });
