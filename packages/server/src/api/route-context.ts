import type { Store } from '@aup/core';

/** What a group of routes registered from its own file (`<area>-routes.ts`) needs from the server. */
export interface RouteContext {
  /** The store the API reads and writes (after an environment reset, the new one: see swappable-store.ts). */
  store: Store;
  /** True when the board serves no mutating route (`--read-only`). */
  readOnly: boolean;
  /** Folder relative paths of a validated config resolve against when the request names none. */
  configBaseDir: string;
}
