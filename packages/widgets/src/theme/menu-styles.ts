import { css } from 'lit';

/**
 * The one drop-down menu of the elements (the HIG's axes, the intermediate view's legend, the job
 * table's columns): a `<details class="menu">` whose `<summary>` reads as a button and whose
 * `.menu-body` floats over what follows, scrolling when long. Needs `themeTokens`.
 */
export const menuStyles = css`
  details.menu {
    position: relative;
  }
  details.menu summary {
    cursor: pointer;
    color: var(--_accent);
    list-style: none;
    border: 1px solid var(--_border);
    border-radius: 4px;
    padding: 0.15rem 0.5rem;
  }
  details.menu summary::-webkit-details-marker {
    display: none;
  }
  .menu-body {
    position: absolute;
    z-index: 20;
    top: calc(100% + 4px);
    left: 0;
    min-width: 12rem;
    max-height: 20rem;
    overflow: auto;
    padding: 0.4rem 0.6rem;
    background: var(--_surface-raised);
    border: 1px solid var(--_border);
    border-radius: 4px;
    box-shadow: 0 2px 8px rgb(0 0 0 / 0.2);
  }
  .menu-body label {
    display: flex;
    gap: 0.4rem;
    padding: 0.1rem 0;
    color: var(--_text);
    white-space: nowrap;
  }
`;
