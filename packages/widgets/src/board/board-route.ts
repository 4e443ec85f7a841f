// The board's routes live in the URL hash (`#/experiments/3/hig`), so reload, back and forward
// work and a view can be linked; these pure functions read and write them.

/** The pages of one experiment. */
export type ExperimentPage = 'overview' | 'config' | 'jobs' | 'hig' | 'intermediate';

/** A board route. */
export type BoardRoute =
  | { name: 'list' }
  | { name: 'experiment'; id: number; page: ExperimentPage; job?: number }
  | { name: 'compare'; ids: number[] }
  | { name: 'create' }
  | { name: 'environment' }
  | { name: 'not-found'; hash: string };

const PAGES: readonly ExperimentPage[] = ['overview', 'config', 'jobs', 'hig', 'intermediate'];
const ID = /^[1-9]\d{0,15}$/;

/**
 * Reads a location hash (`#/experiments/3/jobs/17`, with or without `#`); an empty hash is the list.
 * @example parseRoute('#/experiments/3/hig') // { name: 'experiment', id: 3, page: 'hig' }
 */
export function parseRoute(hash: string): BoardRoute {
  const path = hash.replace(/^#/, '').replace(/^\/+|\/+$/g, '');
  const parts = path === '' ? [] : path.split('/').map((p) => decodeURIComponent(p));
  const [head, a, b, c, ...rest] = parts;
  const notFound: BoardRoute = { name: 'not-found', hash };
  if (head === undefined || (head === 'experiments' && a === undefined)) return { name: 'list' };
  if (rest.length > 0) return notFound;
  switch (head) {
    case 'experiments': {
      if (!ID.test(a!)) return notFound;
      const id = Number(a);
      const page = (b ?? 'overview') as ExperimentPage;
      if (!PAGES.includes(page)) return notFound;
      if (c !== undefined) {
        if (page !== 'jobs' || !ID.test(c)) return notFound;
        return { name: 'experiment', id, page, job: Number(c) };
      }
      return { name: 'experiment', id, page };
    }
    case 'compare': {
      if (b !== undefined) return notFound;
      if (a === undefined || a === '') return { name: 'compare', ids: [] };
      const ids = a.split(',');
      if (!ids.every((x) => ID.test(x))) return notFound;
      return { name: 'compare', ids: [...new Set(ids.map(Number))] };
    }
    case 'create':
    case 'environment':
      return a === undefined ? { name: head } : notFound;
    default:
      return notFound;
  }
}

/**
 * The hash of a route (the inverse of `parseRoute`).
 * @example routeHash({ name: 'compare', ids: [1, 2] }) // '#/compare/1,2'
 */
export function routeHash(route: BoardRoute): string {
  switch (route.name) {
    case 'list':
      return '#/';
    case 'experiment':
      return `#/experiments/${route.id}${route.page === 'overview' ? '' : `/${route.page}`}${route.job === undefined ? '' : `/${route.job}`}`;
    case 'compare':
      return `#/compare${route.ids.length === 0 ? '' : `/${route.ids.join(',')}`}`;
    case 'create':
      return '#/create';
    case 'environment':
      return '#/environment';
    case 'not-found':
      return route.hash;
  }
}

/** The title of a route, for the document title and the heading. */
export function routeTitle(route: BoardRoute, experimentName?: string): string {
  const exp = (id: number): string => (experimentName ? `${experimentName} (#${id})` : `experiment ${id}`);
  switch (route.name) {
    case 'list':
      return 'Experiments';
    case 'experiment':
      return `${{ overview: 'Overview', config: 'Config', jobs: 'Job status', hig: 'Hyperparameter interactions', intermediate: 'Intermediate results' }[route.page]} · ${exp(route.id)}`;
    case 'compare':
      return 'Compare experiments';
    case 'create':
      return 'Create an experiment';
    case 'environment':
      return 'Reset the environment';
    case 'not-found':
      return 'Not found';
  }
}

/** The auto-refresh indicator's state, from the LiveController's mode. */
export type LiveIndicator = 'live' | 'polling' | 'connecting' | 'offline';

/**
 * What the indicator shows: `live` over the event stream, `polling` on the fallback, `connecting`
 * before the first connection, `offline` once a connection was lost (the browser is retrying).
 */
export function liveIndicator(mode: 'off' | 'connecting' | 'stream' | 'polling', everConnected: boolean): LiveIndicator {
  switch (mode) {
    case 'stream':
      return 'live';
    case 'polling':
      return 'polling';
    case 'connecting':
      return everConnected ? 'offline' : 'connecting';
    case 'off':
      return 'offline';
  }
}
