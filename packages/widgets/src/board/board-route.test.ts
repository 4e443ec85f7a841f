import { describe, expect, it } from 'vitest';

import { liveIndicator, parseRoute, routeHash, routeTitle, type BoardRoute } from './board-route.js';

describe('parseRoute', () => {
  it('reads every route the board has', () => {
    expect(parseRoute('')).toEqual({ name: 'list' });
    expect(parseRoute('#/')).toEqual({ name: 'list' });
    expect(parseRoute('#/experiments')).toEqual({ name: 'list' });
    expect(parseRoute('#/experiments/3')).toEqual({ name: 'experiment', id: 3, page: 'overview' });
    expect(parseRoute('#/experiments/3/config')).toEqual({ name: 'experiment', id: 3, page: 'config' });
    expect(parseRoute('#/experiments/3/jobs')).toEqual({ name: 'experiment', id: 3, page: 'jobs' });
    expect(parseRoute('#/experiments/3/jobs/17')).toEqual({ name: 'experiment', id: 3, page: 'jobs', job: 17 });
    expect(parseRoute('#/experiments/3/hig/')).toEqual({ name: 'experiment', id: 3, page: 'hig' });
    expect(parseRoute('#/experiments/3/intermediate')).toEqual({ name: 'experiment', id: 3, page: 'intermediate' });
    expect(parseRoute('#/compare')).toEqual({ name: 'compare', ids: [] });
    expect(parseRoute('#/compare/2,1,2')).toEqual({ name: 'compare', ids: [2, 1] });
    expect(parseRoute('#/create')).toEqual({ name: 'create' });
    expect(parseRoute('#/environment')).toEqual({ name: 'environment' });
  });

  it('calls anything else not found, keeping the hash', () => {
    for (const h of [
      '#/nope',
      '#/experiments/0',
      '#/experiments/x/jobs',
      '#/experiments/3/chart',
      '#/experiments/3/hig/4',
      '#/compare/1,a',
      '#/create/x',
      '#/experiments/3/jobs/4/5',
    ]) {
      expect(parseRoute(h)).toEqual({ name: 'not-found', hash: h });
    }
  });
});

describe('routeHash', () => {
  it('is the inverse of parseRoute', () => {
    const routes: BoardRoute[] = [
      { name: 'list' },
      { name: 'experiment', id: 3, page: 'overview' },
      { name: 'experiment', id: 3, page: 'config' },
      { name: 'experiment', id: 12, page: 'jobs', job: 40 },
      { name: 'experiment', id: 12, page: 'hig' },
      { name: 'experiment', id: 12, page: 'intermediate' },
      { name: 'compare', ids: [] },
      { name: 'compare', ids: [4, 5] },
      { name: 'create' },
      { name: 'environment' },
    ];
    for (const r of routes) expect(parseRoute(routeHash(r))).toEqual(r);
  });
});

describe('routeTitle', () => {
  it('names the page and the experiment', () => {
    expect(routeTitle({ name: 'experiment', id: 3, page: 'jobs' }, 'mnist')).toBe('Job status · mnist (#3)');
    expect(routeTitle({ name: 'experiment', id: 3, page: 'hig' })).toBe('Hyperparameter interactions · experiment 3');
  });
});

describe('liveIndicator', () => {
  it('maps the controller modes', () => {
    expect(liveIndicator('stream', true)).toBe('live');
    expect(liveIndicator('polling', true)).toBe('polling');
    expect(liveIndicator('connecting', false)).toBe('connecting');
    expect(liveIndicator('connecting', true)).toBe('offline');
  });
});

describe('initialTheme', () => {
  it('prefers the stored choice, then the system', async () => {
    const { initialTheme } = await import('./theme-preference.js');
    expect(initialTheme('dark', false)).toBe('dark');
    expect(initialTheme('light', true)).toBe('light');
    expect(initialTheme(null, true)).toBe('dark');
    expect(initialTheme('purple', false)).toBe('light');
  });
});
