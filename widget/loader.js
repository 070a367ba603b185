// Renewly widget loader: defines <renewly-pricing>, <renewly-checkout> and
// <renewly-portal>, each rendered in an open Shadow DOM by a wasm bundle served
// next to this script. A page downloads one bundle: the pricing and checkout
// one, the portal one, or, when the page shows both kinds, the one with all
// three elements, so every element on the page shares one wasm instance. (A
// page that adds the other kind later, after a bundle has loaded, loads the full
// bundle once for it.) Including the script twice is harmless.
(() => {
  if (window.__renewlyLoader) return;
  const script = document.currentScript;
  const base = new URL(".", script ? script.src : location.href);
  const api = (script && script.dataset.api) || base.origin;
  const bundles = {
    checkout: ["renewly_checkout.js", "renewly_checkout_bg.wasm"],
    portal: ["renewly_portal.js", "renewly_portal_bg.wasm"],
    all: ["renewly_all.js", "renewly_all_bg.wasm"],
  };
  const family = { pricing: "checkout", checkout: "checkout", portal: "portal" };
  const others = { checkout: "renewly-portal", portal: "renewly-pricing,renewly-checkout" };
  const started = {};
  const start = (name) => {
    if (!started[name]) {
      const [glue, wasm] = bundles[name];
      started[name] = import(new URL(glue, base).href).then(async (m) => {
        await m.default({ module_or_path: new URL(wasm, base) });
        return m;
      });
    }
    return started[name];
  };
  // The page's elements are known once it is parsed.
  const parsed = () =>
    document.readyState === "loading"
      ? new Promise((r) => document.addEventListener("DOMContentLoaded", r, { once: true }))
      : Promise.resolve();
  const load = (element) =>
    parsed().then(() => {
      const need = family[element];
      const running = started.all || started[need];
      if (running) return running;
      const mixed = Object.keys(started).length > 0 || document.querySelector(others[need]);
      return start(mixed ? "all" : need);
    });
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
        load(element)
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
