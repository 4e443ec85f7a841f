/**
 * Line width (indentation included) up to which an array or object is written on one line: a parameter's
 * `{ "name": "lr", "range": [0.001, 0.1], "type": "float" }` fits, so a config reads as one line
 * per parameter instead of eight.
 */
const INLINE_WIDTH = 88;

/**
 * JSON as `JSON.stringify(value, null, 2)` would write it, except that any array or object whose
 * one-line form fits in INLINE_WIDTH characters (after its indentation) stays on one line.
 * @example compactJson({ range: [0, 1] }) // '{ "range": [0, 1] }'
 */
export function compactJson(value: unknown, indent = ''): string {
  const flat = oneLine(value);
  if (flat !== undefined && indent.length + flat.length <= INLINE_WIDTH) return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + compactJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${compactJson(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function oneLine(value: unknown): string | undefined {
  if (Array.isArray(value)) return `[${value.map((v) => oneLine(v) ?? 'null').join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return entries.length === 0 ? '{}' : `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${oneLine(v) ?? 'null'}`).join(', ')} }`;
  }
  return JSON.stringify(value);
}
