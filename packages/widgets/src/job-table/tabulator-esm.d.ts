// The ES build of tabulator-tables, imported by path (see tabulator.ts), has the package's types.
declare module 'tabulator-tables/dist/js/tabulator_esm.js' {
  export * from 'tabulator-tables';
}
