// Bundles the `aup` CLI (dist/cli/main.js and everything it imports from @aup/core, @aup/logger,
// Kysely and TypeBox) into dist/cli-bundle/, so a command loads a handful of files instead of
// several hundred ESM modules: `aup --version` goes from about 0.6 s to 0.2 s on the 2-core
// machine of docs/benchmarks.md (docs/decisions/0014-bundled-cli.md). Dynamic imports stay
// separate chunks (PostgreSQL and the SSH resource load only when used). Packages with
// native parts, or large CommonJS ones, stay outside and are loaded from node_modules.
// No source map: the bundle is plain, unminified ES2022 that reads as it runs, the modules it is
// made of ship beside it in dist/ with their own maps (to src/), and its map alone was 2.6 MB of
// the published package (docs/decisions/0020-publishable-packages.md).
import { rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';

import { nodeResolve } from '@rollup/plugin-node-resolve';

const here = fileURLToPath(new URL('.', import.meta.url));
const EXTERNAL = ['better-sqlite3', 'pg', 'ssh2', 'cpu-features', 'commander', 'cli-progress', 'yaml'];
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

// Chunk names carry a content hash: without emptying the folder, every build would leave the
// previous chunks behind, and `npm pack` would ship them.
rmSync(`${here}dist/cli-bundle`, { recursive: true, force: true });

export default {
  input: `${here}dist/cli/main.js`,
  output: { dir: `${here}dist/cli-bundle`, format: 'es', entryFileNames: 'main.js', chunkFileNames: '[name]-[hash].js', sourcemap: false },
  external: (id) => builtins.has(id) || id.startsWith('node:') || EXTERNAL.some((p) => id === p || id.startsWith(`${p}/`)),
  plugins: [nodeResolve({ preferBuiltins: true, exportConditions: ['node'] })],
  onwarn(warning, warn) {
    // Kysely and TypeBox use `this` at the top level of a few ESM files harmlessly.
    if (warning.code === 'THIS_IS_UNDEFINED' || warning.code === 'CIRCULAR_DEPENDENCY') return;
    warn(warning);
  },
};
