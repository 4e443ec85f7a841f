// Small checks shared by the DTO parsers: they verify the outline a widget relies on and name the
// JSON path of the first thing that is off, so a server/widget mismatch reads as one clear line.

/** A JSON object's fields, or a thrown error naming `path` and what was found. */
export function objectAt(json: unknown, path: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error(`${path}: expected a JSON object, found ${describeJson(json)}`);
  }
  return json as Record<string, unknown>;
}

/** A JSON array, or a thrown error naming `path`. */
export function arrayAt(json: unknown, path: string): unknown[] {
  if (!Array.isArray(json)) throw new Error(`${path}: expected an array, found ${describeJson(json)}`);
  return json;
}

/** A number field, or a thrown error naming `path`. */
export function numberAt(o: Record<string, unknown>, key: string, path: string): number {
  const v = o[key];
  if (typeof v !== 'number') throw new Error(`${path}.${key}: expected a number, found ${describeJson(v)}`);
  return v;
}

/** A string field, or a thrown error naming `path`. */
export function stringAt(o: Record<string, unknown>, key: string, path: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new Error(`${path}.${key}: expected a string, found ${describeJson(v)}`);
  return v;
}

/** A short description of a JSON value for messages: `null`, `an array`, `a string`, `an object`. */
export function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
