//! What one custom element asks for: its attributes as the loader passed them,
//! read once at mount and shared with every component through a context.

use std::rc::Rc;

use crate::wire::Interval;
use wasm_bindgen::JsValue;
use yew::prelude::*;

use crate::api::Client;
use crate::i18n::Locale;

/// Which custom element this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    #[default]
    Pricing,
    Checkout,
    Portal,
}

/// The element's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub kind: Kind,
    pub client: Client,
    /// `plans="plan_a plan_b"`: the plans of a pricing table, in order.
    pub plans: Vec<String>,
    /// `plan` and `price` of a checkout.
    pub plan: Option<String>,
    pub price: Option<String>,
    pub locale: Locale,
    /// The portal token.
    pub token: Option<String>,
    /// Prefills the checkout's e-mail.
    pub customer_email: Option<String>,
    /// `highlight="plan_pro"`: the plan marked "Most popular".
    pub highlight: Option<String>,
    /// `interval="year"`: the billing period the pricing table opens with.
    pub interval: Interval,
    /// The billing country preselected in the checkout (ISO code), if any.
    pub country: String,
    /// The custom element, where events are dispatched.
    pub host: Option<web_sys::HtmlElement>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            kind: Kind::default(),
            client: Client::new("", ""),
            plans: Vec::new(),
            plan: None,
            price: None,
            locale: Locale::default(),
            token: None,
            customer_email: None,
            highlight: None,
            interval: Interval::Month,
            country: String::new(),
            host: None,
        }
    }
}

fn attr(attrs: &JsValue, name: &str) -> Option<String> {
    js_sys::Reflect::get(attrs, &JsValue::from_str(name))
        .ok()
        .and_then(|v| v.as_string())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

impl Settings {
    /// Reads the attributes object the loader built (`{"publishable-key": …}`).
    pub fn from_attributes(element: &str, attrs: &JsValue, host: web_sys::HtmlElement) -> Self {
        let kind = match element {
            "checkout" => Kind::Checkout,
            "portal" => Kind::Portal,
            _ => Kind::Pricing,
        };
        let key = attr(attrs, "publishable-key").unwrap_or_default();
        let api = attr(attrs, "api").unwrap_or_default();
        let window = web_sys::window();
        let page_lang = window
            .as_ref()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .and_then(|e| e.get_attribute("lang"));
        let browser_lang = window.as_ref().and_then(|w| w.navigator().language());
        let own = attr(attrs, "locale");
        let locale = Locale::pick([
            own.as_deref(),
            page_lang.as_deref(),
            browser_lang.as_deref(),
        ]);
        let country = attr(attrs, "country")
            .or_else(|| region_of(browser_lang.as_deref()))
            .or_else(|| (locale == Locale::Nl).then(|| "NL".to_owned()))
            .unwrap_or_default()
            .to_ascii_uppercase();
        Self {
            kind,
            client: Client::new(&api, &key),
            plans: attr(attrs, "plans")
                .map(|p| {
                    p.split(|c: char| c == ',' || c.is_whitespace())
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            plan: attr(attrs, "plan"),
            price: attr(attrs, "price"),
            locale,
            token: attr(attrs, "token"),
            customer_email: attr(attrs, "customer-email"),
            highlight: attr(attrs, "highlight"),
            interval: match attr(attrs, "interval").as_deref() {
                Some("year" | "yearly") => Interval::Year,
                _ => Interval::Month,
            },
            country,
            host: Some(host),
        }
    }
}

/// `US` from `en-US`.
fn region_of(tag: Option<&str>) -> Option<String> {
    tag?.split(['-', '_'])
        .skip(1)
        .find(|s| s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic()))
        .map(str::to_ascii_uppercase)
}

/// The element's settings, from the context the root component provides.
#[hook]
pub fn use_settings() -> Rc<Settings> {
    use_context::<Rc<Settings>>().unwrap_or_default()
}

/// Dispatches `name` on the host element as a bubbling, composed `CustomEvent`
/// carrying `detail_json` (parsed); returns `false` when a listener called
/// `preventDefault()`.
pub fn dispatch(settings: &Settings, name: &str, detail_json: &str, cancelable: bool) -> bool {
    let Some(host) = &settings.host else {
        return true;
    };
    let detail = js_sys::JSON::parse(detail_json).unwrap_or(JsValue::NULL);
    let init = web_sys::CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_cancelable(cancelable);
    init.set_detail(&detail);
    match web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
        Ok(event) => host.dispatch_event(&event).unwrap_or(true),
        Err(_) => true,
    }
}

/// Sets a `performance.mark` (`renewly:pricing` once the pricing table shows),
/// for the merchant's real-user monitoring and our time-to-first-render figure.
pub fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}
