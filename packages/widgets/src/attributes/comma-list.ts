import type { ComplexAttributeConverter } from 'lit';

/**
 * The attribute converter of every comma-separated list attribute (`axes`, `legend-params`,
 * `experiments`): items are trimmed, empty ones dropped, and `item` turns each into a value
 * (undefined leaves it out). A missing attribute is undefined, so the element's default applies;
 * so is a blank one unless `blank` is `'empty'`, which makes it an empty list (`legend-params=""`:
 * a legend that names no param, only job ids).
 * @example commaList((s) => (Number.isInteger(Number(s)) ? Number(s) : undefined)).fromAttribute('3, 4,x') // [3, 4]
 */
export function commaList<T = string>(
  item: (text: string) => T | undefined = (text) => text as T,
  opts: { blank?: 'unset' | 'empty' } = {},
): ComplexAttributeConverter<T[] | undefined> {
  return {
    fromAttribute(value: string | null): T[] | undefined {
      if (value === null || (opts.blank !== 'empty' && value.trim() === '')) return undefined;
      const out: T[] = [];
      for (const text of value.split(',')) {
        const trimmed = text.trim();
        if (trimmed === '') continue;
        const v = item(trimmed);
        if (v !== undefined) out.push(v);
      }
      return out;
    },
    toAttribute: (value: T[] | undefined): string | null => (value === undefined ? null : value.join(',')),
  };
}

/** An experiment or job id: a positive integer. */
export function positiveId(text: string): number | undefined {
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}
