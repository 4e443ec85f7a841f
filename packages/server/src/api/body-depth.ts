import { AupError } from '@aup/core';
import type { FastifyInstance } from 'fastify';

/**
 * The deepest nesting the board accepts in a request body or a config text (JSON or YAML). A
 * config is at most about six levels deep (config, parameter_config, an entry, its choices, a
 * value); 64 leaves room for any hand-written structure, while the code that walks a body
 * recursively (schema validation, config validation, structuredClone) stays thousands of frames
 * away from the stack limit (a 10,000-level body overflowed it and answered 500).
 */
export const MAX_BODY_DEPTH = 64;

/** Where a text first nests deeper than the limit: its 1-based line and column. */
export interface TooDeep {
  line: number;
  column: number;
}

/**
 * Where JSON `text` first opens a level deeper than `limit` (`[` or `{` outside strings), or
 * undefined when it never does. One pass over the text; malformed JSON is left to the parser.
 */
export function jsonTooDeep(text: string, limit = MAX_BODY_DEPTH): TooDeep | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > limit) return position(text, i);
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return undefined;
}

/** The depth of a parsed JSON value (0 for a scalar), walked without recursion; stops past `limit`. */
export function valueDepth(value: unknown, limit = MAX_BODY_DEPTH): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const here = depth + 1;
    if (here > deepest) deepest = here;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) stack.push([child, here]);
  }
  return deepest;
}

/**
 * Replaces Fastify's JSON body parser with one that first measures the nesting (400
 * AUP_ERR_BAD_REQUEST naming the line and column, before anything recursive sees the body) and
 * then parses as Fastify does, refusing `__proto__` and `constructor.prototype` keys.
 */
export function addJsonDepthLimit(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    const deep = jsonTooDeep(text);
    if (deep !== undefined) {
      done(
        new AupError(
          'AUP_ERR_BAD_REQUEST',
          `The JSON body of ${request.method} ${request.url.split('?')[0]} nests deeper than ${MAX_BODY_DEPTH} levels (line ${deep.line}, column ${deep.column}): expected a config or request body, which is a few levels deep`,
          { details: { in: 'body', reason: 'too deep', limit: MAX_BODY_DEPTH, line: deep.line, column: deep.column } },
        ),
        undefined,
      );
      return;
    }
    parse(request, text, done);
  });
}

function position(text: string, offset: number): TooDeep {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}
