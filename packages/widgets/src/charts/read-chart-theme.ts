import { DARK_CHART_THEME, LIGHT_CHART_THEME, type ChartTheme } from '../specs/chart-theme.js';

// The private `--_*` variables the theme tokens resolve to on `:host` (theme/theme-tokens.ts), and
// the ChartTheme field each one feeds. Reading the resolved values keeps a page's own `--aup-*`
// overrides: the chart draws in whatever colours the rest of the element uses.
const TOKEN_FIELDS = [
  ['--_text', 'text'],
  ['--_muted', 'muted'],
  ['--_border', 'border'],
  ['--_surface', 'surface'],
  ['--_accent', 'accent'],
] as const;

/**
 * The chart colours of an element as it is styled now: the light or dark fallbacks (by the
 * resolved `color-scheme`), with every `--aup-*` token the page set. `--aup-chart-highlight`
 * (best-so-far line) and `--aup-chart-palette` (comma-separated series colours) are chart-only tokens.
 */
export function readChartTheme(host: Element): ChartTheme {
  const style = getComputedStyle(host);
  const base = isDarkScheme(style.colorScheme) ? DARK_CHART_THEME : LIGHT_CHART_THEME;
  const theme: { -readonly [K in keyof ChartTheme]: ChartTheme[K] } = { ...base };
  for (const [variable, field] of TOKEN_FIELDS) {
    const value = style.getPropertyValue(variable).trim();
    if (value !== '') theme[field] = value;
  }
  const highlight = style.getPropertyValue('--aup-chart-highlight').trim();
  if (highlight !== '') theme.highlight = highlight;
  const palette = parsePalette(style.getPropertyValue('--aup-chart-palette'));
  if (palette.length > 0) theme.palette = palette;
  const font = style.fontFamily.trim();
  if (font !== '') theme.font = font;
  return theme;
}

/** Whether a computed `color-scheme` (`light`, `dark`, `light dark`, `normal`) is dark. */
export function isDarkScheme(colorScheme: string): boolean {
  const words = colorScheme.trim().split(/\s+/);
  return words[0] === 'dark' || (words.includes('dark') && !words.includes('light'));
}

/** `"#111, #222 ,#333"` → `['#111', '#222', '#333']`. */
export function parsePalette(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
