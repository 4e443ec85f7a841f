import { defineElement } from '../define-element.js';
import { AupCompare } from '../compare/compare.js';
import type { AupOpenJobEvent } from '../events.js';

// Registering twice is harmless: a page that loads the bundle and a define file keeps the first.
defineElement('aup-compare', AupCompare);

declare global {
  interface HTMLElementTagNameMap {
    'aup-compare': AupCompare;
  }
  interface HTMLElementEventMap {
    'aup-open-job': AupOpenJobEvent;
  }
}
