import { defineElement } from '../define-element.js';
import { AupBoard } from '../board/board.js';
import type { BoardRoute } from '../board/board-route.js';

// <aup-board> composes the other elements by tag name (it imports none of their classes), so its
// define file registers every one of them: `import '@aup/widgets/board'` gives the whole dashboard.
import './experiment-list.js';
import './experiment-overview.js';
import './job-chart.js';
import './job-table.js';
import './hig.js';
import './intermediate.js';
import './compare.js';
import './config-editor.js';
import './environment-wizard.js';

// Registering twice is harmless: a page that loads the bundle and a define file keeps the first.
defineElement('aup-board', AupBoard);

declare global {
  interface HTMLElementTagNameMap {
    'aup-board': AupBoard;
  }
  interface HTMLElementEventMap {
    'aup-route-change': CustomEvent<BoardRoute>;
  }
}
