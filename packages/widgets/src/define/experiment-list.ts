import { defineElement } from '../define-element.js';
import { AupExperimentList, type AupExperimentActionEvent, type AupOpenExperimentEvent } from '../experiment-list/experiment-list.js';

// Registering twice is harmless: a page that loads the bundle and a define file keeps the first.
defineElement('aup-experiment-list', AupExperimentList);

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
