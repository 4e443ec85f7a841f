import { css } from 'lit';

/**
 * vega-embed's own stylesheet (its `.vega-embed` layout and the actions menu), adopted into each
 * chart's shadow root in the theme's colours. vega-embed would otherwise insert a `<style>` built
 * with innerHTML; we pass `defaultStyle: false` and `forceActionsMenu: true` instead. Rules follow
 * vega-embed 7.3's build/embed.js (`embedStyle`), with colours taken from the `--_*` tokens.
 */
export const vegaEmbedStyles = css`
  .vega-embed {
    position: relative;
    display: inline-block;
    box-sizing: border-box;
  }
  .vega-embed.fit-x {
    display: block;
    width: 100%;
  }
  .vega-embed.has-actions {
    padding-right: 38px;
  }
  .vega-embed details:not([open]) > :not(summary) {
    display: none !important;
  }
  .vega-embed summary {
    list-style: none;
    position: absolute;
    top: 0;
    right: 0;
    padding: 6px;
    z-index: 5;
    background: var(--_surface);
    color: var(--_text);
    border: 1px solid var(--_border);
    border-radius: 999px;
    opacity: 0.3;
    transition: opacity 0.4s ease-in;
    cursor: pointer;
    line-height: 0;
  }
  .vega-embed summary::-webkit-details-marker {
    display: none;
  }
  .vega-embed summary svg {
    width: 14px;
    height: 14px;
  }
  .vega-embed details[open] summary {
    opacity: 0.7;
  }
  .vega-embed:hover summary,
  .vega-embed:focus-within summary {
    opacity: 1 !important;
    transition: opacity 0.2s ease;
  }
  .vega-embed .vega-actions {
    position: absolute;
    z-index: 6;
    top: 35px;
    right: -9px;
    display: flex;
    flex-direction: column;
    padding: 8px 0;
    border-radius: 4px;
    box-shadow: 0 2px 8px 0 rgb(0 0 0 / 0.2);
    border: 1px solid var(--_border);
    background: var(--_surface-raised);
    text-align: left;
  }
  .vega-embed .vega-actions a {
    padding: 8px 16px;
    font-size: 0.9em;
    font-weight: 600;
    white-space: nowrap;
    color: var(--_text);
    text-decoration: none;
  }
  .vega-embed .vega-actions a:hover,
  .vega-embed .vega-actions a:focus {
    background-color: var(--_hover);
  }
  .vega-embed .chart-wrapper.fit-x {
    width: 100%;
  }
  .vega-embed .chart-wrapper.fit-y {
    height: 100%;
  }
`;
