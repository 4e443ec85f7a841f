import {
  AupExperimentList,
  type AupExperimentActionEvent,
  type AupOpenExperimentEvent,
} from '../experiment-list/experiment-list.js';

// Registering twice throws (a page that loads the bundle and a define file keeps the first); in
// Node without a DOM shim there is no registry to register in (importing is all a renderer needs).
if (typeof customElements !== 'undefined' && !customElements.get('aup-experiment-list')) customElements.define('aup-experiment-list', AupExperimentList);

declare global {
  interface HTMLElementTagNameMap {
    'aup-experiment-list': AupExperimentList;
  }
  interface HTMLElementEventMap {
    'aup-open-experiment': AupOpenExperimentEvent;
    'aup-experiment-action': AupExperimentActionEvent;
    'aup-create-request': CustomEvent<Record<string, never>>;
    'aup-reset-request': CustomEvent<Record<string, never>>;
    'aup-view-change': CustomEvent<{ view: 'list' | 'tiles' }>;
  }
}
