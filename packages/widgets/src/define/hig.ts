import { defineElement } from '../define-element.js';
import type { AupOpenJobEvent, AupSelectionChangeEvent } from '../events.js';
import { AupHig, type AupAxesChangeEvent } from '../hig/hig.js';

// Registering twice is harmless: a page that loads the bundle and a define file keeps the first.
defineElement('aup-hig', AupHig);

declare global {
  interface HTMLElementTagNameMap {
    'aup-hig': AupHig;
  }
  interface HTMLElementEventMap {
    'aup-selection-change': AupSelectionChangeEvent;
    'aup-open-job': AupOpenJobEvent;
    'aup-axes-change': AupAxesChangeEvent;
  }
}
