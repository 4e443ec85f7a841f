// Builds the widgets' browser bundle: one ES module that registers every element. No source map:
// the bundle is unminified (it reads as it runs in the browser's debugger), the element modules
// ship beside it in dist/ with their own maps, and its map was 7.5 MB of a 12 MB package
// (docs/decisions/0020-publishable-packages.md).
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { nodeResolve } from '@rollup/plugin-node-resolve';

const widgets = fileURLToPath(new URL('./packages/widgets/', import.meta.url));
// A map left by an older build would be published beside a bundle it does not describe.
rmSync(`${widgets}dist/aup-widgets.js.map`, { force: true });

export default {
  input: `${widgets}dist/index.js`,
  // One file a page loads with one <script>: the job table's lazily loaded Tabulator goes inside it.
  output: { file: `${widgets}dist/aup-widgets.js`, format: 'es', sourcemap: false, inlineDynamicImports: true },
  plugins: [nodeResolve({ browser: true })],
};
