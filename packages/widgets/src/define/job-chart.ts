import { defineElement } from '../define-element.js';
import { AupJobChart } from '../job-chart/job-chart.js';
import type { AupOpenJobEvent } from '../events.js';

// Registering twice is harmless: a page that loads the bundle and a define file keeps the first.
defineElement('aup-job-chart', AupJobChart);

declare global {
  interface HTMLElementTagNameMap {
    'aup-job-chart': AupJobChart;
  }
  interface HTMLElementEventMap {
    'aup-open-job': AupOpenJobEvent;
  }
}
