import { AupJobChart } from '../job-chart/job-chart.js';
import type { AupOpenJobEvent } from '../events.js';

// Registering twice throws (a page that loads the bundle and a define file keeps the first); in
// Node without a DOM shim there is no registry to register in (importing is all a renderer needs).
if (typeof customElements !== 'undefined' && !customElements.get('aup-job-chart')) customElements.define('aup-job-chart', AupJobChart);

declare global {
  interface HTMLElementTagNameMap {
    'aup-job-chart': AupJobChart;
  }
  interface HTMLElementEventMap {
    'aup-open-job': AupOpenJobEvent;
  }
}
