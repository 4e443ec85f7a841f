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
      moduleDoc.exports = [
        ...(moduleDoc.exports ?? []),
        { kind: 'custom-element-definition', name: tag.text, declaration: { name: klass.text, module } },
      ];
    },
  };
}

/**
 * The analyzer reads the TypeScript sources, so it names modules `src/x.ts` (a superclass's module
 * `/src/x.js`, a re-export's by the specifier in the source, `./job-table/job-table.js`); a consumer imports `dist/x.js` (the
 * exports map), and tools that follow a manifest's paths (editors, Storybook) must land on a file
 * the package ships. Every `path` and `module` becomes the package-relative JavaScript file.
 */
function pathsToDist() {
  const toDist = (p) => p.replace(/^\/?src\/(.*?)(?<!\.d)\.[tj]s$/, 'dist/$1.js');
  const resolve = (from, p) => (p.startsWith('./') || p.startsWith('../') ? posix.join(posix.dirname(from), p) : p);
  const visit = (node, from) => {
    if (Array.isArray(node)) return node.forEach((n) => visit(n, from));
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'path' || key === 'module') && typeof value === 'string') node[key] = toDist(resolve(from, value));
      else visit(value, from);
    }
  };
  return {
    name: 'aup-paths-to-dist',
    packageLinkPhase({ customElementsManifest }) {
      for (const mod of customElementsManifest.modules) visit(mod, toDist(mod.path));
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
  plugins: [defineElementCalls(), dropPrivateAttributes(), pathsToDist()],
};
