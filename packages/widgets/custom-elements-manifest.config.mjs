// dist/custom-elements.json, the manifest editors and docs read: built from the element sources'
// JSDoc (@attr, @prop, @fires, @csspart, @cssprop) by `npm run build -w @aup/widgets`.

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

export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/**/*.test.ts'],
  outdir: 'dist',
  litelement: true,
  dependencies: false,
  packagejson: false,
  plugins: [dropPrivateAttributes()],
};
