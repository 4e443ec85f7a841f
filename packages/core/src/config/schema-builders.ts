/**
 * Small TypeBox builders for config keys, and the one way a part of the config schema is built from
 * a registry of self-describing definitions (proposers' options; a resource registry can do the same).
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { AupError } from '../errors.js';

export const Str = (description: string) => Type.String({ minLength: 1, description });
export const Bool = (description: string) => Type.Boolean({ description });
export const Int = (minimum: number, description: string) => Type.Integer({ minimum, description });
export const Positive = (description: string) => Type.Number({ exclusiveMinimum: 0, description });
export const Fraction = (description: string) => Type.Number({ exclusiveMinimum: 0, maximum: 1, description });
export const OneOf = <T extends string>(values: readonly T[], description: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    { description },
  );

/** One config key gathered from definitions: its schema, and the definitions that read it (registry order). */
export interface GatheredKey {
  schema: TSchema;
  owners: string[];
}

/**
 * The keys every definition declares, in registry order (a key keeps its first place). A key two
 * definitions declare must be the same schema object, so one description serves both; anything
 * else is a programming error, thrown when the schema is built.
 * @example gatherKeys(BUILTIN_PROPOSERS, (d) => d.options) // { max_iter: { schema, owners: ['hyperband'] }, ... }
 */
export function gatherKeys<D extends { readonly name: string }>(
  definitions: readonly D[],
  keysOf: (d: D) => Readonly<Record<string, TSchema>>,
): Record<string, GatheredKey> {
  const out: Record<string, GatheredKey> = {};
  for (const d of definitions) {
    for (const [key, schema] of Object.entries(keysOf(d))) {
      const seen = out[key];
      if (seen === undefined) out[key] = { schema, owners: [d.name] };
      else if (seen.schema === schema) seen.owners.push(d.name);
      else {
        throw new AupError(
          'AUP_ERR_INTERNAL',
          `config key "${key}" is declared by ${seen.owners.join(', ')} and ${d.name} with different schemas: share one schema object`,
        );
      }
    }
  }
  return out;
}

/** "a, b and c". */
export function andList(words: readonly string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}
