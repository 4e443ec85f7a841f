import { AupBoard } from '../board/board.js';
import type { BoardRoute } from '../board/board-route.js';

// <aup-board> composes the other elements by tag name, so its define file registers the ones this
// package defines; the job table, chart, HIG, intermediate and compare views register themselves
// from their own define files (the bundle imports them all).
import './experiment-list.js';
import './experiment-overview.js';
import './config-editor.js';
import './environment-wizard.js';

// Registering twice throws; a page that loads the bundle and a define file keeps the first.
if (!customElements.get('aup-board')) customElements.define('aup-board', AupBoard);

declare global {
  interface HTMLElementTagNameMap {
    'aup-board': AupBoard;
  }
  interface HTMLElementEventMap {
    'aup-route-change': CustomEvent<BoardRoute>;
  }
}
