// Builds the widgets' browser bundle: one ES module that registers every element.
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { fileURLToPath } from 'node:url';

const widgets = fileURLToPath(new URL('./packages/widgets/', import.meta.url));

export default {
  input: `${widgets}dist/index.js`,
  output: { file: `${widgets}dist/aup-widgets.js`, format: 'es', sourcemap: true },
  plugins: [nodeResolve({ browser: true })],
};
