import { AupError, JOB_FILTER_OPS, type JobFilter, type JobFilterOp } from '@aup/core';

// The URL forms of a job query: `filter=<column><op><value>` and comma-separated id lists. Parsing
// is strict: anything that does not fit is a 400 naming the part, never a guess.

/** URL operators, longest first so `>=` is not read as `>` followed by `=...`; `~` is `contains`. */
const URL_OPS: readonly (readonly [string, JobFilterOp])[] = [
  ['>=', '>='],
  ['<=', '<='],
  ['!=', '!='],
  ['=', '='],
  ['<', '<'],
  ['>', '>'],
  ['~', 'contains'],
];
const OP_CHARS = /[=<>!~]/;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const QUOTED = /^"(.*)"$/s;
const ID_LIST = /^\d{1,16}(,\d{1,16})*$/;

/**
 * One `filter` query value: `<column><op><value>`, op one of `= != < <= > >= ~` (`~` = contains).
 * A value that reads as a number is a number; wrap it in double quotes to compare it as text.
 * @example parseJobFilter('metric:acc>=0.9') // { column: 'metric:acc', op: '>=', value: 0.9 }
 */
export function parseJobFilter(text: string): JobFilter {
  const at = text.search(OP_CHARS);
  if (at <= 0) {
    throw badFilter(
      text,
      at === 0
        ? 'it starts with an operator: expected a column first'
        : `it has no operator: expected one of ${URL_OPS.map(([u]) => u).join(' ')}`,
    );
  }
  const column = text.slice(0, at);
  const rest = text.slice(at);
  const match = URL_OPS.find(([u]) => rest.startsWith(u));
  if (match === undefined)
    throw badFilter(text, `'${rest.slice(0, 2)}' is not an operator: expected one of ${URL_OPS.map(([u]) => u).join(' ')}`);
  const raw = rest.slice(match[0].length);
  if (OP_CHARS.test(raw.charAt(0)) && !QUOTED.test(raw)) {
    throw badFilter(
      text,
      `'${rest.slice(0, match[0].length + 1)}' is not an operator: expected one of ${URL_OPS.map(([u]) => u).join(' ')} (quote a value that starts with one of = < > ! ~)`,
    );
  }
  const quoted = QUOTED.exec(raw);
  const value: string | number = quoted !== null ? quoted[1]! : NUMBER.test(raw) && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  if (!(JOB_FILTER_OPS as readonly string[]).includes(match[1])) throw badFilter(text, 'unknown operator');
  return { column, op: match[1], value };
}

/** A comma-separated list of ids (`1,2,3`), each a positive safe integer; `field` names the query parameter. */
export function parseIdList(text: string, field: string, max: number): number[] {
  if (!ID_LIST.test(text)) {
    throw new AupError(
      'AUP_ERR_BAD_QUERY',
      `Query parameter '${field}' is "${shorten(text)}": expected ids separated by commas, e.g. 1,2,3`,
      {
        details: { in: 'querystring', field, found: shorten(text) },
      },
    );
  }
  const ids = [...new Set(text.split(',').map(Number))];
  const bad = ids.find((id) => id < 1 || !Number.isSafeInteger(id));
  if (bad !== undefined) {
    throw new AupError('AUP_ERR_BAD_QUERY', `Query parameter '${field}' holds ${bad}: expected ids from 1 to 2^53 - 1`, {
      details: { in: 'querystring', field, found: bad },
    });
  }
  if (ids.length > max) {
    throw new AupError('AUP_ERR_BAD_QUERY', `Query parameter '${field}' names ${ids.length} ids: expected at most ${max}`, {
      details: { in: 'querystring', field, found: ids.length, expected: max },
    });
  }
  return ids;
}

function badFilter(text: string, why: string): AupError {
  return new AupError(
    'AUP_ERR_BAD_QUERY',
    `Query parameter 'filter' is "${shorten(text)}": ${why}. Form: <column><op><value>, e.g. filter=metric:acc>=0.9`,
    {
      details: { in: 'querystring', field: 'filter', found: shorten(text) },
    },
  );
}

// A rejected value is echoed back; a long one only in part.
const ECHO_CHARS = 200;

function shorten(text: string): string {
  return text.length > ECHO_CHARS ? `${text.slice(0, ECHO_CHARS)}...` : text;
}
