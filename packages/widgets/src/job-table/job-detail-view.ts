import { html, nothing, type TemplateResult } from 'lit';

import type { ExperimentDetail } from '../api/experiment-detail.js';
import type { JobAttempt, JobDetail } from '../api/job-detail.js';
import { formatScore, formatTimestamp, MISSING } from '../format/format.js';
import { formatDuration } from '../format/format.js';
import type { JobRow } from './job-columns.js';

// The expanded row of <aup-job-table>: everything about one job, from GET /jobs/{jid} (attempts,
// records, artifacts, warnings), the attempt logs and the experiment's host and git info.

/** What the table knows of one expanded job. */
export interface JobDetailState {
  load: 'loading' | 'complete' | 'error';
  job?: JobDetail;
  error?: string;
  /** The attempt whose log is shown (the last one unless a tab was chosen). */
  logAttempt?: number;
  log?:
    | { attempt: number; state: 'loading' }
    | { attempt: number; state: 'complete'; text: string; size: number; offset: number }
    | { attempt: number; state: 'error'; error: string };
  /** A kill or delete asked for: waiting for confirmation, under way, or its outcome. */
  action?: { kind: 'kill' | 'delete'; phase: 'confirm' | 'pending' | 'done' | 'error'; message?: string };
}

/** What the detail view needs from the table. */
export interface JobDetailContext {
  row: JobRow;
  experiment: ExperimentDetail | undefined;
  /** Kill and delete are offered (a board that is not read-only). */
  canControl: boolean;
  artifactUrl?: (jobId: number, index: number) => string;
  imageUrl?: (jobId: number, index: number) => string;
  onOpen(): void;
  onAction(kind: 'kill' | 'delete'): void;
  onConfirm(): void;
  onCancel(): void;
  onLog(attempt: number): void;
}

/** The expanded row's content; `state` is undefined for rows of the `data` property (no server to ask). */
export function renderJobDetail(state: JobDetailState | undefined, ctx: JobDetailContext): TemplateResult {
  const row = ctx.row;
  const job = state?.job;
  const status = String(job?.status ?? row['status'] ?? '');
  return html`<div class="detail-head">
      <h3>Job ${row.id}</h3>
      <span class="badge ${status}">${status}</span>
      <span class="missing">trial ${job?.trial ?? row['trial'] ?? MISSING}</span>
      <button part="open-job" @click=${ctx.onOpen}>Open</button>
      ${ctx.canControl && state !== undefined ? controls(status, state, ctx) : nothing}
    </div>
    ${
      state === undefined
        ? html`<p class="missing">
            Attempts, logs, records and artifacts come from the board API (set the <code>api</code> and <code>experiment</code> attributes).
          </p>`
        : state.load === 'loading'
          ? html`<p class="missing" role="status">Loading job ${row.id}…</p>`
          : state.load === 'error'
            ? html`<p class="danger" role="alert">Could not load job ${row.id}: ${state.error}</p>`
            : nothing
    }
    <div class="detail-grid">
      ${results(job, row)} ${params(job, row)} ${job !== undefined ? attempts(job.attempts) : nothing} ${hostAndGit(job, ctx.experiment)}
      ${job !== undefined ? records(job, ctx) : nothing} ${job !== undefined && job.warnings.length > 0 ? warnings(job.warnings) : nothing}
      ${job !== undefined && job.attempts.length > 0 && state !== undefined ? logs(job, state, ctx) : nothing}
    </div>`;
}

function controls(status: string, state: JobDetailState, ctx: JobDetailContext): TemplateResult {
  const a = state.action;
  if (a?.phase === 'confirm') {
    return html`<span role="alertdialog" aria-label="Confirm">
      ${a.kind === 'kill' ? `Kill job ${ctx.row.id}? It ends failed; the experiment goes on.` : `Delete job ${ctx.row.id} with its attempts, results and records?`}
      <button part="confirm" class="danger" @click=${ctx.onConfirm}>${a.kind === 'kill' ? 'Kill' : 'Delete'}</button>
      <button @click=${ctx.onCancel}>Cancel</button>
    </span>`;
  }
  const running = status === 'running';
  const owned = running || status === 'queued';
  return html`${running ? html`<button part="kill-job" ?disabled=${a?.phase === 'pending'} @click=${() => ctx.onAction('kill')}>Kill job</button>` : nothing}
  ${!owned ? html`<button part="delete-job" ?disabled=${a?.phase === 'pending'} @click=${() => ctx.onAction('delete')}>Delete job</button>` : nothing}
  ${
    a === undefined
      ? nothing
      : html`<span class=${a.phase === 'error' ? 'danger' : 'missing'} role=${a.phase === 'error' ? 'alert' : 'status'}
          >${a.message ?? ''}</span
        >`
  }`;
}

function results(job: JobDetail | undefined, row: JobRow): TemplateResult {
  const score = job !== undefined ? job.score : (row['score'] as number | null);
  const metrics =
    job !== undefined
      ? Object.entries(job.metrics)
      : Object.entries(row)
          .filter(([k]) => k.startsWith('metric:'))
          .map(([k, v]) => [k.slice(7), v] as const);
  return html`<section part="detail-results">
    <h4>Results</h4>
    <table>
      <tr>
        <th>score</th>
        <td class="num" title=${String(score ?? '')}>${formatScore(score)}</td>
      </tr>
      ${metrics.map(
        ([k, v]) =>
          html`<tr>
            <th>${k}</th>
            <td class="num" title=${String(v)}>${typeof v === 'number' ? formatScore(v) : String(v)}</td>
          </tr>`,
      )}
      ${
        job?.budget != null
          ? html`<tr>
              <th>budget</th>
              <td class="num">${job.budget}</td>
            </tr>`
          : nothing
      }
    </table>
  </section>`;
}

function params(job: JobDetail | undefined, row: JobRow): TemplateResult {
  const entries =
    job !== undefined
      ? Object.entries(job.params)
      : Object.entries(row)
          .filter(([k]) => k.startsWith('param:'))
          .map(([k, v]) => [k.slice(6), v] as const);
  return html`<section part="detail-params">
    <h4>Parameters</h4>
    ${
      entries.length === 0
        ? html`<p class="missing">none (a one-shot experiment)</p>`
        : html`<table>
            ${entries.map(
              ([k, v]) =>
                html`<tr>
                  <th>${k}</th>
                  <td class="num">${String(v)}</td>
                </tr>`,
            )}
          </table>`
    }
  </section>`;
}

/** Says what an attempt of kind save_model is (resource_args.save_model). */
const SAVE_TITLE =
  "The best job run again after the experiment, so that its script saves the model; it leaves the job's status and score as they are";

function attempts(list: readonly JobAttempt[]): TemplateResult {
  return html`<section class="wide" part="detail-attempts">
    <h4>Attempts</h4>
    ${
      list.length === 0
        ? html`<p class="missing">No attempt has started yet.</p>`
        : html`<table>
            <tr>
              <th>#</th>
              <th>status</th>
              <th>host</th>
              <th>slot</th>
              <th>worker</th>
              <th>exit</th>
              <th>score</th>
              <th>started</th>
              <th>duration</th>
              <th>error</th>
            </tr>
            ${list.map(
              (a) =>
                html`<tr>
                  <td class="num">
                    ${a.attempt}${a.kind === 'save_model' ? html` <span class="badge" title=${SAVE_TITLE}>model save</span>` : nothing}
                  </td>
                  <td><span class="badge ${a.status}">${a.status}</span></td>
                  <td>${a.host ?? MISSING}</td>
                  <td>${a.slot ?? MISSING}</td>
                  <td>${a.worker_id ?? MISSING}</td>
                  <td class="num">${a.exit_code ?? MISSING}</td>
                  <td class="num">${formatScore(a.score)}</td>
                  <td title=${a.started_at}>${formatTimestamp(a.started_at)}</td>
                  <td class="num">${formatDuration(a.duration_ms, { subSecond: true })}</td>
                  <td class=${a.error === null ? '' : 'danger'}>${a.error ?? ''}</td>
                </tr>`,
            )}
          </table>`
    }
  </section>`;
}

const GIB = 1024 ** 3;

function hostAndGit(job: JobDetail | undefined, exp: ExperimentDetail | undefined): TemplateResult | typeof nothing {
  const host = exp?.host ?? null;
  const git = exp?.git ?? null;
  const attemptHosts = [...new Set((job?.attempts ?? []).map((a) => a.host).filter((h): h is string => h !== null))];
  if (host === null && git === null && attemptHosts.length === 0) return nothing;
  const h = (host ?? {}) as Record<string, unknown>;
  const os = [h['os'], h['release'], h['arch']].filter((v) => v != null).join(' ');
  const gpus = Array.isArray(h['gpus']) ? (h['gpus'] as unknown[]).map(String) : [];
  const memory = typeof h['totalMemory'] === 'number' ? `${(h['totalMemory'] / GIB).toFixed(1)} GiB` : undefined;
  return html`<section part="detail-host">
    <h4>Host and git</h4>
    <table>
      ${
        attemptHosts.length > 0
          ? html`<tr>
              <th>ran on</th>
              <td>${attemptHosts.join(', ')}</td>
            </tr>`
          : nothing
      }
      ${
        h['hostname'] != null
          ? html`<tr>
              <th>created on</th>
              <td>${String(h['hostname'])}${h['user'] != null ? ` (${String(h['user'])})` : ''}</td>
            </tr>`
          : nothing
      }
      ${
        os !== ''
          ? html`<tr>
              <th>os</th>
              <td>${os}</td>
            </tr>`
          : nothing
      }
      ${
        h['cores'] != null
          ? html`<tr>
              <th>cpu</th>
              <td>${String(h['cores'])} cores${memory !== undefined ? `, ${memory}` : ''}</td>
            </tr>`
          : nothing
      }
      ${
        h['node'] != null || h['python'] != null
          ? html`<tr>
              <th>runtimes</th>
              <td>node ${String(h['node'] ?? MISSING)}, python ${String(h['python'] ?? MISSING)}</td>
            </tr>`
          : nothing
      }
      ${
        gpus.length > 0
          ? html`<tr>
              <th>gpus</th>
              <td>${gpus.join(', ')}</td>
            </tr>`
          : nothing
      }
      ${
        git === null
          ? html`<tr>
              <th>git</th>
              <td class="missing">not a git repository</td>
            </tr>`
          : html`<tr>
              <th>git</th>
              <td>
                ${git.branch ?? '(detached)'}
                ${git.commit !== null ? html`<code title=${git.commit}>${git.commit.slice(0, 10)}</code>` : '(no commit)'}${git.dirty ? html` <span class="warning">dirty</span>` : nothing}
              </td>
            </tr>`
      }
    </table>
  </section>`;
}

function records(job: JobDetail, ctx: JobDetailContext): TemplateResult {
  const { text, image } = job.records;
  const artifacts = job.artifacts;
  return html`${
    text.length > 0
      ? html`<section class="wide" part="detail-text">
          <h4>Text records</h4>
          ${text.map(
            (t) =>
              html`<div>
                <strong>${t.name}</strong>${t.step !== null ? html` <span class="missing">step ${t.step}</span>` : nothing}
                <pre>${t.text}</pre>
              </div>`,
          )}
        </section>`
      : nothing
  }
  ${
    artifacts.length > 0 || image.length > 0
      ? html`<section part="detail-artifacts">
          <h4>Artifacts</h4>
          <ul>
            ${artifacts.map(
              (a) =>
                html`<li>
                  ${ctx.artifactUrl !== undefined ? html`<a part="artifact" href=${ctx.artifactUrl(job.id, a.index)} download>${a.path}</a>` : a.path}
                </li>`,
            )}
            ${image.map(
              (i) =>
                html`<li>
                  ${ctx.imageUrl !== undefined ? html`<a href=${ctx.imageUrl(job.id, i.index)} target="_blank" rel="noopener">${i.name}${i.step !== null ? ` @ ${i.step}` : ''}</a>` : i.path}
                  <span class="missing">image</span>
                </li>`,
            )}
          </ul>
        </section>`
      : nothing
  }`;
}

function warnings(list: readonly string[]): TemplateResult {
  return html`<section class="wide" part="detail-warnings">
    <h4>Warnings</h4>
    <ul class="warning">
      ${list.map((w) => html`<li>${w}</li>`)}
    </ul>
  </section>`;
}

function logs(job: JobDetail, state: JobDetailState, ctx: JobDetailContext): TemplateResult {
  const chosen = state.logAttempt ?? job.attempts.at(-1)!.attempt;
  const log = state.log?.attempt === chosen ? state.log : undefined;
  return html`<section class="wide" part="detail-logs">
    <h4>Log (stdout and stderr, interleaved)</h4>
    <div class="tabs" role="tablist">
      ${job.attempts.map(
        (a) =>
          html`<button
            role="tab"
            part="log-tab"
            aria-selected=${a.attempt === chosen ? 'true' : 'false'}
            @click=${() => ctx.onLog(a.attempt)}
          >
            Attempt ${a.attempt}${a.kind === 'save_model' ? ' (model save)' : ''}
          </button>`,
      )}
    </div>
    ${
      log === undefined || log.state === 'loading'
        ? html`<p class="missing" role="status">Loading the log…</p>`
        : log.state === 'error'
          ? html`<p class="missing">${log.error}</p>`
          : html`${log.offset > 0 ? html`<p class="missing">The last ${log.text.length.toLocaleString('en-US')} characters of ${log.size.toLocaleString('en-US')} bytes.</p>` : nothing}
              <pre part="log" role="tabpanel">${log.text === '' ? '(empty)' : log.text}</pre>`
    }
  </section>`;
}
