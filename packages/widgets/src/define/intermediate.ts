import { defineElement } from '../define-element.js';
import { AupIntermediate } from '../intermediate/intermediate.js';

// Registering twice is harmless: a page that loads the bundle and a define file keeps the first.
defineElement('aup-intermediate', AupIntermediate);

declare global {
  interface HTMLElementTagNameMap {
    'aup-intermediate': AupIntermediate;
  }
}
