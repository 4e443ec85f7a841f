/**
 * The widgets' copy of the API's types (packages/widgets/src/api/wire.ts) is the server's route
 * schemas printed (scripts/wire-types.mjs): the file is what the schemas print now, and each type
 * in it is the schema's `Static<>` (the type checks below run in `npm run typecheck`).
 */
import { readFileSync } from 'node:fs';

import type { Static } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';

import { WIRE_SCHEMAS } from '@aup/server/wire';
// @ts-expect-error -- a plain .mjs script without declarations
import { WIRE_TYPES_FILE, wireDeclarations } from '../../scripts/wire-types.mjs';
import type { WireShapes } from '../../packages/widgets/src/api/wire.js';

type ServerShapes = { [K in keyof typeof WIRE_SCHEMAS]: Static<(typeof WIRE_SCHEMAS)[K]> };
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** The names whose printed type differs from the schema's, or that only one side has. */
type Mismatched =
  | { [K in keyof ServerShapes & keyof WireShapes]: Same<ServerShapes[K], WireShapes[K]> extends true ? never : K }[keyof ServerShapes &
      keyof WireShapes]
  | Exclude<keyof ServerShapes, keyof WireShapes>
  | Exclude<keyof WireShapes, keyof ServerShapes>;
// A mismatch makes this a type error that names the shape.
const noneMismatched: [Mismatched] extends [never] ? true : Mismatched = true;

describe("the widgets' wire types", () => {
  it('are what the server schemas print now (else run npm run wire:types)', async () => {
    const expected = (await wireDeclarations(WIRE_SCHEMAS)) as string;
    expect(readFileSync(WIRE_TYPES_FILE as string, 'utf8')).toBe(expected);
    expect(noneMismatched).toBe(true);
  });
});
