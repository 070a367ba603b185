//! The widget's logic in a real browser (headless Chromium through
//! `wasm-bindgen-test-runner`): attributes and the page's language, amounts, and
//! a mounted element reporting an unreachable API in the shopper's language.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use renewly_widget::format::money;
use renewly_widget::i18n::Locale;
use renewly_widget::settings::{Kind, Settings};
use rust_decimal::Decimal;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn attributes(pairs: &[(&str, &str)]) -> JsValue {
    let obj = js_sys::Object::new();
    for (k, v) in pairs {
        js_sys::Reflect::set(&obj, &JsValue::from_str(k), &JsValue::from_str(v)).unwrap();
    }
    obj.into()
}

fn host(tag: &str) -> web_sys::HtmlElement {
    let el = document().create_element(tag).unwrap();
    document().body().unwrap().append_child(&el).unwrap();
    el.dyn_into().unwrap()
}

fn set_page_lang(lang: Option<&str>) {
    let html = document().document_element().unwrap();
    match lang {
        Some(l) => html.set_attribute("lang", l).unwrap(),
        None => html.remove_attribute("lang").unwrap(),
    }
}

#[wasm_bindgen_test]
fn the_locale_attribute_wins_over_the_page_and_the_page_over_the_browser() {
    set_page_lang(Some("nl-BE"));
    let s = Settings::from_attributes("checkout", &attributes(&[]), host("renewly-checkout"));
    assert_eq!(s.kind, Kind::Checkout);
    assert_eq!(s.locale, Locale::Nl, "the page's <html lang>");

    let s = Settings::from_attributes(
        "pricing",
        &attributes(&[("locale", "en-GB")]),
        host("renewly-pricing"),
    );
    assert_eq!(s.kind, Kind::Pricing);
    assert_eq!(s.locale, Locale::En, "the element's own attribute");

    // A page language we do not speak falls through to the browser's (English in
    // the test browser), not to Dutch.
    set_page_lang(Some("fr"));
    let s = Settings::from_attributes("portal", &attributes(&[]), host("renewly-portal"));
    assert_eq!(s.kind, Kind::Portal);
    assert_eq!(s.locale, Locale::En);
    set_page_lang(None);
}

#[wasm_bindgen_test]
fn amounts_read_as_people_write_them_in_each_language() {
    let d = |s: &str| s.parse::<Decimal>().unwrap();
    assert_eq!(money(d("1290"), "EUR", Locale::En), "€1,290.00");
    assert_eq!(money(d("1290"), "EUR", Locale::Nl), "€\u{a0}1.290,00");
    assert_eq!(
        money(d("0.125"), "EUR", Locale::En),
        "€0.13",
        "half away from zero"
    );
    assert_eq!(money(d("-2.5"), "JPY", Locale::En), "-¥3");
}

async fn sleep(d: Duration) {
    let ms = i32::try_from(d.as_millis()).unwrap();
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Polls the mounted root until its text contains `want` (or times out).
async fn text_eventually(root: &web_sys::Element, want: &str) -> String {
    let mut text = String::new();
    for _ in 0..100 {
        text = root.text_content().unwrap_or_default();
        if text.contains(want) {
            return text;
        }
        sleep(Duration::from_millis(50)).await;
    }
    panic!("{want:?} never showed; the element shows {text:?}");
}

#[wasm_bindgen_test]
async fn a_pricing_table_that_cannot_reach_its_api_says_so_in_dutch() {
    let el = host("renewly-pricing");
    let root = document().create_element("div").unwrap();
    el.append_child(&root).unwrap();
    // Port 9 (discard) on loopback: nothing listens, the fetch fails.
    let attrs = attributes(&[
        ("api", "http://127.0.0.1:9"),
        ("publishable-key", "pk_test_x"),
        ("locale", "nl"),
    ]);
    renewly_widget::mount(root.clone(), el, "pricing".to_owned(), attrs);
    let text = text_eventually(&root, "De server is niet bereikbaar").await;
    assert!(!text.contains("We could not reach"), "{text}");
    let lang = root
        .query_selector(".rw")
        .unwrap()
        .unwrap()
        .get_attribute("lang");
    assert_eq!(lang.as_deref(), Some("nl"));
}

#[wasm_bindgen_test]
fn countries_are_named_and_sorted_in_the_shoppers_language() {
    use renewly_widget::countries::countries;
    let en = countries(Locale::En);
    let nl = countries(Locale::Nl);
    assert_eq!(en.len(), 249);
    assert_eq!(nl.len(), 249);
    let name = |list: &[(&str, String)], code: &str| {
        list.iter()
            .find(|(c, _)| *c == code)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    assert_eq!(name(&en, "NL"), "Netherlands");
    assert_eq!(name(&nl, "NL"), "Nederland");
    assert_eq!(name(&en, "DE"), "Germany");
    assert_eq!(name(&nl, "DE"), "Duitsland");
    let at = |list: &[(&str, String)], code: &str| list.iter().position(|(c, _)| *c == code);
    // Belgium/België sorts before Germany/Duitsland in both languages, but
    // Germany comes after France in English and Duitsland before Frankrijk in Dutch.
    assert!(at(&en, "BE") < at(&en, "DE"));
    assert!(at(&en, "FR") < at(&en, "DE"));
    assert!(at(&nl, "BE") < at(&nl, "DE"));
    assert!(at(&nl, "DE") < at(&nl, "FR"));
    // Worked out once per language.
    assert!(std::rc::Rc::ptr_eq(&en, &countries(Locale::En)));
}
