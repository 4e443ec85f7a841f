import { chartElementStyles } from '../charts/chart-element.styles.js';

/** The job chart's styles: those of every chart element, nothing of its own. */
export const jobChartStyles = [chartElementStyles];
