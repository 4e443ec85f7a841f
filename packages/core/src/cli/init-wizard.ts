import { createInterface } from 'node:readline/promises';
import { validateConfig } from '../config/index.js';
import type { JsonObject } from '../types.js';

/**
 * Asks for an experiment's settings one question at a time (Auptimizer's `aup.init`) and returns
 * the config. Every answer has a default shown in brackets; an empty answer takes it. The result is
 * validated with the same schema as `aup validate` before it is returned.
 */
export async function initWizard(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, baseDir: string): Promise<JsonObject> {
  const rl = createInterface({ input, output, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  const ask = async (question: string, fallback: string): Promise<string> => {
    output.write(`${question} [${fallback}]: `);
    const next = await lines.next();
    if (next.done) return fallback;
    const answer = String(next.value).trim();
    return answer === '' ? fallback : answer;
  };
  const askNumber = async (question: string, fallback: number, integer: boolean): Promise<number> => {
    for (;;) {
      const a = await ask(question, String(fallback));
      const n = Number(a);
      if (Number.isFinite(n) && (!integer || Number.isInteger(n))) return n;
      output.write(`  expected ${integer ? 'an integer' : 'a number'}, found "${a}"\n`);
    }
  };
  try {
    const config: JsonObject = {};
    config.name = await ask('Experiment name', 'experiment');
    config.script = await ask('Script to run (with its arguments)', './train.py');
    config.proposer = await ask('Proposer (random, sequence, spearmint, hyperopt, hyperband, bohb, eas)', 'random');
    config.n_samples = await askNumber('Number of jobs (n_samples)', 10, true);
    config.n_parallel = await askNumber('Jobs run at once (n_parallel)', 1, true);
    config.target = await ask('Target: max or min', 'max');
    config.random_seed = await askNumber('Random seed', 0, true);
    config.resource = await ask('Resource (cpu, gpu, node, passive)', 'cpu');
    const params: JsonObject[] = [];
    const count = await askNumber('How many hyperparameters', 1, true);
    for (let i = 0; i < count; i++) {
      const name = await ask(`Parameter ${i + 1}: name`, `x${i + 1}`);
      const type = await ask(`Parameter ${name}: type (float, int, choice)`, 'float');
      if (type === 'choice') {
        const values = (await ask(`Parameter ${name}: choices, comma-separated`, 'a,b')).split(',').map((s) => s.trim());
        params.push({ name, type, range: values.map((v) => (v !== '' && Number.isFinite(Number(v)) ? Number(v) : v)) });
      } else {
        const lo = await askNumber(`Parameter ${name}: min`, 0, type === 'int');
        const hi = await askNumber(`Parameter ${name}: max`, 1, type === 'int');
        params.push({ name, type, range: [lo, hi] });
      }
    }
    config.parameter_config = params;
    const result = validateConfig(config, { baseDir, inProcess: true });
    if (!result.ok) {
      output.write('The answers do not make a valid config:\n');
      for (const p of result.problems) output.write(`  ${p.path}: ${p.message}\n`);
    }
    return config;
  } finally {
    rl.close();
  }
}
