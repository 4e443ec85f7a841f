import { storeConformance } from '../testing/store-conformance.js';
import { testDatabases } from '../../../../test/setup/databases.js';
import { openStore } from './open-store.js';
import type { Store } from './store-types.js';

// The conformance suite on every database aup supports: a SQLite file (with a second connection
// for the concurrent-writer tests), in-memory SQLite, and a real PostgreSQL.
for (const db of testDatabases({ memory: true })) {
  // Store.url hides the PostgreSQL password, so remember the real URL of each store we open.
  const urls = new WeakMap<Store, string>();
  const open = async (): Promise<Store> => {
    const url = await db.fresh();
    const store = await openStore(url);
    urls.set(store, url);
    return store;
  };
  const openSibling = db.kind === 'sqlite-memory' ? undefined : (first: Store) => openStore(urls.get(first));
  storeConformance(db.kind, open, { openSibling });
}
