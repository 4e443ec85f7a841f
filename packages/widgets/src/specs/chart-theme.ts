import type { Config } from 'vega-lite';

/**
 * The colours and font a chart is drawn with. Elements read them from their `--aup-*` tokens
 * (resolved on the host), so a spec builder stays pure and a theme change is a re-render.
 */
export interface ChartTheme {
  text: string;
  muted: string;
  border: string;
  surface: string;
  accent: string;
  /** The best-so-far line and other highlights. */
  highlight: string;
  /** Series colours, cycled. */
  palette: readonly string[];
  font: string;
}

/** The light theme's fallbacks, the same values the `--aup-*` tokens default to. */
export const LIGHT_CHART_THEME: ChartTheme = {
  text: '#1f2328',
  muted: '#59636e',
  border: '#d1d9e0',
  surface: '#ffffff',
  accent: '#0969da',
  highlight: '#cf222e',
  palette: ['#0969da', '#bf3989', '#1a7f37', '#9a6700', '#8250df', '#0a7a7a', '#d1242f', '#57606a'],
  font: 'system-ui, -apple-system, Segoe UI, sans-serif',
};

/** The dark theme's fallbacks. */
export const DARK_CHART_THEME: ChartTheme = {
  text: '#e6edf3',
  muted: '#8d96a0',
  border: '#30363d',
  surface: '#0d1117',
  accent: '#4493f8',
  highlight: '#ff7b72',
  palette: ['#4493f8', '#db61a2', '#3fb950', '#d29922', '#a371f7', '#39c5cf', '#f85149', '#8d96a0'],
  font: 'system-ui, -apple-system, Segoe UI, sans-serif',
};

/** A Vega-Lite config that draws axes, legends and titles in the theme's colours. */
export function vegaConfig(theme: ChartTheme): Config {
  return {
    background: theme.surface,
    font: theme.font,
    view: { stroke: theme.border },
    axis: {
      domainColor: theme.border,
      gridColor: theme.border,
      gridOpacity: 0.6,
      tickColor: theme.border,
      labelColor: theme.muted,
      titleColor: theme.text,
      titleFontWeight: 600,
    },
    legend: { labelColor: theme.text, titleColor: theme.text, labelLimit: 320 },
    title: { color: theme.text },
    range: { category: [...theme.palette] },
    point: { color: theme.accent },
    line: { color: theme.accent },
  };
}

/**
 * The y scale type for values that may be shown on a log scale: `log` needs every value above 0,
 * so a series touching 0 or below falls back to `symlog` (still compresses, still defined at 0).
 */
export function valueScaleType(values: Iterable<number | null>, log: boolean): 'linear' | 'log' | 'symlog' {
  if (!log) return 'linear';
  for (const v of values) if (v !== null && v <= 0) return 'symlog';
  return 'log';
}
