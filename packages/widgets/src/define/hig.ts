import type { AupOpenJobEvent, AupSelectionChangeEvent } from '../events.js';
import { AupHig, type AupAxesChangeEvent } from '../hig/hig.js';

// Registering twice throws (a page that loads the bundle and a define file keeps the first); in
// Node without a DOM shim there is no registry to register in (importing is all a renderer needs).
if (typeof customElements !== 'undefined' && !customElements.get('aup-hig')) customElements.define('aup-hig', AupHig);

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
