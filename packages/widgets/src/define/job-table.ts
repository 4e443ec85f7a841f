import { defineElement } from '../define-element.js';
import type { AupOpenJobEvent, AupSelectionChangeEvent } from '../events.js';
import { AupJobTable } from '../job-table/job-table.js';

// Registering twice is harmless: a page that loads the bundle and a define file keeps the first.
defineElement('aup-job-table', AupJobTable);

declare global {
  interface HTMLElementTagNameMap {
    'aup-job-table': AupJobTable;
  }
  interface HTMLElementEventMap {
    'aup-selection-change': AupSelectionChangeEvent;
    'aup-open-job': AupOpenJobEvent;
  }
}
