import type { AupOpenJobEvent, AupSelectionChangeEvent } from '../events.js';
import { AupJobTable } from '../job-table/job-table.js';

// Registering twice throws (a page that loads the bundle and a define file keeps the first); in
// Node without a DOM shim there is no registry to register in (importing is all a renderer needs).
if (typeof customElements !== 'undefined' && !customElements.get('aup-job-table')) customElements.define('aup-job-table', AupJobTable);

declare global {
  interface HTMLElementTagNameMap {
    'aup-job-table': AupJobTable;
  }
  interface HTMLElementEventMap {
    'aup-selection-change': AupSelectionChangeEvent;
    'aup-open-job': AupOpenJobEvent;
  }
}
