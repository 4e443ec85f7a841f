// Tabulator with only the modules the job table uses, registered once on first use (importing
// this file has no side effect). The package's `import` entry names a file its 6.5 release does not
// ship (dist/js/tabulator_esm.mjs), so the ES build is imported by its path; its types are the
// package's own (tabulator-esm.d.ts).
import {
  AccessorModule,
  AjaxModule,
  DownloadModule,
  ExportModule,
  FilterModule,
  FormatModule,
  GroupRowsModule,
  InteractionModule,
  PageModule,
  ResizeColumnsModule,
  SelectRowModule,
  SortModule,
  Tabulator,
} from 'tabulator-tables/dist/js/tabulator_esm.js';

let registered = false;

/** Tabulator, with the modules of the job table registered. */
export function tabulator(): typeof Tabulator {
  if (!registered) {
    Tabulator.registerModule([
      AccessorModule,
      AjaxModule,
      DownloadModule,
      ExportModule,
      FilterModule,
      FormatModule,
      GroupRowsModule,
      InteractionModule,
      PageModule,
      ResizeColumnsModule,
      SelectRowModule,
      SortModule,
    ]);
    registered = true;
  }
  return Tabulator;
}
