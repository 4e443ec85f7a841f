import { css, unsafeCSS } from 'lit';

import { badgeStyles, controlStyles, themeTokens } from '../theme/theme-tokens.js';
import { menuStyles } from '../theme/menu-styles.js';
import { stateStyles } from '../theme/state-messages.js';
import { TABULATOR_CSS } from './tabulator-css.js';

// Tabulator's own stylesheet first (adopted into the shadow root, so it styles only this table),
// then its colours replaced by the `--aup-*` tokens so the light and dark themes apply. The
// overrides repeat Tabulator's selectors with `:host` in front, which outranks them.
const tabulatorTheme = css`
  :host .tabulator {
    background-color: var(--_surface);
    border: 1px solid var(--_border);
    font-size: inherit;
    color: var(--_text);
  }
  :host .tabulator .tabulator-header,
  :host .tabulator .tabulator-header .tabulator-col {
    background-color: var(--_surface-raised);
    color: var(--_text);
    border-color: var(--_border);
  }
  :host .tabulator .tabulator-header .tabulator-col.tabulator-sortable.tabulator-col-sorter-element:hover {
    background-color: var(--_hover);
  }
  :host .tabulator .tabulator-header .tabulator-col .tabulator-col-content .tabulator-col-sorter .tabulator-arrow {
    border-bottom-color: var(--_muted);
  }
  :host
    .tabulator
    .tabulator-header
    .tabulator-col.tabulator-sortable[aria-sort='ascending']
    .tabulator-col-content
    .tabulator-col-sorter
    .tabulator-arrow {
    border-bottom-color: var(--_accent);
  }
  :host
    .tabulator
    .tabulator-header
    .tabulator-col.tabulator-sortable[aria-sort='descending']
    .tabulator-col-content
    .tabulator-col-sorter
    .tabulator-arrow {
    border-top-color: var(--_accent);
  }
  :host .tabulator .tabulator-tableholder,
  :host .tabulator .tabulator-tableholder .tabulator-table {
    background-color: var(--_surface);
    color: var(--_text);
  }
  :host .tabulator .tabulator-tableholder .tabulator-placeholder .tabulator-placeholder-contents {
    color: var(--_muted);
    font-weight: normal;
    font-size: 1em;
  }
  :host .tabulator-row,
  :host .tabulator-row.tabulator-row-even {
    background-color: var(--_surface);
  }
  :host .tabulator-row.tabulator-row-even {
    background-color: color-mix(in srgb, var(--_surface-raised) 60%, var(--_surface));
  }
  :host .tabulator-row.tabulator-selectable:hover {
    background-color: var(--_hover);
  }
  :host .tabulator-row.tabulator-selected,
  :host .tabulator-row.tabulator-selected:hover {
    background-color: var(--_selected);
  }
  :host .tabulator-row .tabulator-cell {
    border-right-color: var(--_border);
  }
  :host .tabulator-row.tabulator-group {
    background-color: var(--_surface-raised);
    border-color: var(--_border);
    color: var(--_text);
  }
  :host .tabulator-row.tabulator-group:hover {
    background-color: var(--_hover);
  }
  :host .tabulator-row.tabulator-group span {
    color: var(--_muted);
  }
  :host .tabulator-row.tabulator-group .tabulator-arrow {
    border-left-color: var(--_muted);
  }
  :host .tabulator-row.tabulator-group.tabulator-group-visible .tabulator-arrow {
    border-left-color: transparent;
    border-top-color: var(--_muted);
  }
  :host .tabulator .tabulator-footer,
  :host .tabulator .tabulator-footer .tabulator-paginator {
    background-color: var(--_surface-raised);
    color: var(--_text);
    border-top-color: var(--_border);
    font-weight: normal;
  }
  :host .tabulator .tabulator-footer .tabulator-page,
  :host .tabulator .tabulator-footer .tabulator-page-size {
    background: var(--_surface);
    color: var(--_text);
    border-color: var(--_border);
  }
  :host .tabulator .tabulator-footer .tabulator-page.active {
    color: var(--_accent);
    border-color: var(--_accent);
  }
  :host .tabulator .tabulator-footer .tabulator-page:not(disabled):hover {
    background: var(--_hover);
    color: var(--_text);
  }
`;

export const jobTableStyles = [
  themeTokens,
  badgeStyles,
  controlStyles,
  stateStyles,
  menuStyles,
  unsafeCSS(TABULATOR_CSS),
  tabulatorTheme,
  css`
    .toolbar {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem 0.75rem;
      padding: 0.5rem 0;
    }
    .toolbar input[type='search'] {
      min-width: 14rem;
    }
    .chips {
      display: inline-flex;
      gap: 0.25rem;
      flex-wrap: wrap;
    }
    .chip {
      display: inline-flex;
      align-items: center;
      gap: 0.25rem;
      border: 1px solid var(--_border);
      border-radius: 1em;
      padding: 0 0.25rem 0 0.6rem;
      background: var(--_surface-raised);
    }
    .chip button {
      border: none;
      background: none;
      padding: 0 0.25rem;
    }
    .menu-body h4 {
      margin: 0.5rem 0 0.25rem;
      font-size: 0.8em;
      color: var(--_muted);
      text-transform: uppercase;
    }
    .exports a,
    .exports button {
      margin-left: 0.25rem;
    }
    a {
      color: var(--_accent);
    }
    .info {
      color: var(--_muted);
      margin-left: auto;
      font-variant-numeric: tabular-nums;
    }
    .notice {
      margin: 0 0 0.5rem;
      padding: 0.35rem 0.75rem;
      border-left: 3px solid var(--_accent);
      background: var(--_surface-raised);
    }
    .notice.error {
      border-left-color: var(--_danger);
      color: var(--_danger);
    }
    .notice button {
      margin-left: 0.5rem;
    }
    /* A page that fixes the element's height (style="height: 500px") gets the table and its pager
       inside it: the table takes what the toolbar and notices leave. Otherwise the table is
       --aup-job-table-height high (100% of an unfixed height is no height). */
    .frame {
      display: flex;
      flex-direction: column;
      height: 100%;
    }
    .frame > * {
      flex: 0 0 auto;
    }
    .frame > .table-box {
      position: relative;
      flex: 1 1 var(--aup-job-table-height, 34rem);
      /* A header, a few rows and the pager; a smaller box scrolls the element instead. */
      min-height: 12rem;
    }
    /* Tabulator's height is 100% of the box, its border inside it (Tabulator sets the height
       inline, so the box is given through the position). */
    .table-box > .table.tabulator {
      position: absolute;
      inset: 0;
      box-sizing: border-box;
    }
    .num {
      font-variant-numeric: tabular-nums;
    }
    .missing {
      color: var(--_muted);
    }
    .expander {
      font: inherit;
      border: none;
      background: none;
      color: var(--_muted);
      cursor: pointer;
      padding: 0 0.25rem;
    }
    .expander[aria-expanded='true'] {
      color: var(--_accent);
    }
    /* Header filters: a comparator and a value, on one line under the title. */
    .hf {
      display: flex;
      gap: 2px;
      min-width: 8rem;
    }
    .hf select {
      flex: 0 0 auto;
      padding: 0;
      max-width: 4.5em;
    }
    .hf select.hf-value {
      max-width: none;
    }
    .hf input,
    .hf .hf-value {
      flex: 1 1 auto;
      min-width: 3rem;
      width: 100%;
      padding: 0 0.25rem;
    }
    .hf.invalid input {
      border-color: var(--_danger);
    }
    /* The expanded row: below the cells, across the table's width. */
    .detail {
      white-space: normal;
      cursor: auto;
      padding: 0.5rem 0.75rem 0.75rem 2.5rem;
      border-top: 1px dashed var(--_border);
      background: var(--_surface);
      color: var(--_text);
    }
    .detail-head {
      display: flex;
      gap: 0.5rem;
      align-items: center;
      flex-wrap: wrap;
      margin-bottom: 0.5rem;
    }
    .detail-head h3 {
      margin: 0;
      font-size: 1em;
    }
    .detail-grid {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(20rem, 1fr));
      gap: 0.5rem 1.5rem;
    }
    .detail section h4 {
      margin: 0.25rem 0;
      font-size: 0.8em;
      color: var(--_muted);
      text-transform: uppercase;
    }
    .detail table {
      border-collapse: collapse;
    }
    .detail th,
    .detail td {
      text-align: left;
      padding: 0.1rem 0.75rem 0.1rem 0;
      vertical-align: top;
    }
    .detail th {
      color: var(--_muted);
      font-weight: normal;
      white-space: nowrap;
    }
    .detail .wide {
      grid-column: 1 / -1;
    }
    .detail pre {
      margin: 0;
      max-height: 18rem;
      overflow: auto;
      padding: 0.5rem;
      background: var(--_surface-raised);
      border: 1px solid var(--_border);
      border-radius: 4px;
      font-size: 0.85em;
      white-space: pre-wrap;
      word-break: break-all;
    }
    .tabs {
      display: flex;
      gap: 0.25rem;
      margin-bottom: 0.25rem;
    }
    .tabs [role='tab'][aria-selected='true'] {
      border-color: var(--_accent);
      font-weight: 600;
    }
    .warning {
      color: var(--_warning);
    }
    .danger {
      color: var(--_danger);
    }
  `,
];
