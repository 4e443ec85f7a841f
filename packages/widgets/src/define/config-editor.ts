import { defineElement } from '../define-element.js';
import { AupConfigEditor, type AupExperimentCreatedEvent, type ValidationState } from '../config-editor/config-editor.js';

// Registering twice is harmless: a page that loads the bundle and a define file keeps the first.
defineElement('aup-config-editor', AupConfigEditor);

declare global {
  interface HTMLElementTagNameMap {
    'aup-config-editor': AupConfigEditor;
  }
  interface HTMLElementEventMap {
    'aup-experiment-created': AupExperimentCreatedEvent;
    'aup-config-validated': CustomEvent<ValidationState>;
  }
}
