import { AupExperimentOverview, type AupExperimentChangeEvent } from '../experiment-overview/experiment-overview.js';

// Registering twice throws (a page that loads the bundle and a define file keeps the first); in
// Node without a DOM shim there is no registry to register in (importing is all a renderer needs).
if (typeof customElements !== 'undefined' && !customElements.get('aup-experiment-overview')) customElements.define('aup-experiment-overview', AupExperimentOverview);

declare global {
  interface HTMLElementTagNameMap {
    'aup-experiment-overview': AupExperimentOverview;
  }
  interface HTMLElementEventMap {
    'aup-experiment-change': AupExperimentChangeEvent;
  }
}
