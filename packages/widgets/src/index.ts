/**
 * @aup/widgets: aup's dashboard views as Lit custom elements. Importing this module registers
 * every element (each under its `aup-*` tag, once) and exports every class. The tags get
 * subclasses of the exported classes (see define-element.ts), so a class can also be registered
 * under a page's own name: `customElements.define('my-table', AupJobTable)`. The same classes
 * without registering anything: `@aup/widgets/classes`.
 * @packageDocumentation
 */
import './define/experiment-list.js';
import './define/job-table.js';
import './define/experiment-overview.js';
import './define/config-editor.js';
import './define/environment-wizard.js';
import './define/board.js';
import './define/job-chart.js';
import './define/hig.js';
import './define/intermediate.js';
import './define/compare.js';

export * from './classes.js';
