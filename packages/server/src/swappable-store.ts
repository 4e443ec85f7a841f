import type { Store } from '@aup/core';

/** A store whose backing store can be replaced while the server keeps its reference. */
export interface StoreHolder {
  /** Delegates every call to the current store; hand this one to createServer. */
  readonly store: Store;
  /** The store calls go to now. */
  current(): Store;
  /** Routes later calls to `next`; the caller closes the previous store. */
  swap(next: Store): void;
}

const holders = new WeakMap<Store, StoreHolder>();

/**
 * Wraps `initial` so that an environment reset can put a new store behind every route that
 * captured the old reference, without threading a getter through each of them.
 * @example
 * const holder = createStoreHolder(await openStore(url));
 * const app = createServer({ store: holder.store });
 */
export function createStoreHolder(initial: Store): StoreHolder {
  let current = initial;
  const store = new Proxy({} as Store, {
    get(_target, prop) {
      const value: unknown = Reflect.get(current, prop, current);
      // Bound to the real store: its methods use private fields a proxy receiver would not have.
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(current) : value;
    },
    has(_target, prop) {
      return prop in current;
    },
  });
  const holder: StoreHolder = {
    store,
    current: () => current,
    swap(next) {
      current = next;
    },
  };
  holders.set(store, holder);
  return holder;
}

/** The holder behind `store` when it came from createStoreHolder; undefined for a plain store. */
export function storeHolderOf(store: Store): StoreHolder | undefined {
  return holders.get(store);
}
