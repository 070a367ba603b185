//! Amounts, percentages and dates as people read them in each language:
//! `€29.00` in English, `€ 29,00` in Dutch.
//!
//! Done here rather than with `Intl` so that the output is the same in every
//! browser and is unit-tested.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::i18n::Locale;

const NBSP: char = '\u{a0}';

/// Digits after the decimal point of an ISO 4217 currency.
pub fn minor_units(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// The currency's sign where one is customary in the language.
fn symbol(currency: &str, locale: Locale) -> Option<&'static str> {
    Some(match (currency, locale) {
        ("EUR", _) => "€",
        ("GBP", _) => "£",
        ("USD", Locale::En) => "$",
        ("USD", Locale::Nl) => "US$",
        ("JPY", Locale::En) => "¥",
        ("JPY", Locale::Nl) => "JP¥",
        ("INR", _) => "₹",
        _ => return None,
    })
}

/// An amount with all the currency's decimals: `€1,290.00` / `€ 1.290,00`.
pub fn money(amount: Decimal, currency: &str, locale: Locale) -> String {
    render(amount, currency, locale, false)
}

/// An amount without decimals when they are zero, for headline prices:
/// `€29` but `€24.17`.
pub fn money_short(amount: Decimal, currency: &str, locale: Locale) -> String {
    render(amount, currency, locale, true)
}

fn render(amount: Decimal, currency: &str, locale: Locale, short: bool) -> String {
    let code = currency.to_ascii_uppercase();
    let scale = minor_units(&code);
    let rounded = amount.round_dp_with_strategy(scale, RoundingStrategy::MidpointAwayFromZero);
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let digits = format!("{:.*}", scale as usize, rounded.abs());
    let (int, frac) = digits.split_once('.').unwrap_or((&digits, ""));
    let (group, point) = match locale {
        Locale::En => (',', '.'),
        Locale::Nl => ('.', ','),
    };
    let mut number = grouped(int, group);
    let drop_zeros = short && frac.bytes().all(|b| b == b'0');
    if !frac.is_empty() && !drop_zeros {
        number.push(point);
        number.push_str(frac);
    }
    let sign = if negative { "-" } else { "" };
    match (locale, symbol(&code, locale)) {
        (Locale::En, Some(sym)) => format!("{sign}{sym}{number}"),
        (Locale::En, None) => format!("{sign}{code}{NBSP}{number}"),
        (Locale::Nl, sym) => format!("{}{NBSP}{sign}{number}", sym.unwrap_or(&code)),
    }
}

fn grouped(int: &str, separator: char) -> String {
    let mut out = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// `numerator / denominator` rounded to a whole number, a midpoint to the even
/// neighbour as `Decimal::round` does: 5/2 is 2, 7/2 is 4, -5/2 is -2.
///
/// For dividing amounts as integers (mantissas at a common scale) rather than
/// as `Decimal`s, whose division code is large. Panics when `denominator` is
/// zero; both must be below 2¹²⁶ in size.
pub fn divide_half_even(numerator: i128, denominator: i128) -> i128 {
    let quotient = numerator / denominator;
    let twice_remainder = (numerator % denominator).abs() * 2;
    let divisor = denominator.abs();
    let away = twice_remainder > divisor || (twice_remainder == divisor && quotient % 2 != 0);
    if away {
        quotient + numerator.signum() * denominator.signum()
    } else {
        quotient
    }
}

/// A tax rate such as `"21.00"` as `21%` (`9,5%` in Dutch).
pub fn percent(rate: Decimal, locale: Locale) -> String {
    let text = rate.normalize().to_string();
    match locale {
        Locale::En => format!("{text}%"),
        Locale::Nl => format!("{}%", text.replace('.', ",")),
    }
}

/// A `YYYY-MM-DD` date as `27 December 2026` / `27 december 2026`; anything else
/// is shown as it came.
pub fn date(iso: &str, locale: Locale) -> String {
    let mut parts = iso.get(..10).unwrap_or(iso).splitn(3, '-');
    let parsed = (|| {
        let year: u32 = parts.next()?.parse().ok()?;
        let month: usize = parts.next()?.parse().ok()?;
        let day: u32 = parts.next()?.parse().ok()?;
        let name = locale.months().get(month.checked_sub(1)?)?;
        Some(format!("{day} {name} {year}"))
    })();
    parsed.unwrap_or_else(|| iso.to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn euros_in_english_and_dutch() {
        assert_eq!(money(d("29"), "EUR", Locale::En), "€29.00");
        assert_eq!(money(d("29"), "EUR", Locale::Nl), "€\u{a0}29,00");
        assert_eq!(money(d("1290.5"), "EUR", Locale::En), "€1,290.50");
        assert_eq!(money(d("1290.5"), "EUR", Locale::Nl), "€\u{a0}1.290,50");
        assert_eq!(money(d("1234567.891"), "eur", Locale::En), "€1,234,567.89");
        assert_eq!(money(d("-5"), "EUR", Locale::En), "-€5.00");
        assert_eq!(money(d("-5"), "EUR", Locale::Nl), "€\u{a0}-5,00");
        assert_eq!(money(d("0.005"), "EUR", Locale::En), "€0.01");
        assert_eq!(money(d("-0.001"), "EUR", Locale::En), "€0.00");
    }

    #[test]
    fn other_currencies_use_their_sign_or_code_and_decimals() {
        assert_eq!(money(d("29"), "USD", Locale::En), "$29.00");
        assert_eq!(money(d("29"), "USD", Locale::Nl), "US$\u{a0}29,00");
        assert_eq!(money(d("29"), "CHF", Locale::En), "CHF\u{a0}29.00");
        assert_eq!(money(d("1500"), "JPY", Locale::En), "¥1,500");
        assert_eq!(money(d("1.5"), "KWD", Locale::Nl), "KWD\u{a0}1,500");
    }

    #[test]
    fn headline_prices_drop_zero_decimals_only() {
        assert_eq!(money_short(d("29.00"), "EUR", Locale::En), "€29");
        assert_eq!(money_short(d("24.1666"), "EUR", Locale::En), "€24.17");
        assert_eq!(money_short(d("990"), "EUR", Locale::Nl), "€\u{a0}990");
    }

    #[test]
    fn integer_division_rounds_half_to_even() {
        assert_eq!(divide_half_even(7, 3), 2);
        assert_eq!(divide_half_even(8, 3), 3);
        assert_eq!(divide_half_even(5, 2), 2);
        assert_eq!(divide_half_even(7, 2), 4);
        assert_eq!(divide_half_even(-5, 2), -2);
        assert_eq!(divide_half_even(-7, 2), -4);
        assert_eq!(divide_half_even(-8, 3), -3);
        assert_eq!(divide_half_even(5, -2), -2);
        assert_eq!(divide_half_even(-7, -2), 4);
        assert_eq!(divide_half_even(8, -3), -3);
        assert_eq!(divide_half_even(0, 12), 0);
    }

    #[test]
    fn percentages_and_dates() {
        assert_eq!(percent(d("21.00"), Locale::En), "21%");
        assert_eq!(percent(d("9.5"), Locale::Nl), "9,5%");
        assert_eq!(date("2026-12-07", Locale::En), "7 December 2026");
        assert_eq!(date("2027-03-01T10:00:00Z", Locale::Nl), "1 maart 2027");
        assert_eq!(date("someday", Locale::En), "someday");
    }
}
