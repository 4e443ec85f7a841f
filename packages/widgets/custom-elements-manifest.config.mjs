// dist/custom-elements.json, the manifest editors and docs read: built from the element sources'
// JSDoc (@attr, @prop, @fires, @csspart, @cssprop) by `npm run build -w @aup/widgets`.
import { posix } from 'node:path';

/**
 * Lit's `static properties` lists internal state (`{ state: true }`) beside public properties,
 * and the analyzer reports every entry as an attribute; a private field is no attribute a page
 * can set, so it is dropped from the manifest.
 */
function dropPrivateAttributes() {
  return {
    name: 'aup-drop-private-attributes',
    packageLinkPhase({ customElementsManifest }) {
      for (const mod of customElementsManifest.modules) {
        for (const d of mod.declarations ?? []) {
          if (!d.customElement || !d.attributes) continue;
          const hidden = new Set((d.members ?? []).filter((m) => m.privacy === 'private' || m.privacy === 'protected').map((m) => m.name));
          d.attributes = d.attributes.filter((a) => !hidden.has(a.fieldName ?? a.name));
        }
      }
    },
  };
}

/**
 * The define files register through `defineElement('aup-x', AupX)` (src/define-element.ts: the
 * registry gets a subclass, so the exported class stays free for a page's own tag), a call the
 * analyzer does not know. Each becomes the same `custom-element-definition` a literal
 * `customElements.define('aup-x', AupX)` gives: the tag, pointing at the exported class in the
 * module the define file imports it from.
 */
function defineElementCalls() {
  return {
    name: 'aup-define-element-calls',
    analyzePhase({ ts, node, moduleDoc }) {
      if (!ts.isCallExpression(node) || !ts.isIdentifier(node.expression) || node.expression.text !== 'defineElement') return;
      const [tag, klass] = node.arguments;
      if (tag === undefined || !ts.isStringLiteral(tag) || klass === undefined || !ts.isIdentifier(klass)) return;
      const from = node
        .getSourceFile()
        .statements.filter(ts.isImportDeclaration)
        .find((d) => {
          const named = d.importClause?.namedBindings;
          return named !== undefined && ts.isNamedImports(named) && named.elements.some((e) => e.name.text === klass.text);
        });
      const module = from === undefined ? `/${moduleDoc.path}` : posix.join(posix.dirname(`/${moduleDoc.path}`), from.moduleSpecifier.text);
      moduleDoc.exports = [...(moduleDoc.exports ?? []), { kind: 'custom-element-definition', name: tag.text, declaration: { name: klass.text, module } }];
    },
  };
}

export default {
  globs: ['src/**/*.ts'],
  // define-element.ts registers whatever it is given: no element of its own.
  exclude: ['src/**/*.test.ts', 'src/define-element.ts'],
  outdir: 'dist',
  litelement: true,
  dependencies: false,
  packagejson: false,
  plugins: [defineElementCalls(), dropPrivateAttributes()],
};
