import { AupIntermediate } from '../intermediate/intermediate.js';

// Registering twice throws (a page that loads the bundle and a define file keeps the first); in
// Node without a DOM shim there is no registry to register in (importing is all a renderer needs).
if (typeof customElements !== 'undefined' && !customElements.get('aup-intermediate')) customElements.define('aup-intermediate', AupIntermediate);

declare global {
  interface HTMLElementTagNameMap {
    'aup-intermediate': AupIntermediate;
  }
}
