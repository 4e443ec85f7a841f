// Tabulator with only the modules the job table uses, loaded and registered on first use. Loaded,
// not imported: Tabulator's ES build creates DOM elements while its classes are defined (a row
// template in a static initializer), so a static import would make every module that reaches the
// job table throw `document is not defined` in Node (a server-side renderer, a test runner without
// a DOM). The package's `import` entry names a file its 6.5 release does not ship
// (dist/js/tabulator_esm.mjs), so the ES build is imported by its path; its types are the
// package's own (tabulator-esm.d.ts).
import type { Tabulator as TabulatorClass } from 'tabulator-tables/dist/js/tabulator_esm.js';

/** The Tabulator class, as loadTabulator() gives it. */
export type TabulatorConstructor = typeof TabulatorClass;
type Tabulator = TabulatorConstructor;

let loaded: Tabulator | undefined;
let loading: Promise<Tabulator> | undefined;

/** Tabulator once `loadTabulator()` has resolved, else undefined (a table is built on the next update). */
export function loadedTabulator(): Tabulator | undefined {
  return loaded;
}

/** Tabulator with the job table's modules registered; the first call loads it, later ones share that load. */
export function loadTabulator(): Promise<Tabulator> {
  loading ??= import('tabulator-tables/dist/js/tabulator_esm.js').then((m) => {
    m.Tabulator.registerModule([
      m.AccessorModule,
      m.AjaxModule,
      m.DownloadModule,
      m.ExportModule,
      m.FilterModule,
      m.FormatModule,
      m.GroupRowsModule,
      m.InteractionModule,
      m.PageModule,
      m.ResizeColumnsModule,
      m.SelectRowModule,
      m.SortModule,
    ]);
    loaded = m.Tabulator;
    return m.Tabulator;
  });
  return loading;
}
