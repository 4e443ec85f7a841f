import { Type, type TInteger, type TSchema } from '@sinclair/typebox';

// The small pieces every schema file builds its shapes from, so each is spelled once.

/** Ids are bigint identities in PostgreSQL; JavaScript numbers hold them exactly up to 2^53 - 1. */
export const MAX_ID = Number.MAX_SAFE_INTEGER;

/** A value or null. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

// A plain `enum` (not TypeBox's anyOf of literals) so a bad value yields one validation error that
// lists the allowed values, which the error handler turns into a readable message.
/** One of `values`, as a JSON Schema string enum. */
export const StringEnum = <T extends readonly string[]>(values: T, options: { default?: T[number]; description?: string } = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

/** A time on the wire. */
export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601, UTC' });

/** A hyperparameter value as the API sends it. */
export const ParamValue = Type.Union([Type.Number(), Type.String(), Type.Boolean()]);

/** A row id in a path. */
export const Id = (options: { description?: string } = {}): TInteger => Type.Integer({ minimum: 1, maximum: MAX_ID, ...options });
