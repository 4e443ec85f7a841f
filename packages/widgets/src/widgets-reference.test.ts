// Keeps docs/reference/widgets.md in step with the elements: every custom element in the
// generated manifest (dist/custom-elements.json, written by `npm run build -w @aup/widgets`) has a
// `## <tag>` section, and that section names each of its public attributes and events.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const manifestPath = fileURLToPath(new URL('../dist/custom-elements.json', import.meta.url));
const referencePath = fileURLToPath(new URL('../../../docs/reference/widgets.md', import.meta.url));

interface Declaration {
  customElement?: boolean;
  tagName?: string;
  attributes?: Array<{ name: string }>;
  events?: Array<{ name: string }>;
}

function elements(): Declaration[] {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { modules: Array<{ declarations?: Declaration[] }> };
  return manifest.modules.flatMap((m) => m.declarations ?? []).filter((d) => d.customElement === true && d.tagName !== undefined);
}

/** The text of the `## \`<tag>\`` section, up to the next `## `. */
function section(doc: string, tag: string): string | undefined {
  const start = doc.indexOf(`\n## \`<${tag}>\``);
  if (start < 0) return undefined;
  const next = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, next < 0 ? undefined : next);
}

describe.skipIf(!existsSync(manifestPath))('docs/reference/widgets.md', () => {
  const doc = readFileSync(referencePath, 'utf8');

  it('has a section for every element, naming its attributes and events', () => {
    const found = elements();
    expect(found.map((d) => d.tagName)).toContain('aup-board');
    const missing: string[] = [];
    for (const d of found) {
      const text = section(doc, d.tagName!);
      if (text === undefined) {
        missing.push(`<${d.tagName}>: no section`);
        continue;
      }
      for (const a of d.attributes ?? []) if (!text.includes(`\`${a.name}\``)) missing.push(`<${d.tagName}>: attribute ${a.name}`);
      for (const e of d.events ?? []) if (!text.includes(`\`${e.name}\``)) missing.push(`<${d.tagName}>: event ${e.name}`);
    }
    expect(missing).toEqual([]);
  });
});
