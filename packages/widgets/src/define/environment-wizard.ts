import { AupEnvironmentWizard, type AupEnvironmentResetEvent } from '../environment-wizard/environment-wizard.js';

// Registering twice throws (a page that loads the bundle and a define file keeps the first); in
// Node without a DOM shim there is no registry to register in (importing is all a renderer needs).
if (typeof customElements !== 'undefined' && !customElements.get('aup-environment-wizard')) customElements.define('aup-environment-wizard', AupEnvironmentWizard);

declare global {
  interface HTMLElementTagNameMap {
    'aup-environment-wizard': AupEnvironmentWizard;
  }
  interface HTMLElementEventMap {
    'aup-environment-reset': AupEnvironmentResetEvent;
    'aup-cancel': CustomEvent<Record<string, never>>;
  }
}
