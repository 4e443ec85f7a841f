import { defineElement } from '../define-element.js';
import { AupEnvironmentWizard, type AupEnvironmentResetEvent } from '../environment-wizard/environment-wizard.js';

// Registering twice is harmless: a page that loads the bundle and a define file keeps the first.
defineElement('aup-environment-wizard', AupEnvironmentWizard);

declare global {
  interface HTMLElementTagNameMap {
    'aup-environment-wizard': AupEnvironmentWizard;
  }
  interface HTMLElementEventMap {
    'aup-environment-reset': AupEnvironmentResetEvent;
    'aup-cancel': CustomEvent<Record<string, never>>;
  }
}
