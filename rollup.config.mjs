// Builds the widgets' browser bundle: one ES module that registers every element.
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { fileURLToPath } from 'node:url';

const widgets = fileURLToPath(new URL('./packages/widgets/', import.meta.url));

export default {
  input: `${widgets}dist/index.js`,
  // One file a page loads with one <script>: the job table's lazily loaded Tabulator goes inside it.
  output: { file: `${widgets}dist/aup-widgets.js`, format: 'es', sourcemap: true, inlineDynamicImports: true },
  plugins: [nodeResolve({ browser: true })],
};
