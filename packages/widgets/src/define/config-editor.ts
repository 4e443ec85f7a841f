import { AupConfigEditor, type AupExperimentCreatedEvent, type ValidationState } from '../config-editor/config-editor.js';

// Registering twice throws (a page that loads the bundle and a define file keeps the first); in
// Node without a DOM shim there is no registry to register in (importing is all a renderer needs).
if (typeof customElements !== 'undefined' && !customElements.get('aup-config-editor')) customElements.define('aup-config-editor', AupConfigEditor);

declare global {
  interface HTMLElementTagNameMap {
    'aup-config-editor': AupConfigEditor;
  }
  interface HTMLElementEventMap {
    'aup-experiment-created': AupExperimentCreatedEvent;
    'aup-config-validated': CustomEvent<ValidationState>;
  }
}
