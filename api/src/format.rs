//! How amounts, rates, dates and addresses read, the same on invoices (PDF), in
//! e-mails and on pages.

use chrono::NaiveDate;
use renewly_types::Address;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::domain::currency::Currency;
pub use crate::i18n::Lang;

/// The symbol written before an amount, for the currencies that have a
/// well-known one; others are written as a code after the amount.
fn symbol(code: &str) -> Option<&'static str> {
    Some(match code {
        "EUR" => "€",
        "USD" => "$",
        "GBP" => "£",
        "JPY" => "¥",
        "CHF" => "CHF",
        _ => return None,
    })
}

/// `€ 1,234.50` (English) or `€ 1.234,50` (Dutch); `1,234.50 SEK` for a currency
/// without a common symbol. Rounded to the currency's minor unit, half away from zero.
pub fn money(amount: Decimal, currency_code: &str, lang: Lang) -> String {
    let code = currency_code.trim().to_ascii_uppercase();
    // A code no longer in ISO 4217 (stored before it was withdrawn) reads with 2 decimals.
    let minor = Currency::parse(&code).map_or(2, |c| c.minor_units());
    let rounded = amount.round_dp_with_strategy(minor, RoundingStrategy::MidpointAwayFromZero);
    let number = group(rounded.abs(), minor, lang);
    let sign = if rounded.is_sign_negative() && !rounded.is_zero() {
        "-"
    } else {
        ""
    };
    match symbol(&code) {
        Some(s) => format!("{sign}{s} {number}"),
        None => format!("{sign}{number} {code}"),
    }
}

/// The digits of a non-negative amount with thousands grouped.
fn group(amount: Decimal, minor: u32, lang: Lang) -> String {
    let (thousands, decimal) = match lang {
        Lang::En => (',', '.'),
        Lang::Nl => ('.', ','),
    };
    let mut fixed = amount;
    fixed.rescale(minor);
    let text = fixed.to_string();
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(thousands);
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push(decimal);
        out.push_str(frac);
    }
    out
}

/// A tax rate in percent: `21 %`, `5.5 %` (`5,5 %` in Dutch).
pub fn rate(percent: Decimal, lang: Lang) -> String {
    let text = percent.normalize().to_string();
    let text = match lang {
        Lang::En => text,
        Lang::Nl => text.replace('.', ","),
    };
    format!("{text} %")
}

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTHS_NL: [&str; 12] = [
    "jan.", "feb.", "mrt.", "apr.", "mei", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec.",
];

/// `27 Nov 2026` / `27 nov. 2026`; a value that is not a `YYYY-MM-DD` date is
/// returned as it is.
pub fn date(iso: &str, lang: Lang) -> String {
    match parse_date(iso) {
        Some(d) => day(d, lang),
        None => iso.to_owned(),
    }
}

fn parse_date(iso: &str) -> Option<NaiveDate> {
    // Timestamps (`2026-11-27T10:00:00Z`) read as their date.
    iso.get(..10)?.parse().ok()
}

fn day(d: NaiveDate, lang: Lang) -> String {
    use chrono::Datelike;
    let i = d.month0() as usize;
    let month = match lang {
        Lang::En => MONTHS_EN[i],
        Lang::Nl => MONTHS_NL[i],
    };
    format!("{} {month} {}", d.day(), d.year())
}

/// A billing period `[start, end)` as people read it, with the last day
/// included: `1 Mar 2026 – 31 Mar 2026`.
pub fn period(start: &str, end_exclusive: &str, lang: Lang) -> String {
    match (parse_date(start), parse_date(end_exclusive)) {
        (Some(s), Some(e)) => {
            let last = e.pred_opt().filter(|l| *l >= s).unwrap_or(s);
            if last == s {
                day(s, lang)
            } else {
                format!("{} – {}", day(s, lang), day(last, lang))
            }
        }
        _ => format!("{start} – {end_exclusive}"),
    }
}

/// The lines of a postal address, country last (by name where we know it).
pub fn address_lines(address: &Address, lang: Lang) -> Vec<String> {
    let mut lines = Vec::new();
    for part in [&address.line1, &address.line2].into_iter().flatten() {
        if !part.trim().is_empty() {
            lines.push(part.trim().to_owned());
        }
    }
    let city: Vec<&str> = [&address.postal_code, &address.city, &address.region]
        .into_iter()
        .flatten()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    if !city.is_empty() {
        lines.push(city.join(" "));
    }
    if let Some(code) = address.country.as_deref().filter(|c| !c.trim().is_empty()) {
        lines.push(country_name(code, lang).to_owned());
    }
    lines
}

/// The name of a country for the countries merchants mostly bill; the code for others.
pub fn country_name(code: &str, lang: Lang) -> &str {
    let (en, nl) = match code {
        "AT" => ("Austria", "Oostenrijk"),
        "BE" => ("Belgium", "België"),
        "BG" => ("Bulgaria", "Bulgarije"),
        "CH" => ("Switzerland", "Zwitserland"),
        "CY" => ("Cyprus", "Cyprus"),
        "CZ" => ("Czechia", "Tsjechië"),
        "DE" => ("Germany", "Duitsland"),
        "DK" => ("Denmark", "Denemarken"),
        "EE" => ("Estonia", "Estland"),
        "ES" => ("Spain", "Spanje"),
        "FI" => ("Finland", "Finland"),
        "FR" => ("France", "Frankrijk"),
        "GB" => ("United Kingdom", "Verenigd Koninkrijk"),
        "GR" => ("Greece", "Griekenland"),
        "HR" => ("Croatia", "Kroatië"),
        "HU" => ("Hungary", "Hongarije"),
        "IE" => ("Ireland", "Ierland"),
        "IT" => ("Italy", "Italië"),
        "LT" => ("Lithuania", "Litouwen"),
        "LU" => ("Luxembourg", "Luxemburg"),
        "LV" => ("Latvia", "Letland"),
        "MT" => ("Malta", "Malta"),
        "NL" => ("Netherlands", "Nederland"),
        "NO" => ("Norway", "Noorwegen"),
        "PL" => ("Poland", "Polen"),
        "PT" => ("Portugal", "Portugal"),
        "RO" => ("Romania", "Roemenië"),
        "RS" => ("Serbia", "Servië"),
        "SE" => ("Sweden", "Zweden"),
        "SI" => ("Slovenia", "Slovenië"),
        "SK" => ("Slovakia", "Slowakije"),
        "US" => ("United States", "Verenigde Staten"),
        _ => return code,
    };
    match lang {
        Lang::En => en,
        Lang::Nl => nl,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn amounts_carry_their_currency_and_the_locale_separators() {
        assert_eq!(money(dec!(35.09), "EUR", Lang::En), "€ 35.09");
        assert_eq!(money(dec!(1234.5), "eur", Lang::Nl), "€ 1.234,50");
        assert_eq!(money(dec!(1234567.891), "USD", Lang::En), "$ 1,234,567.89");
        assert_eq!(money(dec!(1500), "JPY", Lang::En), "¥ 1,500");
        assert_eq!(money(dec!(12.3456), "KWD", Lang::En), "12.346 KWD");
        assert_eq!(money(dec!(-5), "SEK", Lang::En), "-5.00 SEK");
        assert_eq!(money(dec!(0.004), "EUR", Lang::En), "€ 0.00");
        assert_eq!(money(dec!(0.005), "EUR", Lang::En), "€ 0.01");
    }

    #[test]
    fn rates_dates_and_periods_read_naturally() {
        assert_eq!(rate(dec!(21.00), Lang::En), "21 %");
        assert_eq!(rate(dec!(5.5), Lang::Nl), "5,5 %");
        assert_eq!(date("2026-03-01", Lang::En), "1 Mar 2026");
        assert_eq!(date("2026-03-01T12:00:00Z", Lang::Nl), "1 mrt. 2026");
        assert_eq!(date("soon", Lang::En), "soon");
        assert_eq!(
            period("2026-03-01", "2026-04-01", Lang::En),
            "1 Mar 2026 – 31 Mar 2026"
        );
        assert_eq!(period("2026-03-01", "2026-03-02", Lang::En), "1 Mar 2026");
    }

    #[test]
    fn addresses_end_with_the_country_name() {
        let a = Address {
            line1: Some("Keizersgracht 1".into()),
            line2: None,
            city: Some("Amsterdam".into()),
            postal_code: Some("1015 CJ".into()),
            region: None,
            country: Some("NL".into()),
        };
        assert_eq!(
            address_lines(&a, Lang::En),
            vec!["Keizersgracht 1", "1015 CJ Amsterdam", "Netherlands"]
        );
        assert_eq!(address_lines(&a, Lang::Nl)[2], "Nederland");
    }
}
