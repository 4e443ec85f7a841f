/**
 * Registers `element` under the package's own `tag`, once. What the registry gets is a subclass, so
 * the class the package exports stays free for a page to register under its own name
 * (`customElements.define('my-table', AupJobTable)`): a registry takes each constructor only once.
 * An element made by either tag is an `instanceof` the exported class. Where there is no registry
 * (Node without a DOM shim) nothing is registered: importing is all a server-side renderer needs.
 * Used by the define files only (src/define/), never by a class module.
 * @example defineElement('aup-job-table', AupJobTable);
 */
export function defineElement(tag: string, element: CustomElementConstructor): void {
  if (typeof customElements === 'undefined' || customElements.get(tag) !== undefined) return;
  const registered = class extends element {};
  // Error messages and dev tools show the exported class's name rather than an anonymous one.
  Object.defineProperty(registered, 'name', { value: element.name });
  customElements.define(tag, registered);
}
