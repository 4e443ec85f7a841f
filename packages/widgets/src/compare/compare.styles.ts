import { chartElementStyles } from '../charts/chart-element.styles.js';

/** The compare view's styles: those of every chart element, nothing of its own. */
export const compareStyles = [chartElementStyles];
