//! The Renewly widget: Yew components mounted by `loader.js` into the Shadow DOM
//! of `<renewly-pricing>`, `<renewly-checkout>` and `<renewly-portal>`.
//!
//! Attributes read (see [`settings::Settings`]): `publishable-key`, `api`,
//! `plans`, `plan`, `price`, `locale`, `token`, `customer-email`, `highlight`
//! (plan id or name), `interval` (`month`/`year`), `country`. The language is the
//! `locale` attribute, else the page's `<html lang>`, else the browser's (English
//! and Dutch).
//!
//! Events dispatched on the element (bubbling, composed): `renewly:ready` (from
//! the loader, once mounted), `renewly:select` (cancelable; detail `{plan,
//! price}`) when a plan is picked in the pricing table, and `renewly:subscribed`
//! (detail `{subscription, invoice}` as the API returned them) once a checkout is
//! paid. Performance marks: `renewly:pricing`, `renewly:checkout`.
//!
//! Theming: `--renewly-primary`, `--renewly-on-primary`, `--renewly-radius`,
//! `--renewly-font`, `--renewly-text`, `--renewly-bg`, `--renewly-error` on the
//! element or any ancestor. A page with a strict Content-Security-Policy needs
//! the API's origin in `script-src` and `connect-src`, and `'wasm-unsafe-eval'`
//! in `script-src`.

// A bundle with one family of elements leaves the other family's helpers unused.
#![cfg_attr(not(all(feature = "checkout", feature = "portal")), allow(dead_code))]

pub mod api;
mod components;
pub mod countries;
pub mod form;
pub mod format;
pub mod i18n;
pub mod json;
pub mod settings;
mod small_map;
pub mod wire;

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use yew::prelude::*;

#[cfg(feature = "checkout")]
use crate::components::checkout::CheckoutElement;
#[cfg(feature = "portal")]
use crate::components::portal::Portal;
#[cfg(feature = "checkout")]
use crate::components::pricing::Pricing;
use crate::settings::{Kind, Settings};

/// The widget's stylesheet (`src/style.css`, minified by `build.rs`), put into
/// every shadow root.
const STYLE: &str = include_str!(concat!(env!("OUT_DIR"), "/style.min.css"));

/// The root component's properties: the element's settings.
#[derive(Properties, PartialEq)]
pub struct RootProps {
    pub settings: Rc<Settings>,
}

/// The root component; each element kind renders its own flow.
#[function_component(Root)]
pub fn root(props: &RootProps) -> Html {
    let settings = props.settings.clone();
    let body = match settings.kind {
        #[cfg(feature = "checkout")]
        Kind::Pricing => html! { <Pricing /> },
        #[cfg(feature = "checkout")]
        Kind::Checkout => html! { <CheckoutElement /> },
        #[cfg(feature = "portal")]
        Kind::Portal => html! { <Portal /> },
        // The loader only mounts an element with a bundle that has it.
        #[allow(unreachable_patterns)]
        _ => html! {},
    };
    html! {
        <ContextProvider<Rc<Settings>> context={settings.clone()}>
            <style>{ STYLE }</style>
            <div class="rw" lang={settings.locale.tag()}>{ body }</div>
        </ContextProvider<Rc<Settings>>>
    }
}

/// Mounts the widget for one custom element: `root` is a node of the element's
/// shadow root, `host` the element itself, `element` one of `pricing`,
/// `checkout`, `portal`, and `attributes` a plain object of the element's
/// attributes (with `api` defaulting to the loader's origin).
#[wasm_bindgen]
pub fn mount(
    root: web_sys::Element,
    host: web_sys::HtmlElement,
    element: String,
    attributes: JsValue,
) {
    let settings = Settings::from_attributes(&element, &attributes, host);
    root.set_inner_html("");
    yew::Renderer::<Root>::with_root_and_props(
        root,
        RootProps {
            settings: Rc::new(settings),
        },
    )
    .render();
}
