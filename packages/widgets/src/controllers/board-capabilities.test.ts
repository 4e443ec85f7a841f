import { describe, expect, it } from 'vitest';

import { capabilitiesFrom, isCrossOrigin, type CapabilityInputs } from './board-capabilities.js';
import { experimentActions } from '../experiment-list/experiment-actions.js';

const health = { ok: true, version: '0.1.0', read_only: false };
const base: CapabilityInputs = { readOnly: false, attached: false, health, crossOrigin: false, hasApi: true };

describe('capabilitiesFrom', () => {
  it('allows everything on a same-origin, writable board', () => {
    expect(capabilitiesFrom(base)).toEqual({ control: true, create: true, reason: '' });
  });

  it('keeps stop and delete but not creation on an attached board', () => {
    expect(capabilitiesFrom({ ...base, attached: true })).toEqual({ control: true, create: false, reason: '' });
  });

  it('shows no control until the board has said it is writable, nor on a read-only or cross-origin one', () => {
    expect(capabilitiesFrom({ ...base, health: undefined }).reason).toBe('unknown');
    expect(capabilitiesFrom({ ...base, health: { ...health, read_only: true } })).toEqual({
      control: false,
      create: false,
      reason: 'read-only',
    });
    expect(capabilitiesFrom({ ...base, readOnly: true }).control).toBe(false);
    expect(capabilitiesFrom({ ...base, crossOrigin: true }).reason).toBe('cross-origin');
    expect(capabilitiesFrom({ ...base, hasApi: false }).reason).toBe('no-api');
    expect(capabilitiesFrom({ ...base, tokenMissing: true }).reason).toBe('no-token');
  });
});

describe('isCrossOrigin', () => {
  it('compares the resolved origins', () => {
    expect(isCrossOrigin('/api/v1', 'http://127.0.0.1:8080/#/')).toBe(false);
    expect(isCrossOrigin('http://127.0.0.1:8080/api/v1', 'http://127.0.0.1:8080/x')).toBe(false);
    expect(isCrossOrigin('http://127.0.0.1:8080/api/v1', 'http://127.0.0.1:8000/live.html')).toBe(true);
  });
});

describe('experimentActions', () => {
  const all = capabilitiesFrom(base);
  const attached = capabilitiesFrom({ ...base, attached: true });
  it('offers the run action the API accepts in each state', () => {
    expect(experimentActions('created', all)).toEqual({ run: 'start', copy: true, delete: true });
    expect(experimentActions('running', all)).toEqual({ run: 'stop', copy: true, delete: false });
    expect(experimentActions('stopping', all)).toEqual({ run: null, copy: true, delete: false });
    expect(experimentActions('stopped', all).run).toBe('resume');
    expect(experimentActions('failed', all).run).toBe('resume');
    expect(experimentActions('finished', all).run).toBeNull();
  });
  it('offers no run action for an imported experiment, followed (running) or not', () => {
    expect(experimentActions('running', all, 'optuna')).toEqual({ run: null, copy: true, delete: false });
    expect(experimentActions('stopped', all, 'auptimizer')).toEqual({ run: null, copy: true, delete: true });
    expect(experimentActions('stopped', all, null).run).toBe('resume');
  });
  it('only stops and deletes on an attached board, and offers nothing read-only', () => {
    expect(experimentActions('created', attached)).toEqual({ run: null, copy: false, delete: true });
    expect(experimentActions('running', attached).run).toBe('stop');
    expect(experimentActions('running', capabilitiesFrom({ ...base, readOnly: true }))).toEqual({ run: null, copy: false, delete: false });
  });
});
