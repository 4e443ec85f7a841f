/** Checks shared by proposers: context settings, tells, and reading back their own snapshots. */
import { AupError } from '../errors.js';
import type { Json, Outcome, ProposerContext } from '../types.js';

/** Throws AUP_ERR_PROPOSER_CONFIG unless `n_samples` is an integer >= 0. */
export function checkNSamples(proposer: string, ctx: ProposerContext): void {
  if (!Number.isSafeInteger(ctx.nSamples) || ctx.nSamples < 0) {
    throw new AupError(
      'AUP_ERR_PROPOSER_CONFIG',
      `n_samples: the ${proposer} proposer needs an integer >= 0, found ${JSON.stringify(ctx.nSamples)}`,
      {
        details: { path: 'n_samples', found: ctx.nSamples },
      },
    );
  }
}

/** Throws AUP_ERR_PROPOSER_CONFIG unless `random_seed` is a safe integer. */
export function checkSeed(proposer: string, ctx: ProposerContext): void {
  if (!Number.isSafeInteger(ctx.seed)) {
    throw new AupError(
      'AUP_ERR_PROPOSER_CONFIG',
      `random_seed: the ${proposer} proposer needs an integer, found ${JSON.stringify(ctx.seed)}`,
      {
        details: { path: 'random_seed', found: ctx.seed },
      },
    );
  }
}

/** Counts of the outcomes told so far, kept in snapshots for the record. */
export type ToldCounts = { finished: number; failed: number; early_stopped: number };

/** Validates a tell against the trials asked so far; a tell for a trial never asked is a runner fault. */
export function checkTell(proposer: string, outcome: Outcome, asked: number): void {
  if (!Number.isSafeInteger(outcome.trialId) || outcome.trialId < 0 || outcome.trialId >= asked) {
    throw new AupError(
      'AUP_ERR_INTERNAL',
      `${proposer} proposer: told about trial ${JSON.stringify(outcome.trialId)}, but only trials 0..${asked - 1} were asked`,
      {
        details: { trialId: outcome.trialId, asked },
      },
    );
  }
  if (outcome.status !== 'finished' && outcome.status !== 'failed' && outcome.status !== 'early_stopped') {
    throw new AupError(
      'AUP_ERR_INTERNAL',
      `${proposer} proposer: unknown outcome status ${JSON.stringify(outcome.status)} for trial ${outcome.trialId}`,
    );
  }
}

/** Reads a snapshot field by field, naming the first one that is wrong in an AUP_ERR_PROPOSER_STATE error. */
export class SnapshotReader {
  private readonly obj: { [key: string]: Json };

  /** Starts reading; checks the snapshot is an object written by `proposer` with format `version`. */
  constructor(
    private readonly proposer: string,
    snapshot: Json,
    version: number,
  ) {
    if (typeof snapshot !== 'object' || snapshot === null || Array.isArray(snapshot)) {
      throw this.fail('', 'an object', snapshot);
    }
    this.obj = snapshot;
    if (this.obj.proposer !== proposer) throw this.fail('proposer', JSON.stringify(proposer), this.obj.proposer);
    if (this.obj.v !== version) throw this.fail('v', `format version ${version}`, this.obj.v);
  }

  /** A non-negative safe integer field. */
  count(key: string): number {
    const x = this.obj[key];
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) throw this.fail(key, 'an integer >= 0', x);
    return x;
  }

  /** The told-outcome counters. */
  told(key = 'told'): ToldCounts {
    const x = this.obj[key];
    if (typeof x !== 'object' || x === null || Array.isArray(x)) throw this.fail(key, 'an object of counts', x);
    const get = (status: keyof ToldCounts): number => {
      const n = x[status];
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw this.fail(`${key}.${status}`, 'an integer >= 0', n);
      return n;
    };
    return { finished: get('finished'), failed: get('failed'), early_stopped: get('early_stopped') };
  }

  /** A field as stored, for the caller to check (e.g. an Rng state). */
  raw(key: string): Json | undefined {
    return this.obj[key];
  }

  /** The error for a field that is not what `expected` says. */
  fail(key: string, expected: string, found: Json | undefined): AupError {
    const where = key === '' ? 'the snapshot' : `snapshot field "${key}"`;
    return new AupError(
      'AUP_ERR_PROPOSER_STATE',
      `${this.proposer} proposer: cannot restore from the stored state: ${where} should be ${expected}, found ${JSON.stringify(found) ?? 'nothing'}`,
      { details: { proposer: this.proposer, field: key, expected, found } },
    );
  }
}
