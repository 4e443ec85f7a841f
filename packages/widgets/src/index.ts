/**
 * @aup/widgets: aup's dashboard views as Lit custom elements. Importing this module registers
 * every element (each under its `aup-*` tag, once).
 * @packageDocumentation
 */
import './define/experiment-list.js';

export { AupExperimentList, type AupOpenExperimentEvent, type OpenExperimentDetail } from './experiment-list/experiment-list.js';
export { parseExperimentList, type ExperimentStatus, type ExperimentSummary } from './experiment-list/experiment-summary.js';
export { JsonFetchController, type FetchState } from './controllers/json-fetch-controller.js';
export { formatProgress, formatScore, formatTimestamp, MISSING, SCORE_DIGITS } from './format/format.js';
