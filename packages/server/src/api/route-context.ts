import type { Store } from '@aup/core';

/** Every API route lives under this prefix; a breaking change gets a new version, not a changed route. */
export const API_PREFIX = '/api/v1';

/** What a group of routes registered from its own file (`<area>-routes.ts`) needs from the server. */
export interface RouteContext {
  /** The store the API reads and writes (after an environment reset, the new one: see swappable-store.ts). */
  store: Store;
  /** True when the board serves no mutating route (`--read-only`). */
  readOnly: boolean;
  /** Folder relative paths of a validated config resolve against when the request names none. */
  configBaseDir: string;
}
