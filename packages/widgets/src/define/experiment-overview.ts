import { defineElement } from '../define-element.js';
import { AupExperimentOverview, type AupExperimentChangeEvent } from '../experiment-overview/experiment-overview.js';

// Registering twice is harmless: a page that loads the bundle and a define file keeps the first.
defineElement('aup-experiment-overview', AupExperimentOverview);

declare global {
  interface HTMLElementTagNameMap {
    'aup-experiment-overview': AupExperimentOverview;
  }
  interface HTMLElementEventMap {
    'aup-experiment-change': AupExperimentChangeEvent;
  }
}
