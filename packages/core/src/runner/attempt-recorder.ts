import { parseLine, type ProtocolRecord } from '@aup/logger/protocol';
import type { IngestQueue } from './ingest-queue.js';
import { MAX_LINE_CHARS } from './output-pipe.js';

/** Warnings kept per job; beyond this only a count is kept, so a script spewing bad lines cannot bloat the store. */
export const MAX_WARNINGS_PER_JOB = 50;
/**
 * The longest text a text record keeps (characters); a longer one is cut, with a warning. 64 Ki
 * holds a model summary or a page of notes; the board shows every text record of a job in its
 * detail, so a few records of megabytes each would make that page (and the store) heavy.
 */
export const MAX_TEXT_CHARS = 64 * 1024;
/** Label of the intermediate series made from `#Auptimizer:` scores. */
export const SCORE_LABEL = 'score';

export interface AttemptRecorderOptions {
  jobId: number;
  queue: IngestQueue;
  /** `resource_args.multi_res_labels`: names of the extra values of `#Auptimizer:` lines (after the objectives). */
  labels?: string[];
  /**
   * With several objectives: their names. A result's first values are theirs, each kept as the
   * metric of its name; the score is the first.
   */
  objectives?: string[];
  /** `resource_args.track_intermediate_results`: every `#Auptimizer:` line is also an intermediate value. */
  trackIntermediate?: boolean;
  /** Called with every intermediate score (for early stopping). */
  onIntermediate?: (label: string, step: number, value: number) => void;
  /**
   * The best job's model save (save-model.ts): only artifacts are recorded on the job (and the
   * score and metrics kept here, for its attempt). Its scalars, texts, histograms and images repeat
   * what the trial recorded, and would double the job's series.
   */
  artifactsOnly?: boolean;
  now?: () => number;
}

/**
 * Turns a job's output lines (or an in-process objective's reports) into recorded results:
 * the final score and metrics, intermediate series, text records, artifacts and warnings.
 */
export class AttemptRecorder {
  score: number | undefined;
  metrics: Record<string, number> = {};
  readonly warnings: string[] = [];
  #droppedWarnings = 0;
  #lineNo = { stdout: 0, stderr: 0 };
  #steps = new Map<string, number>();
  #scoreFrozen = false;
  #cutWarned = false;
  #opts: AttemptRecorderOptions;
  #now: () => number;

  constructor(opts: AttemptRecorderOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
  }

  /**
   * Feeds one line of output (without its line end); line numbers in warnings count per stream.
   * A `cut` line (longer than MAX_LINE_CHARS, output-pipe.ts) is not read for records; the first
   * one of the attempt gets a warning (one is enough to say that lines are cut, and a job printing
   * a long line per step would otherwise fill its warnings).
   */
  line(text: string, stream: 'stdout' | 'stderr' = 'stdout', cut = false): void {
    const n = ++this.#lineNo[stream];
    if (cut) {
      if (!this.#cutWarned) {
        this.#cutWarned = true;
        this.warn(
          `${stream} line ${n}: longer than ${MAX_LINE_CHARS.toLocaleString('en-US')} characters (the line limit), so not read for protocol records; the log keeps it whole${this.#cutNote(text)}`,
        );
      }
      return;
    }
    const rec = parseLine(text);
    if (rec) this.record(rec, `${stream} line ${n}`);
  }

  /** Says when a cut line was a record, so that whoever misses a result learns why. */
  #cutNote(text: string): string {
    const prefix = ['#aup:', '#Auptimizer:'].find((p) => text.startsWith(p));
    return prefix === undefined ? '' : `; it began with "${prefix}", so that record is lost`;
  }

  warn(message: string): void {
    if (this.warnings.length < MAX_WARNINGS_PER_JOB) this.warnings.push(message);
    else this.#droppedWarnings++;
  }

  /** Warnings including a final line counting the ones dropped. */
  allWarnings(): string[] {
    return this.#droppedWarnings ? [...this.warnings, `${this.#droppedWarnings} more warnings not kept`] : [...this.warnings];
  }

  #nextStep(label: string, step: number | undefined): number {
    const next = step ?? this.#steps.get(label) ?? 0;
    this.#steps.set(label, Math.max(next + 1, this.#steps.get(label) ?? 0));
    return next;
  }

  /**
   * Keeps the score as it is now: later result lines and `score` values are ignored. Called when a
   * job is early-stopped, so that lines printed between the decision and the kill cannot change
   * its score or the series the pruner is rebuilt from on resume.
   */
  freezeScore(): void {
    this.#scoreFrozen = true;
  }

  /** Records an intermediate value (step auto-increments per label when omitted). */
  intermediate(label: string, value: number, step?: number): void {
    if (this.#scoreFrozen && label === SCORE_LABEL) return;
    if (!Number.isFinite(value)) {
      // SQLite cannot store NaN, and a diverged point cannot be plotted or compared: keep a warning instead.
      this.warn(`intermediate value ${String(value)} of "${label}" not recorded (not a finite number)`);
      this.#nextStep(label, step);
      return;
    }
    const s = this.#nextStep(label, step);
    this.#opts.queue.intermediate({ jobId: this.#opts.jobId, label, step: s, value, time: this.#now() });
    this.#opts.onIntermediate?.(label, s, value);
  }

  /**
   * The final result as a list (an in-process objective's array): the score is the first value,
   * and with several objectives each is kept as the metric of its objective's name.
   */
  result(values: readonly number[]): void {
    if (this.#scoreFrozen || values.length === 0) return;
    this.score = values[0];
    this.#objectiveValues(values, '');
  }

  /** Keeps each objective's value as its metric; says when the count does not match the objectives. */
  #objectiveValues(values: readonly number[], where: string): void {
    const objectives = this.#opts.objectives ?? [];
    if (objectives.length < 2) {
      if (values.length > 1)
        this.warn(`${where}the result lists ${values.length} values, but the experiment has one objective: the first is the score`);
      return;
    }
    if (values.length !== objectives.length) {
      this.warn(
        `${where}the result lists ${values.length} values, but the experiment has ${objectives.length} objectives (${objectives.join(', ')})`,
      );
    }
    objectives.forEach((name, i) => {
      if (i < values.length) this.metrics[name] = values[i]!;
    });
  }

  /**
   * Why a finished job's result cannot be ranked on several objectives (a value missing or not
   * finite), or undefined when every objective has a finite value (or there is one objective).
   */
  objectivesProblem(): string | undefined {
    const objectives = this.#opts.objectives ?? [];
    if (objectives.length < 2) return undefined;
    const missing = objectives.filter((name) => this.metrics[name] === undefined);
    if (missing.length > 0) {
      return `reported no value for the objective${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (a result lists one value per objective: ${objectives.join(', ')})`;
    }
    const bad = objectives.find((name) => !Number.isFinite(this.metrics[name]));
    return bad === undefined ? undefined : `reported a non-finite value for the objective ${bad} (${this.metrics[bad]})`;
  }

  /** Records one protocol record; `where` (e.g. "stdout line 8") prefixes its warnings. */
  record(rec: ProtocolRecord, where?: string): void {
    where = where === undefined ? '' : `${where}: `;
    const jobId = this.#opts.jobId;
    if (this.#opts.artifactsOnly && SERIES_RECORDS.has(rec.type)) return;
    switch (rec.type) {
      case 'auptimizer': {
        const objectives = this.#opts.objectives ?? [];
        const [score] = rec.values;
        if (score === undefined || this.#scoreFrozen) return;
        this.score = score;
        const own = rec.values.slice(0, Math.max(1, objectives.length));
        const extra = rec.values.slice(own.length);
        this.#objectiveValues(own, where);
        if (this.#opts.trackIntermediate) own.slice(1).forEach((v, i) => this.intermediate(objectives[i + 1]!, v));
        const labels = this.#opts.labels ?? [];
        if (extra.length > labels.length) {
          this.warn(`${where}#Auptimizer: line has ${extra.length} extra values but multi_res_labels names ${labels.length}`);
        }
        extra.forEach((v, i) => {
          const label = labels[i] ?? `result_${i + 1}`;
          this.metrics[label] = v;
        });
        if (this.#opts.trackIntermediate) {
          this.intermediate(SCORE_LABEL, score);
          extra.forEach((v, i) => this.intermediate(labels[i] ?? `result_${i + 1}`, v));
        }
        return;
      }
      case 'result':
        if (this.#scoreFrozen) return;
        this.score = rec.value;
        if (rec.metrics) Object.assign(this.metrics, rec.metrics);
        this.#objectiveValues(rec.values ?? [rec.value], where);
        return;
      case 'scalar':
        this.intermediate(rec.name, rec.value, rec.step);
        return;
      case 'text': {
        let text = rec.text;
        if (text.length > MAX_TEXT_CHARS) {
          // Not in the middle of a surrogate pair: the stored text stays valid UTF-16 (and UTF-8).
          const end = isHighSurrogate(text.charCodeAt(MAX_TEXT_CHARS - 1)) ? MAX_TEXT_CHARS - 1 : MAX_TEXT_CHARS;
          this.warn(
            `${where}text record "${rec.name}" has ${text.length.toLocaleString('en-US')} characters; only its first ${end.toLocaleString('en-US')} are kept (the text record limit)`,
          );
          text = text.slice(0, end);
        }
        this.#opts.queue.text({ jobId, kind: 'text', name: rec.name, step: null, payload: { text }, time: this.#now() });
        return;
      }
      case 'histogram':
        this.#opts.queue.text({
          jobId,
          kind: 'histogram',
          name: rec.name,
          step: this.#nextStep(`histogram:${rec.name}`, rec.step),
          payload: { values: rec.values },
          time: this.#now(),
        });
        return;
      case 'image':
        this.#opts.queue.text({
          jobId,
          kind: 'image',
          name: rec.name,
          step: this.#nextStep(`image:${rec.name}`, rec.step),
          payload: { path: rec.path },
          time: this.#now(),
        });
        return;
      case 'artifact':
        this.#opts.queue.artifact({ jobId, path: rec.path, time: this.#now() });
        return;
      case 'malformed':
        this.warn(`${where}${rec.reason}`);
        return;
    }
  }
}

/** The records a model save does not record (artifactsOnly). */
const SERIES_RECORDS: ReadonlySet<ProtocolRecord['type']> = new Set(['scalar', 'text', 'histogram', 'image']);

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
