// The answers of GET /health and of the mutating routes (wire.ts, printed from the server's
// schemas), read with the same outline checks as the other parsers. Where a schema says only "any
// JSON" (a validated config, a control request's result) the type here is the outline the elements
// read, checked once in these parsers.
import { arrayAt, numberAt, objectAt } from './parse.js';
import type {
  ConfigProblem as WireConfigProblem,
  ControlledExperiment,
  ControlRequest,
  DeleteExperimentResult,
  DeleteJobResult,
  EnvironmentResetResult,
  Health,
  ReportJobResult,
} from './wire.js';

export type { ControlledExperiment, DeleteExperimentResult, DeleteJobResult, EnvironmentResetResult, ReportJobResult };

/** GET /health: whether the board is read-only (no control routes), its version, and what needs the token. */
export interface BoardHealth extends Omit<Health, 'ok' | 'token_required' | 'read_token_required'> {
  ok: boolean;
  /** Requests that change data need the session token (older boards do not say). */
  token_required?: boolean;
  /** Reads need the session token too: a board others can reach (older boards do not say). */
  read_token_required?: boolean;
}

/** One problem the validate route reports, at its JSON path (a check in the page may give only path and message). */
export type ConfigProblem = Pick<WireConfigProblem, 'path' | 'message'> & Partial<Omit<WireConfigProblem, 'path' | 'message'>>;

/** POST /config/validate: the normalised config, or the problems. */
/** The validate route's answer; `warnings` is empty from a board older than the field. */
export type ConfigCheck =
  | { ok: true; config: Record<string, unknown>; warnings: ConfigProblem[] }
  | { ok: false; problems: ConfigProblem[]; warnings: ConfigProblem[] };

/** What a runner answered a control request: `{ ok: true, ... }` or `{ ok: false, code, message }`. */
export interface ControlResult {
  ok: boolean;
  code?: string;
  message?: string;
  [key: string]: unknown;
}

/** A control request (stop, kill, set, enqueue) and, once the runner took it, its result. */
export interface ControlAnswer extends Omit<ControlRequest, 'result'> {
  result: ControlResult | null;
}

/** Reads the body of GET /health; it is not checked (an element asks it only to decide what to show). */
export function parseHealth(json: unknown): BoardHealth {
  return json as BoardHealth;
}

/** Reads the body of POST /config/validate. */
export function parseConfigCheck(json: unknown): ConfigCheck {
  const o = objectAt(json, 'validation');
  const warnings = o['warnings'] === undefined ? [] : (arrayAt(o['warnings'], 'validation.warnings') as ConfigProblem[]);
  if (o['ok'] === true) return { ok: true, config: objectAt(o['config'], 'validation.config'), warnings };
  return { ok: false, problems: arrayAt(o['problems'], 'validation.problems') as ConfigProblem[], warnings };
}

/** Reads the answer of create, copy, start and resume: the experiment and the runner the board started. */
export function parseControlled(json: unknown): ControlledExperiment {
  const o = objectAt(json, 'body');
  numberAt(objectAt(o['experiment'], 'body.experiment'), 'id', 'body.experiment');
  return o as unknown as ControlledExperiment;
}

/** Reads the answer of stop, kill, set and enqueue. */
export function parseControlAnswer(json: unknown): ControlAnswer {
  const o = objectAt(json, 'request');
  numberAt(o, 'id', 'request');
  if (o['result'] !== null && o['result'] !== undefined) objectAt(o['result'], 'request.result');
  return o as unknown as ControlAnswer;
}

/** Reads an answer whose outline the elements do not rely on beyond being an object. */
export function parseObject<T>(what: string): (json: unknown) => T {
  return (json) => objectAt(json, what) as unknown as T;
}
