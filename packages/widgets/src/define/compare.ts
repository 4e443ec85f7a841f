import { AupCompare } from '../compare/compare.js';
import type { AupOpenJobEvent } from '../events.js';

// Registering twice throws; a page that loads the bundle and a define file keeps the first.
if (!customElements.get('aup-compare')) customElements.define('aup-compare', AupCompare);

declare global {
  interface HTMLElementTagNameMap {
    'aup-compare': AupCompare;
  }
  interface HTMLElementEventMap {
    'aup-open-job': AupOpenJobEvent;
  }
}
