import { AupIntermediate } from '../intermediate/intermediate.js';

// Registering twice throws; a page that loads the bundle and a define file keeps the first.
if (!customElements.get('aup-intermediate')) customElements.define('aup-intermediate', AupIntermediate);

declare global {
  interface HTMLElementTagNameMap {
    'aup-intermediate': AupIntermediate;
  }
}
