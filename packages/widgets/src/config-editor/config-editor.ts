import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { stringify as toYaml } from 'yaml';

import type { ConfigProblem } from '../api/answers.js';
import { AupApiClient } from '../api/api-client.js';
import type { AupApiError } from '../api/api-error.js';
import type { ExperimentSummary } from '../experiment-list/experiment-summary.js';
import { AsyncLoadController } from '../controllers/async-load-controller.js';
import { CapabilitiesController } from '../controllers/board-capabilities.js';
import { compactJson } from '../experiment-overview/compact-json.js';
import { fire } from '../events.js';
import { configForValidation, detectFormat, parseConfigText, type ConfigFormat, type ParsedConfigText } from './config-text.js';
import { configEditorStyles } from './config-editor.styles.js';

/**
 * Validation waits this long after the last keystroke: long enough not to send a request per
 * character, short enough to feel live.
 */
export const VALIDATE_DEBOUNCE_MS = 400;

/** One problem the validate route reports, at its JSON path. */
export type { ConfigProblem };

/** Where validation stands. */
export type ValidationState =
  | { status: 'idle' }
  | { status: 'pending' }
  | { status: 'syntax'; message: string; line: number | null; column: number | null }
  | { status: 'valid'; config: Record<string, unknown>; local: boolean; warnings: ConfigProblem[] }
  | { status: 'invalid'; problems: ConfigProblem[]; warnings: ConfigProblem[] }
  | { status: 'error'; message: string };

/** `detail` of `aup-experiment-created`. */
export interface ExperimentCreatedDetail {
  id: number;
  experiment: ExperimentSummary;
  /** The runner started with "Start it now" (`{ pid, log }`), else null. */
  runner: unknown;
}
export type AupExperimentCreatedEvent = CustomEvent<ExperimentCreatedDetail>;

/** What a new editor starts with: the smallest config that shows every part of the panel. */
export const EXAMPLE_CONFIG = `{
  "name": "my-experiment",
  "script": "train.py",
  "proposer": "random",
  "n_samples": 10,
  "n_parallel": 1,
  "target": "max",
  "parameter_config": [
    { "name": "lr", "range": [0.0001, 0.1], "type": "float" },
    { "name": "layers", "range": [1, 4], "type": "int" }
  ]
}
`;

/**
 * An editor for an experiment config, in JSON or YAML, with a live validation panel: the values
 * as aup reads them (defaults filled in) or every problem at its JSON path, from the board's
 * `POST /config/validate` (debounced). A working-directory field sets the folder relative paths
 * resolve against; CREATE makes the experiment (`POST /experiments`), optionally starting it.
 * Without a board that may create (read-only, attached, another origin), the editor still
 * checks the syntax and shows the parsed values, and CREATE is absent.
 *
 * @summary Writes, validates and creates an experiment config.
 *
 * @attr api - Base URL of the board API (`/api/v1`).
 * @attr token - The session token (`Authorization: Bearer`) for validate and create.
 * @attr format - `json` or `yaml` (default: read from the text).
 * @attr working-dir - The working directory sent with CREATE (relative to the folder aup-board runs in).
 * @attr read-only - No validation request and no CREATE.
 * @attr attached - The board was started by `aup run --board`: no CREATE.
 * @attr theme - `light` or `dark`; without it the element follows `prefers-color-scheme`.
 * @prop {string} value - The editor's text.
 * @prop {unknown} data - A config object to start from (shown as JSON); the element never fetches for it.
 * @prop {ValidationState} validation - The last validation result.
 *
 * @fires aup-experiment-created - CREATE succeeded; `detail: { id, experiment, runner }`.
 * @fires aup-config-validated - A validation finished; `detail`: the ValidationState.
 *
 * @csspart editor - The text area.
 * @csspart panel - The validation panel.
 * @csspart problem - One problem in the panel.
 * @csspart warning - One warning in the panel (accepted, but flagged as `aup run` flags it).
 * @csspart create - The CREATE button.
 *
 * @cssprop --aup-color-surface - Background.
 * @cssprop --aup-color-surface-raised - The panel.
 * @cssprop --aup-color-text - Text.
 * @cssprop --aup-color-muted - Labels.
 * @cssprop --aup-color-border - Borders.
 * @cssprop --aup-color-accent - CREATE, focus.
 * @cssprop --aup-color-success - The "valid" line.
 * @cssprop --aup-color-danger - Problems.
 * @cssprop --aup-font-family - Font.
 * @cssprop --aup-font-size - Base font size.
 */
export class AupConfigEditor extends LitElement {
  static override styles = configEditorStyles;

  static override properties = {
    api: { type: String },
    token: { type: String },
    format: { type: String, reflect: true },
    workingDir: { type: String, attribute: 'working-dir' },
    readOnly: { type: Boolean, attribute: 'read-only', reflect: true },
    attached: { type: Boolean, reflect: true },
    theme: { type: String, reflect: true },
    value: { attribute: false },
    data: { attribute: false },
    validation: { state: true },
    creating: { state: true },
    createError: { state: true },
    startNow: { state: true },
  };

  /** Base URL of the board API. */
  api?: string;
  /** Session token for validate and create. */
  token?: string;
  /** The notation of the text; undefined reads it from the text. */
  format?: ConfigFormat;
  /** Working directory for CREATE. */
  workingDir = '';
  /** No validation request, no CREATE. */
  readOnly = false;
  /** An attached board: no CREATE. */
  attached = false;
  /** `light` or `dark`; unset follows the system. */
  theme?: 'light' | 'dark';
  /** The editor's text. */
  value = EXAMPLE_CONFIG;
  /** A config object to start from. */
  data?: unknown;
  /** The last validation result. */
  validation: ValidationState = { status: 'idle' };

  private creating = false;
  private createError: { message: string; problems: ConfigProblem[] } | undefined;
  private startNow = true;
  private lastControl: boolean | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly caps = new CapabilitiesController(this);
  /** The checks of the text: a newer one aborts the one in flight, leaving the page aborts it too. */
  private readonly checks = new AsyncLoadController<ValidationState>(this);

  /** Validates the text now (instead of after the debounce). */
  async validate(): Promise<ValidationState> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const parsed = this.parsed();
    const api = this.caps.value.control ? this.api : undefined;
    // Only a request to the board shows "Checking…"; the syntax and a local parse answer at once.
    if (parsed.ok && api) this.validation = { status: 'pending' };
    let mine: ValidationState | undefined;
    await this.checks.run(async (signal) => (mine = await this.check(parsed, api, signal)));
    // A newer check started meanwhile (or the element left the page): that one reports.
    const s = this.checks.state;
    if (mine === undefined || s.status !== 'complete' || s.value !== mine) return this.validation;
    this.validation = mine;
    fire(this, 'aup-config-validated', mine);
    return mine;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.timer !== undefined) clearTimeout(this.timer);
    // The controller aborted the check in flight; forgetting it keeps a reconnect from repeating
    // it for no one (the next edit validates).
    this.checks.clear();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('data') && this.data !== undefined) {
      this.value = `${compactJson(this.data)}\n`;
      this.format = 'json';
    }
  }

  protected override updated(changed: PropertyValues): void {
    // The first render, a new text from outside, or a new API: check it (the panel starts filled).
    const control = this.caps.value.control;
    const capsChanged = control !== this.lastControl;
    this.lastControl = control;
    if (changed.has('value') || changed.has('workingDir') || changed.has('token') || capsChanged) this.schedule();
  }

  protected override render(): TemplateResult {
    const caps = this.caps.value;
    const fmt = this.currentFormat();
    return html`<div class="layout">
      <div>
        <div class="bar">
          <strong>Experiment config</strong>
          <span class="grow"></span>
          <label
            ><input type="radio" name="format" value="json" .checked=${fmt === 'json'} @change=${() => this.convert('json')} /> JSON</label
          >
          <label
            ><input type="radio" name="format" value="yaml" .checked=${fmt === 'yaml'} @change=${() => this.convert('yaml')} /> YAML</label
          >
        </div>
        <textarea
          part="editor"
          aria-label="Experiment config (${fmt.toUpperCase()})"
          spellcheck="false"
          .value=${this.value}
          @input=${this.onInput}
          @keydown=${this.onKeydown}
        ></textarea>
        <div class="fields">
          <label for="wd">Working directory</label>
          <input
            id="wd"
            type="text"
            name="working-dir"
            placeholder="the folder aup-board was started in"
            .value=${this.workingDir}
            @change=${(e: Event) => (this.workingDir = (e.target as HTMLInputElement).value)}
          />
        </div>
        ${
          caps.create
            ? html`<div class="actions">
                <button class="primary" part="create" data-action="create" ?disabled=${this.creating} @click=${() => void this.create()}>
                  ${this.creating ? 'Creating…' : 'Create'}
                </button>
                <label
                  ><input
                    type="checkbox"
                    name="start"
                    .checked=${this.startNow}
                    @change=${(e: Event) => (this.startNow = (e.target as HTMLInputElement).checked)}
                  />
                  Start it now</label
                >
              </div>`
            : html`<p class="hint">
                ${caps.reason === 'unknown' ? 'Asking the board what it allows…' : 'This board cannot create experiments here (read-only, attached to aup run, or on another origin): the editor only checks the config.'}
              </p>`
        }
        ${
          this.createError === undefined
            ? nothing
            : html`<div class="message error" part="message" role="alert">
                Could not create the experiment: ${this.createError.message}
                ${this.createError.problems.length > 0 ? this.renderProblems(this.createError.problems) : nothing}
              </div>`
        }
      </div>
      <aside class="panel" part="panel" aria-live="polite">
        <h3>Validation</h3>
        ${this.renderValidation()}
      </aside>
    </div>`;
  }

  private renderValidation(): TemplateResult {
    const v = this.validation;
    switch (v.status) {
      case 'idle':
      case 'pending':
        return html`<p class="hint" role="status" data-validation="pending">Checking…</p>`;
      case 'syntax':
        return html`<p class="bad" data-validation="syntax">
            Not valid
            ${this.currentFormat().toUpperCase()}${v.line === null ? '' : ` (line ${v.line}${v.column === null ? '' : `, column ${v.column}`})`}
          </p>
          <p>${v.message}</p>`;
      case 'error':
        return html`<p class="bad" data-validation="error">Could not validate: ${v.message}</p>`;
      case 'invalid':
        return html`<p class="bad" data-validation="invalid">${v.problems.length} problem${v.problems.length === 1 ? '' : 's'}</p>
          ${this.renderProblems(v.problems)} ${this.renderWarnings(v.warnings)}`;
      case 'valid':
        return html`<p class="ok" data-validation="valid">
            ${v.local ? 'Parsed (not checked by a board)' : 'Valid: this is how aup reads it'}
          </p>
          ${this.renderWarnings(v.warnings)} ${this.renderValues(v.config)}`;
    }
  }

  /** What the board accepted but flags, as `aup run` prints its `aup: warning:` lines. */
  private renderWarnings(warnings: readonly ConfigProblem[]): TemplateResult | typeof nothing {
    if (warnings.length === 0) return nothing;
    return html`<p class="warn" data-validation-warnings=${warnings.length}>
        ${warnings.length} warning${warnings.length === 1 ? '' : 's'}
      </p>
      ${this.renderProblems(warnings, 'warning')}`;
  }

  private renderProblems(problems: readonly ConfigProblem[], kind: 'problem' | 'warning' = 'problem'): TemplateResult {
    return html`<ul class=${kind === 'problem' ? 'problems' : 'warnings'}>
      ${problems.map(
        (p) =>
          html`<li part=${kind} data-path=${p.path}>
            <code class="path">${p.path || '(root)'}</code>: ${p.message}
            ${p.suggestion ? html`<div class="hint">${p.suggestion}</div>` : nothing}
          </li>`,
      )}
    </ul>`;
  }

  private renderValues(config: Record<string, unknown>): TemplateResult {
    const params = Array.isArray(config['parameter_config']) ? (config['parameter_config'] as Array<Record<string, unknown>>) : [];
    return html`<table data-field="values">
        <tbody>
          ${Object.entries(config)
            .filter(([k]) => k !== 'parameter_config')
            .map(
              ([k, v]) =>
                html`<tr>
                  <th scope="row">${k}</th>
                  <td>${typeof v === 'string' ? v : compactJson(v)}</td>
                </tr>`,
            )}
        </tbody>
      </table>
      ${
        params.length === 0
          ? html`<p class="hint">No hyperparameters: a one-shot experiment.</p>`
          : html`<h3 style="margin-top: 0.75rem">Hyperparameters</h3>
              <table data-field="params">
                <thead>
                  <tr>
                    <th>name</th>
                    <th>type</th>
                    <th>range</th>
                  </tr>
                </thead>
                <tbody>
                  ${params.map(
                    (p) =>
                      html`<tr>
                        <td>${String(p['name'])}</td>
                        <td>${String(p['type'] ?? '')}</td>
                        <td>${compactJson(p['range'] ?? p['values'] ?? p['choices'] ?? '')}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
      }`;
  }

  /** One check of the text: its syntax, then the board's validate route when `api` is set, else a local parse. */
  private async check(parsed: ParsedConfigText, api: string | undefined, signal: AbortSignal): Promise<ValidationState> {
    if (!parsed.ok) return { status: 'syntax', message: parsed.message, line: parsed.line, column: parsed.column };
    if (!api) {
      return typeof parsed.value === 'object' && parsed.value !== null && !Array.isArray(parsed.value)
        ? { status: 'valid', config: parsed.value as Record<string, unknown>, local: true, warnings: [] }
        : { status: 'invalid', problems: [{ path: '(root)', message: 'expected an object of config keys' }], warnings: [] };
    }
    try {
      const answer = await new AupApiClient(api, this.token).validateConfig(configForValidation(parsed.value, this.workingDir), signal);
      return answer.ok
        ? { status: 'valid', config: answer.config, local: false, warnings: answer.warnings }
        : { status: 'invalid', problems: answer.problems, warnings: answer.warnings };
    } catch (e) {
      // An aborted check is overtaken, not failed: the controller drops it.
      if (signal.aborted) throw e;
      return { status: 'error', message: (e as Error).message };
    }
  }

  private async create(): Promise<void> {
    if (!this.api) return;
    const fmt = this.currentFormat();
    const parsed = this.parsed();
    if (!parsed.ok) {
      this.createError = { message: `the config is not valid ${fmt.toUpperCase()}: ${parsed.message}`, problems: [] };
      return;
    }
    this.creating = true;
    this.createError = undefined;
    try {
      const body = {
        ...(fmt === 'yaml' ? { yaml: this.value } : { config: parsed.value }),
        ...(this.workingDir.trim() === '' ? {} : { working_dir: this.workingDir.trim() }),
        start: this.startNow,
      };
      const answer = await new AupApiClient(this.api, this.token).createExperiment(body);
      fire<ExperimentCreatedDetail>(this, 'aup-experiment-created', {
        id: answer.experiment.id,
        experiment: answer.experiment,
        runner: answer.runner,
      });
    } catch (e) {
      const err = e as AupApiError;
      const problems = Array.isArray(err.details?.['problems']) ? (err.details['problems'] as ConfigProblem[]) : [];
      this.createError = { message: err.message, problems };
    } finally {
      this.creating = false;
    }
  }

  private convert(to: ConfigFormat): void {
    const from = this.currentFormat();
    if (from === to) return;
    const parsed = this.parsed();
    this.format = to;
    // A text that parses is rewritten in the other notation; a broken one is left for the user.
    if (parsed.ok) this.value = to === 'json' ? `${compactJson(parsed.value)}\n` : toYaml(parsed.value);
    this.schedule();
  }

  private onInput = (e: Event): void => {
    this.value = (e.target as HTMLTextAreaElement).value;
  };

  private onKeydown = (e: KeyboardEvent): void => {
    // Tab indents (two spaces) instead of leaving the editor; Shift+Tab still moves focus.
    if (e.key !== 'Tab' || e.shiftKey) return;
    e.preventDefault();
    const ta = e.target as HTMLTextAreaElement;
    ta.setRangeText('  ', ta.selectionStart, ta.selectionEnd, 'end');
    this.value = ta.value;
  };

  private schedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.validate(), VALIDATE_DEBOUNCE_MS);
  }

  private currentFormat(): ConfigFormat {
    return this.format ?? detectFormat(this.value);
  }

  private parsed(): ParsedConfigText {
    return parseConfigText(this.value, this.currentFormat());
  }
}
