// Renewly widget loader: defines <renewly-pricing>, <renewly-checkout> and
// <renewly-portal>, each rendered in an open Shadow DOM by the wasm module served
// next to this script. Including the script twice is harmless; every element on
// the page shares one wasm instance.
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
  // Until the wasm module runs: reset inherited styles and hold some room.
  const css =
    ":host{all:initial;display:block;font-family:var(--renewly-font,system-ui,sans-serif);color:var(--renewly-text,#1a1f36)}" +
    ".rw-boot{display:flex;align-items:center;justify-content:center;gap:10px;min-height:120px;font-size:15px;opacity:.7}" +
    ".rw-boot::before{content:'';width:16px;height:16px;border-radius:50%;border:2px solid currentColor;border-right-color:transparent;animation:rw-boot .8s linear infinite}" +
    "@keyframes rw-boot{to{transform:rotate(360deg)}}";
  const attributes = (el) => {
    const out = { api };
    for (const a of el.attributes) out[a.name] = a.value;
    return out;
  };
  const define = (tag, element) => {
    if (customElements.get(tag)) return;
    customElements.define(tag, class extends HTMLElement {
      connectedCallback() {
        if (this.shadowRoot) return;
        const shadow = this.attachShadow({ mode: "open" });
        const style = document.createElement("style");
        style.textContent = css;
        const root = document.createElement("div");
        root.className = "rw-boot";
        root.setAttribute("role", "status");
        root.setAttribute("aria-label", "Loading");
        shadow.append(style, root);
        load()
          .then((m) => {
            root.className = "";
            root.removeAttribute("role");
            root.removeAttribute("aria-label");
            m.mount(root, this, element, attributes(this));
            this.dispatchEvent(new CustomEvent("renewly:ready", { bubbles: true, composed: true }));
          })
          .catch((e) => {
            root.className = "";
            root.textContent = "This part of the page could not be loaded. Please reload to try again.";
            console.error("renewly: cannot load the widget", e);
          });
      }
    });
  };
  window.__renewlyLoader = true;
  define("renewly-pricing", "pricing");
  define("renewly-checkout", "checkout");
  define("renewly-portal", "portal");
})();
