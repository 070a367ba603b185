//! ISO 3166-1 countries for the billing address: the codes here, the names from
//! the browser (`Intl.DisplayNames`, the same ICU data every current browser
//! ships), in the shopper's language and sorted the way that language sorts.

use std::cell::RefCell;
use std::rc::Rc;

use crate::i18n::Locale;

/// Every ISO 3166-1 alpha-2 code (from Debian iso-codes), separated by spaces.
pub const CODES: &str = "\
AF AX AL DZ AS AD AO AI AQ AG AR AM AW AU AT AZ BS BH BD BB BY BE BZ BJ BM BT BO BA BW \
BV BR IO VG BN BG BF BI KH CM CA CV BQ KY CF TD CL CN CX CC CO KM CG CD CK CR CI HR CU \
CW CY CZ DK DJ DM DO EC EG SV GQ ER EE SZ ET FK FO FJ FI FR GF PF TF GA GM GE DE GH GI \
GR GL GD GP GU GT GG GN GW GY HT HM HN HK HU IS IN ID IR IQ IE IM IL IT JM JP JE JO KZ \
KE KI KW KG LA LV LB LS LR LY LI LT LU MO MG MW MY MV ML MT MH MQ MR MU YT MX FM MD MC \
MN ME MS MA MZ MM NA NR NP NL NC NZ NI NE NG NU NF KP MK MP NO OM PK PW PS PA PG PY PE \
PH PN PL PT PR QA RE RO RU RW WS SM ST SA SN RS SC SL SG SX SK SI SB SO ZA GS KR SS ES \
LK BL SH KN LC MF PM VC SD SR SJ SE CH SY TW TJ TZ TH TL TG TK TO TT TN TR TM TC TV UM \
VI UG UA AE GB US UY UZ VU VA VE VN WF EH YE ZM ZW";

/// The codes of [`CODES`].
pub fn codes() -> impl Iterator<Item = &'static str> {
    CODES.split_ascii_whitespace()
}

/// `(code, name)` of every country, alphabetical in the language.
pub type Countries = Rc<[(&'static str, String)]>;

/// The countries in `locale`, worked out once per language and page.
pub fn countries(locale: Locale) -> Countries {
    thread_local! {
        static LISTS: RefCell<Vec<(Locale, Countries)>> = const { RefCell::new(Vec::new()) };
    }
    LISTS.with(|lists| {
        if let Some((_, list)) = lists.borrow().iter().find(|(l, _)| *l == locale) {
            return list.clone();
        }
        let list: Countries = named(locale).into();
        lists.borrow_mut().push((locale, list.clone()));
        list
    })
}

#[cfg(target_arch = "wasm32")]
fn named(locale: Locale) -> Vec<(&'static str, String)> {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = Intl)]
        type DisplayNames;

        #[wasm_bindgen(constructor, js_namespace = Intl, catch)]
        fn new(locale: &str, options: &JsValue) -> Result<DisplayNames, JsValue>;

        #[wasm_bindgen(method, catch)]
        fn of(this: &DisplayNames, code: &str) -> Result<JsValue, JsValue>;
    }

    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"type".into(), &"region".into());
    let names = DisplayNames::new(locale.tag(), &options).ok();
    let mut list: Vec<(&'static str, String)> = codes()
        .map(|code| {
            let name = names
                .as_ref()
                .and_then(|n| n.of(code).ok())
                .and_then(|v| v.as_string())
                .unwrap_or_else(|| code.to_owned());
            (code, name)
        })
        .collect();
    let tag = js_sys::Array::of1(&locale.tag().into());
    let no_options = js_sys::Object::new();
    list.sort_by(|a, b| {
        js_sys::JsString::from(a.1.as_str())
            .locale_compare(&b.1, &tag, &no_options)
            .cmp(&0)
    });
    list
}

/// Outside a browser (unit tests) the code stands for the name.
#[cfg(not(target_arch = "wasm32"))]
fn named(_locale: Locale) -> Vec<(&'static str, String)> {
    codes().map(|code| (code, code.to_owned())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_once() {
        let mut all: Vec<_> = codes().collect();
        assert_eq!(all.len(), 249);
        assert!(
            all.iter()
                .all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()))
        );
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 249);
        assert!(all.contains(&"NL") && all.contains(&"GB"));
    }
}
