import { render } from 'lit';
import type { RowComponent } from 'tabulator-tables';

import type { AupApiClient } from '../api/api-client.js';
import type { ExperimentDetail } from '../api/experiment-detail.js';
import type { LiveBatch } from '../controllers/live-controller.js';
import type { JobRow } from './job-columns.js';
import { renderJobDetail, type JobDetailState } from './job-detail-view.js';

/** Bytes of an attempt's log shown in an expanded row: the end of the log, where errors are. */
export const LOG_TAIL_BYTES = 64 * 1024;
/** A running job's log is read again this often while its row is open: close to live, one small request. */
export const LOG_FOLLOW_MS = 2_000;
/** How long a kill waits for the runner's answer before saying it was only requested. */
const KILL_WAIT_MS = 10_000;

/** What the expanded rows ask of the element. */
export interface DetailRowsHost {
  /** The board client in server mode; undefined with `data` (the detail shows the row alone). */
  client(): AupApiClient | undefined;
  /** The experiment, for its host and git info. */
  experiment(): ExperimentDetail | undefined;
  /** Whether kill and delete are offered. */
  canControl(): boolean;
  findRow(id: number): RowComponent | undefined;
  open(id: number): void;
  /** A job was killed or deleted: the page is read again (and a deleted job leaves the selection). */
  afterAction(id: number, kind: 'kill' | 'delete'): void;
}

/**
 * The job table's expanded rows: which jobs are open, each one's detail and log (loaded through
 * the board client, the log of a running job followed while open), kill and delete. The detail is
 * rendered into the row Tabulator draws, outside the element's own render.
 */
export class JobDetailRows {
  private readonly expanded = new Set<number>();
  private readonly details = new Map<number, JobDetailState>();
  private logTimer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly host: DetailRowsHost) {}

  isExpanded(id: number): boolean {
    return this.expanded.has(id);
  }

  /** Forgets every open row (a new experiment). */
  clear(): void {
    this.expanded.clear();
    this.details.clear();
  }

  /** Starts following the logs of open running jobs (output gives no change event: they are polled). */
  follow(): void {
    this.logTimer ??= setInterval(() => this.followLogs(), LOG_FOLLOW_MS);
  }

  stopFollowing(): void {
    clearInterval(this.logTimer);
    this.logTimer = undefined;
  }

  /** Draws every open row again (what the host offers changed, e.g. control). */
  renderAll(): void {
    for (const id of this.expanded) this.render(id);
  }

  /** A live batch: open rows of changed jobs (all of them on a full batch) are read again, quietly. */
  onLive(batch: LiveBatch): void {
    const touched = new Set(batch.changes.map((c) => c.job_id).filter((id): id is number => id !== null));
    for (const id of this.expanded) if (batch.full || touched.has(id)) this.loadDetail(id, true);
  }

  /** Tabulator's row formatter: adds, draws or removes the row's detail. */
  formatRow(row: RowComponent): void {
    const data = row.getData() as JobRow;
    const el = row.getElement();
    let holder = el.querySelector<HTMLElement>(':scope > .detail');
    if (!this.expanded.has(data.id)) {
      holder?.remove();
      return;
    }
    if (holder === null) {
      holder = document.createElement('div');
      holder.className = 'detail';
      holder.setAttribute('part', 'detail');
      // Clicks inside the detail are not clicks on the row (which select it).
      for (const type of ['click', 'dblclick', 'mousedown', 'mouseup']) holder.addEventListener(type, (e) => e.stopPropagation());
      el.appendChild(holder);
    }
    this.render(data.id, holder, data);
  }

  toggle(id: number): void {
    if (this.expanded.has(id)) {
      this.expanded.delete(id);
    } else {
      this.expanded.add(id);
      if (this.host.client() !== undefined && !this.details.has(id)) this.loadDetail(id, false);
    }
    const row = this.host.findRow(id);
    if (row) {
      row.reformat();
      row.normalizeHeight();
    }
  }

  /** A deleted job: its row is gone. */
  forget(id: number): void {
    this.expanded.delete(id);
    this.details.delete(id);
  }

  private render(id: number, holder?: HTMLElement, data?: JobRow): void {
    const row = data ?? (this.host.findRow(id)?.getData() as JobRow | undefined);
    const el = holder ?? this.host.findRow(id)?.getElement().querySelector<HTMLElement>(':scope > .detail') ?? undefined;
    if (row === undefined || el === undefined) return;
    const client = this.host.client();
    render(
      renderJobDetail(client !== undefined ? (this.details.get(id) ?? { load: 'loading' }) : undefined, {
        row,
        experiment: this.host.experiment(),
        canControl: client !== undefined && this.host.canControl(),
        ...(client !== undefined
          ? { artifactUrl: (j: number, i: number) => client.artifactUrl(j, i), imageUrl: (j: number, i: number) => client.imageUrl(j, i) }
          : {}),
        onOpen: () => this.host.open(id),
        onAction: (kind) => this.setDetail(id, { action: { kind, phase: 'confirm' } }),
        onConfirm: () => void this.runAction(id),
        onCancel: () => this.setDetail(id, { action: undefined }),
        onLog: (attempt) => this.loadLog(id, attempt),
      }),
      el,
    );
    // Content that came later made the row grow or shrink: Tabulator lays out rows by their
    // measured height. (Inside the row formatter Tabulator measures the row itself afterwards.)
    if (holder === undefined) this.host.findRow(id)?.normalizeHeight();
  }

  private setDetail(id: number, patch: Partial<JobDetailState>): void {
    const prev = this.details.get(id) ?? { load: 'loading' };
    this.details.set(id, { ...prev, ...patch });
    this.render(id);
  }

  /** GET /jobs/{jid} and the log of the chosen (or last) attempt; `quiet` keeps what is shown until the answer. */
  private loadDetail(id: number, quiet: boolean): void {
    const client = this.host.client();
    if (client === undefined) return;
    if (!quiet) this.setDetail(id, { load: 'loading' });
    client.job(id).then(
      (job) => {
        const prev = this.details.get(id);
        this.setDetail(id, { load: 'complete', job, error: undefined });
        const attempt = prev?.logAttempt ?? job.attempts.at(-1)?.attempt;
        if (attempt !== undefined) this.loadLog(id, attempt, quiet);
      },
      (e: unknown) => {
        if (!quiet || this.details.get(id)?.job === undefined) this.setDetail(id, { load: 'error', error: (e as Error).message });
      },
    );
  }

  private loadLog(id: number, attempt: number, quiet = false): void {
    const client = this.host.client();
    if (client === undefined) return;
    const prev = this.details.get(id);
    if (!quiet || prev?.log?.attempt !== attempt) this.setDetail(id, { logAttempt: attempt, log: { attempt, state: 'loading' } });
    client.log(id, attempt, LOG_TAIL_BYTES).then(
      (slice) => {
        if (this.details.get(id)?.logAttempt !== attempt) return;
        this.setDetail(id, { log: { attempt, state: 'complete', text: slice.text, size: slice.size, offset: slice.offset } });
      },
      (e: unknown) => {
        if (this.details.get(id)?.logAttempt !== attempt) return;
        this.setDetail(id, { log: { attempt, state: 'error', error: (e as Error).message } });
      },
    );
  }

  private followLogs(): void {
    if (this.host.client() === undefined) return;
    for (const id of this.expanded) {
      const state = this.details.get(id);
      const last = state?.job?.attempts.at(-1)?.attempt;
      if (state?.job?.status !== 'running' || last === undefined || (state.logAttempt ?? last) !== last) continue;
      if (state.log?.state === 'loading') continue;
      this.loadLog(id, last, true);
    }
  }

  private async runAction(id: number): Promise<void> {
    const client = this.host.client();
    const kind = this.details.get(id)?.action?.kind;
    if (client === undefined || kind === undefined) return;
    this.setDetail(id, { action: { kind, phase: 'pending', message: kind === 'kill' ? `Killing job ${id}…` : `Deleting job ${id}…` } });
    try {
      if (kind === 'kill') {
        const answer = await client.killJob(id, KILL_WAIT_MS);
        const ok = answer.result?.ok;
        const message =
          answer.done_at == null
            ? `Kill requested; the runner has not answered yet.`
            : ok === false
              ? `The runner could not kill it: ${answer.result?.message ?? 'no reason given'}`
              : `Job ${id} was killed.`;
        this.setDetail(id, { action: { kind, phase: ok === false ? 'error' : 'done', message } });
        this.loadDetail(id, true);
      } else {
        await client.deleteJob(id);
        this.forget(id);
      }
      this.host.afterAction(id, kind);
    } catch (e) {
      this.setDetail(id, { action: { kind, phase: 'error', message: (e as Error).message } });
    }
  }
}
