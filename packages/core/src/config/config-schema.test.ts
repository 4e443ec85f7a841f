import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { parseConfigText, formatOf } from './parse-config-text.js';
import {
  EarlyStopSchema,
  ExperimentConfigSchema,
  ParamItemSchema,
  PROPOSER_OPTION_KEYS,
  TOP_LEVEL_KEYS,
  configJsonSchema,
} from './config-schema.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const DOC = readFileSync(join(ROOT, 'docs/reference/config.md'), 'utf8');
const FIXTURES = join(ROOT, 'test/fixtures/configs');

/** Rows of the markdown tables in the section that starts with `heading`, by their first cell. */
function tableKeys(heading: string): string[] {
  const start = DOC.indexOf(`\n${heading}\n`);
  expect(start, `section "${heading}" in config.md`).toBeGreaterThan(-1);
  const rest = DOC.slice(start + heading.length + 2);
  const end = rest.search(/\n#{1,3} /);
  const section = end === -1 ? rest : rest.slice(0, end);
  return [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!);
}

describe('configJsonSchema', () => {
  it('is plain JSON Schema (draft-07) describing every top-level key and rejecting others', () => {
    const schema = configJsonSchema();
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties as object)).toEqual(TOP_LEVEL_KEYS);
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
    for (const [key, sub] of Object.entries(schema.properties as Record<string, { description?: string }>)) {
      expect(sub.description, `description of ${key}`).toBeTruthy();
    }
  });

  it('gives a fresh copy on every call', () => {
    const a = configJsonSchema();
    (a.properties as Record<string, unknown>).name = 'changed';
    expect((configJsonSchema().properties as Record<string, unknown>).name).not.toBe('changed');
  });

  it('accepts every fixture config', () => {
    const files = readdirSync(FIXTURES).filter((f) => /\.(json|ya?ml)$/.test(f) && f !== 'train-template.yaml');
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const raw = parseConfigText(readFileSync(join(FIXTURES, f), 'utf8'), formatOf(f));
      expect(
        [...Value.Errors(ExperimentConfigSchema, raw)].map((e) => `${e.path}: ${e.message}`),
        f,
      ).toEqual([]);
    }
  });
});

describe('docs/reference/config.md', () => {
  it('documents every top-level key in the top-level table', () => {
    expect(tableKeys('## Top-level keys').sort()).toEqual([...TOP_LEVEL_KEYS].sort());
  });

  it('documents every parameter key, early_stop key and per-proposer key', () => {
    expect(tableKeys('## `parameter_config`').sort()).toEqual(Object.keys(ParamItemSchema.properties).sort());
    expect(tableKeys('### `early_stop`').sort()).toEqual(Object.keys(EarlyStopSchema.properties).sort());
    expect(tableKeys('## Per-proposer keys').sort()).toEqual([...PROPOSER_OPTION_KEYS].sort());
    expect(tableKeys('## `job_failure`').sort()).toEqual(['ignore_fail', 'job_retries']);
    const resourceArgs = (configJsonSchema().properties as Record<string, { properties: object }>).resource_args!.properties;
    expect(tableKeys('## `resource_args`').sort()).toEqual(Object.keys(resourceArgs).sort());
  });
});
