import { LitElement, html, nothing, type TemplateResult } from 'lit';

import type { EnvironmentResetResult } from '../api/answers.js';
import { AupApiClient } from '../api/api-client.js';
import { CapabilitiesController } from '../controllers/board-capabilities.js';
import { fire } from '../events.js';
import { environmentWizardStyles } from './environment-wizard.styles.js';

/** The answer of POST /environment/reset: the new database, where the old one went, the new working directory. */
export type { EnvironmentResetResult };
export type AupEnvironmentResetEvent = CustomEvent<EnvironmentResetResult>;

/**
 * The reset-environment flow: a warning saying what happens (the database file is renamed to a
 * timestamped backup beside it, a new empty one takes its place, nothing is erased), an optional
 * working directory for the new environment, a confirmation checkbox, then RESET; the answer
 * shows the new database and the backup's path. The board refuses while experiments run, on
 * PostgreSQL and on an attached board; its message is shown as it is.
 *
 * @summary Backs up the database and starts on an empty one.
 *
 * @attr api - Base URL of the board API (`/api/v1`).
 * @attr token - The session token (`Authorization: Bearer`).
 * @attr read-only - Shows the explanation only.
 * @attr attached - The board was started by `aup run --board`: shows the explanation only.
 * @attr theme - `light` or `dark`; without it the element follows `prefers-color-scheme`.
 * @prop {EnvironmentResetResult | undefined} result - The last reset's answer (set it to show a result without a server).
 *
 * @fires aup-environment-reset - The reset succeeded; `detail: { database, backup, working_dir }`.
 * @fires aup-cancel - CANCEL was clicked; `detail: {}`.
 *
 * @csspart warning - The warning box.
 * @csspart result - The result box with the backup path.
 * @csspart reset - The RESET button.
 *
 * @cssprop --aup-color-surface - Background.
 * @cssprop --aup-color-text - Text.
 * @cssprop --aup-color-border - Borders.
 * @cssprop --aup-color-warning - The warning box.
 * @cssprop --aup-color-danger - The RESET button, errors.
 * @cssprop --aup-color-success - The result box.
 */
export class AupEnvironmentWizard extends LitElement {
  static override styles = environmentWizardStyles;

  static override properties = {
    api: { type: String },
    token: { type: String },
    readOnly: { type: Boolean, attribute: 'read-only', reflect: true },
    attached: { type: Boolean, reflect: true },
    theme: { type: String, reflect: true },
    result: { attribute: false },
    confirmed: { state: true },
    running: { state: true },
    error: { state: true },
  };

  /** Base URL of the board API. */
  api?: string;
  /** Session token. */
  token?: string;
  /** Explanation only. */
  readOnly = false;
  /** An attached board: explanation only. */
  attached = false;
  /** `light` or `dark`; unset follows the system. */
  theme?: 'light' | 'dark';
  /** The last reset's answer. */
  result?: EnvironmentResetResult;

  private confirmed = false;
  private running = false;
  private error: string | undefined;
  private readonly caps = new CapabilitiesController(this);

  protected override render(): TemplateResult {
    const caps = this.caps.value;
    return html`<h2>Reset the environment</h2>
      ${this.result === undefined ? nothing : this.renderResult(this.result)}
      <div class="box warning" part="warning" role="note">
        <p><strong>Start over on an empty database, without losing the old one.</strong></p>
        <ul>
          <li>
            The board closes its database and renames the file (with its <code>-wal</code> and <code>-shm</code>) to a timestamped backup
            beside it, e.g. <code>experiments.db</code> → <code>experiments.backup-2026-11-23T12-00-00-000Z.db</code>.
          </li>
          <li>
            A new, empty database of the same name is opened in the working directory below, and the board shows it from then on.
            Experiments created afterwards resolve their relative paths there.
          </li>
          <li>Nothing is erased: open the backup with <code>npx aup-board --db &lt;backup&gt;</code> to see the old experiments again.</li>
          <li>Running experiments must be stopped first. Only a SQLite file can be reset (not PostgreSQL).</li>
        </ul>
      </div>
      ${
        caps.create
          ? html`<div class="fields">
                <label for="wd">Working directory</label>
                <input id="wd" type="text" name="working-dir" placeholder="the current database's folder" />
              </div>
              <label
                ><input
                  type="checkbox"
                  name="confirm"
                  .checked=${this.confirmed}
                  @change=${(e: Event) => (this.confirmed = (e.target as HTMLInputElement).checked)}
                />
                I understand: the board will show an empty database; the old one is kept as a backup.</label
              >
              <div class="actions">
                <button
                  class="danger"
                  part="reset"
                  data-action="reset"
                  ?disabled=${!this.confirmed || this.running}
                  @click=${() => void this.reset()}
                >
                  ${this.running ? 'Resetting…' : 'Reset environment'}
                </button>
                <button data-action="cancel" @click=${() => fire(this, 'aup-cancel', {})}>Cancel</button>
              </div>`
          : html`<p class="message" part="message">
              ${caps.reason === 'unknown' ? 'Asking the board what it allows…' : 'This board cannot reset the environment (read-only, attached to aup run, or on another origin).'}
            </p>`
      }
      ${this.error === undefined ? nothing : html`<p class="message error" part="message" role="alert">Could not reset the environment: ${this.error}</p>`}`;
  }

  private renderResult(r: EnvironmentResetResult): TemplateResult {
    return html`<div class="box result" part="result" role="status">
      <p><strong>Done: the board now shows an empty database.</strong></p>
      <dl>
        <dt>Backup of the old database</dt>
        <dd><code data-field="backup">${r.backup}</code></dd>
        <dt>New database</dt>
        <dd><code data-field="database">${r.database}</code></dd>
        <dt>Working directory</dt>
        <dd><code data-field="working-dir">${r.working_dir}</code></dd>
      </dl>
    </div>`;
  }

  private async reset(): Promise<void> {
    if (!this.api || !this.confirmed) return;
    const wd = this.renderRoot.querySelector<HTMLInputElement>('input[name="working-dir"]')?.value.trim() ?? '';
    this.running = true;
    this.error = undefined;
    try {
      const r = await new AupApiClient(this.api, this.token).resetEnvironment(wd === '' ? undefined : wd);
      this.result = r;
      this.confirmed = false;
      fire<EnvironmentResetResult>(this, 'aup-environment-reset', r);
    } catch (e) {
      this.error = (e as Error).message;
    } finally {
      this.running = false;
    }
  }
}
