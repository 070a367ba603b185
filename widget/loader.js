// Renewly widget loader: defines <renewly-pricing>, <renewly-checkout> and
// <renewly-portal>, each rendered in an open Shadow DOM by the wasm module served
// next to this script. Including the script twice is harmless.
(() => {
  if (window.__renewlyLoader) return;
  const script = document.currentScript;
  const base = new URL(".", script ? script.src : location.href);
  const api = (script && script.dataset.api) || base.origin;
  let wasm;
  const load = () => {
    if (!wasm) {
      wasm = import(new URL("renewly_widget.js", base).href).then(async (m) => {
        await m.default({ module_or_path: new URL("renewly_widget_bg.wasm", base) });
        return m;
      });
    }
    return wasm;
  };
  const define = (tag, element) => {
    if (customElements.get(tag)) return;
    customElements.define(tag, class extends HTMLElement {
      connectedCallback() {
        if (this.shadowRoot) return;
        const shadow = this.attachShadow({ mode: "open" });
        const style = document.createElement("style");
        style.textContent = ":host { all: initial; display: block; font-family: var(--renewly-font, system-ui, sans-serif); }";
        const root = document.createElement("div");
        shadow.append(style, root);
        load().then((m) => m.mount(root, element, this.getAttribute("api") || api));
      }
    });
  };
  window.__renewlyLoader = true;
  define("renewly-pricing", "pricing");
  define("renewly-checkout", "checkout");
  define("renewly-portal", "portal");
})();
