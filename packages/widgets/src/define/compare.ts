import { AupCompare } from '../compare/compare.js';
import type { AupOpenJobEvent } from '../events.js';

// Registering twice throws (a page that loads the bundle and a define file keeps the first); in
// Node without a DOM shim there is no registry to register in (importing is all a renderer needs).
if (typeof customElements !== 'undefined' && !customElements.get('aup-compare')) customElements.define('aup-compare', AupCompare);

declare global {
  interface HTMLElementTagNameMap {
    'aup-compare': AupCompare;
  }
  interface HTMLElementEventMap {
    'aup-open-job': AupOpenJobEvent;
  }
}
