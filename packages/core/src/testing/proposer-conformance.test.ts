// The suite is only worth something if it catches broken proposers: each case below breaks one
// rule and checks that the simulated runner the suite uses notices.
import { describe, expect, it } from 'vitest';
import { RandomProposer, randomProposer } from '../proposers/random/random-proposer.js';
import { Rng } from '../rng.js';
import type { AskResult, Json, ParamSpec, Proposer, ProposerContext, ProposerDefinition } from '../types.js';
import { CONFORMANCE_SPACES, expectInSpace, mixedStatus, SimulatedRun } from './proposer-conformance.js';

const space = CONFORMANCE_SPACES.mixed!;
const ctx: ProposerContext = { space, target: 'min', nSamples: 12, seed: 4, options: {} };

/** A proposer that answers with the given function and otherwise behaves. */
function scripted(answer: (k: number) => AskResult): ProposerDefinition {
  return {
    name: 'scripted',
    create: () => {
      let k = 0;
      const p: Proposer = { ask: () => answer(k++), tell: () => undefined, snapshot: () => ({ k }) };
      return p;
    },
  };
}

describe('proposer conformance checks catch broken proposers', () => {
  it('a value outside the space', () => {
    const spec: ParamSpec = { name: 'k', type: 'int', range: [0, 3] };
    expect(() => expectInSpace([spec], { kind: 'trial', trialId: 0, params: { k: 4 } })).toThrow(/outside \[0, 3\]/);
    expect(() => expectInSpace([spec], { kind: 'trial', trialId: 0, params: { k: 1.5 } })).toThrow(/not an integer/);
    expect(() => expectInSpace([spec], { kind: 'trial', trialId: 0, params: { k: 1, extra: 2 } })).toThrow(
      /exactly the space's parameters/,
    );
    expect(() => expectInSpace([{ name: 'c', type: 'choice', range: ['a'] }], { kind: 'trial', trialId: 0, params: { c: 'b' } })).toThrow(
      /not one of/,
    );
  });

  it('trial ids that skip', () => {
    const def = scripted((k) => ({ kind: 'trial', trialId: 2 * k, params: { k: 0 } }));
    const run = new SimulatedRun(def, { ...ctx, space: [{ name: 'k', type: 'int', range: [0, 1] }] }, { nParallel: 3 });
    expect(() => run.runToEnd()).toThrow(/trial ids must be 0, 1, 2/);
  });

  it('"wait" with nothing outstanding', () => {
    const run = new SimulatedRun(
      scripted(() => ({ kind: 'wait' })),
      ctx,
    );
    expect(() => run.runToEnd()).toThrow(/"wait" with no trial outstanding/);
  });

  it('never answering "done"', () => {
    const def = scripted((k) => ({ kind: 'trial', trialId: k, params: {} }));
    const run = new SimulatedRun(def, { ...ctx, space: [] }, { stopAtNSamples: false });
    expect(() => run.runToEnd()).toThrow(/more than n_samples/);
  });

  it('a snapshot without the generator state: the restored run diverges', () => {
    const forgetful: ProposerDefinition = {
      name: 'forgetful',
      create: (c, snap) =>
        new RandomProposer(
          c,
          snap === undefined ? undefined : ({ ...(snap as Record<string, Json>), rng: new Rng(c.seed).state() } as Json),
        ),
    };
    const opts = { nParallel: 3, outOfOrder: true, status: mixedStatus };
    const reference = new SimulatedRun(forgetful, ctx, opts).runToEnd();
    const run = new SimulatedRun(forgetful, ctx, opts);
    for (let i = 0; i < 5; i++) run.step();
    run.restore();
    run.runToEnd();
    expect(run.events).not.toEqual(reference.events);

    // The real one does not diverge from the same cut.
    const good = new SimulatedRun(randomProposer, ctx, opts);
    for (let i = 0; i < 5; i++) good.step();
    good.restore();
    good.runToEnd();
    expect(good.events).toEqual(new SimulatedRun(randomProposer, ctx, opts).runToEnd().events);
  });

  it('a proposer that mutates its context', () => {
    const def: ProposerDefinition = {
      name: 'mutating',
      create: (c) => {
        (c.space as ParamSpec[]).pop();
        return randomProposer.create(c);
      },
    };
    // The suite freezes the context it passes; SimulatedRun gets it as given, so freeze here too.
    const frozen = Object.freeze({ ...ctx, space: Object.freeze([...space]) as ParamSpec[] });
    expect(() => new SimulatedRun(def, frozen)).toThrow(TypeError);
  });
});
