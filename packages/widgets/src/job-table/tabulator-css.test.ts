import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import { describe, expect, it } from 'vitest';

import { TABULATOR_CSS, TABULATOR_CSS_VERSION } from './tabulator-css.js';

const require = createRequire(import.meta.url);

describe('the vendored Tabulator stylesheet', () => {
  it('is the installed tabulator-tables CSS (run packages/widgets/scripts/vendor-tabulator-css.mjs after an upgrade)', () => {
    const cssFile = require.resolve('tabulator-tables/dist/css/tabulator.min.css');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', `file://${cssFile}`), 'utf8')) as { version: string };
    const css = readFileSync(cssFile, 'utf8')
      .replace(/\/\*# sourceMappingURL=[^*]*\*\//g, '')
      .trim();
    expect(TABULATOR_CSS_VERSION).toBe(pkg.version);
    expect(TABULATOR_CSS).toBe(css);
    expect(TABULATOR_CSS).toContain('.tabulator-row');
  });
});
