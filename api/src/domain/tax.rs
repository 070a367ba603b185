//! Tax rates: the shipped EU VAT table and the per-line tax rules of SPEC §3.

use rust_decimal::Decimal;
use serde::Deserialize;

use super::currency::Currency;
use super::money::round;

/// One rate of the shipped VAT table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedRate {
    pub country: String,
    /// `standard`, `reduced`, `reduced1`, `super_reduced`, `parking`, …
    pub category: String,
    /// Percentage, e.g. 21.
    pub percentage: Decimal,
}

#[derive(Deserialize)]
struct Table {
    items: std::collections::BTreeMap<String, Vec<Period>>,
}

#[derive(Deserialize)]
struct Period {
    effective_from: String,
    rates: std::collections::BTreeMap<String, serde_json::Number>,
}

/// The rates in force on `as_of` (`YYYY-MM-DD`) for every country of the shipped
/// table (`data/vat-rates.json`, from ibericode/vat-rates, MIT), sorted by country
/// and category.
pub fn seed_rates(as_of: &str) -> Vec<SeedRate> {
    let Ok(table) = serde_json::from_str::<Table>(include_str!("../../data/vat-rates.json")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (country, periods) in table.items {
        let current = periods
            .iter()
            .filter(|p| p.effective_from.as_str() <= as_of)
            .max_by(|a, b| a.effective_from.cmp(&b.effective_from));
        let Some(period) = current else { continue };
        for (category, number) in &period.rates {
            if let Ok(percentage) = number.to_string().parse::<Decimal>() {
                out.push(SeedRate {
                    country: country.clone(),
                    category: category.clone(),
                    percentage,
                });
            }
        }
    }
    out
}

/// The net and tax of one invoice line (SPEC §3, rounded per line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineTax {
    pub net: Decimal,
    pub tax: Decimal,
    pub gross: Decimal,
}

/// Tax of a line whose price excludes tax: `tax = round(net × rate)`.
pub fn exclusive(net: Decimal, percentage: Decimal, currency: &Currency) -> LineTax {
    let net = round(net, currency);
    let tax = round(net * percentage / Decimal::ONE_HUNDRED, currency);
    LineTax {
        net,
        tax,
        gross: net + tax,
    }
}

/// Tax of a line whose price includes tax: `net = round(gross ÷ (1 + rate))`,
/// `tax = gross − net`.
pub fn inclusive(gross: Decimal, percentage: Decimal, currency: &Currency) -> LineTax {
    let gross = round(gross, currency);
    let net = round(
        gross / (Decimal::ONE + percentage / Decimal::ONE_HUNDRED),
        currency,
    );
    LineTax {
        net,
        tax: gross - net,
        gross,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    #[test]
    fn the_table_gives_the_rates_in_force_on_the_date() {
        let rate = |rates: &[SeedRate], c: &str, k: &str| {
            rates
                .iter()
                .find(|r| r.country == c && r.category == k)
                .map(|r| r.percentage)
        };
        let now = seed_rates("2026-11-27");
        assert_eq!(rate(&now, "NL", "standard"), Some(dec!(21)));
        assert_eq!(rate(&now, "NL", "reduced"), Some(dec!(9)));
        assert_eq!(rate(&now, "FI", "standard"), Some(dec!(25.5)));
        assert_eq!(rate(&now, "DE", "standard"), Some(dec!(19)));
        let covid = seed_rates("2020-08-01");
        assert_eq!(rate(&covid, "DE", "standard"), Some(dec!(16)));
        assert_eq!(now.iter().filter(|r| r.category == "standard").count(), 28);
    }

    #[test]
    fn exclusive_tax_is_rounded_per_line() {
        let t = exclusive(dec!(19.99), dec!(21), &eur());
        assert_eq!(
            (t.net, t.tax, t.gross),
            (dec!(19.99), dec!(4.20), dec!(24.19))
        );
    }

    #[test]
    fn inclusive_tax_is_gross_minus_rounded_net() {
        let t = inclusive(dec!(24.19), dec!(21), &eur());
        assert_eq!((t.net, t.tax), (dec!(19.99), dec!(4.20)));
        let t = inclusive(dec!(10.00), dec!(21), &eur());
        assert_eq!((t.net, t.tax), (dec!(8.26), dec!(1.74)));
    }

    proptest! {
        #[test]
        fn inclusive_lines_always_add_up(cents in 0_i64..10_000_000, rate in 0_u32..30) {
            let t = inclusive(Decimal::new(cents, 2), Decimal::from(rate), &eur());
            prop_assert_eq!(t.net + t.tax, t.gross);
            prop_assert!(t.tax >= Decimal::ZERO);
        }
    }
}

/// The mention printed on a reverse-charged invoice.
pub const REVERSE_CHARGE_NOTE: &str = "Reverse charge: VAT to be accounted for by the recipient \
     (Article 196, Council Directive 2006/112/EC).";

/// The mention on an invoice that charges VAT to a customer who gave a VAT
/// number the reverse charge would apply to, had VIES confirmed it: `invalid`
/// when VIES says it is not registered, else VIES could not be asked yet.
pub fn vat_charged_note(vat_number: &str, invalid: bool) -> String {
    if invalid {
        format!(
            "VAT charged: the customer's VAT number {vat_number} is not registered in VIES, \
             so the reverse charge does not apply."
        )
    } else {
        format!(
            "VAT charged: the customer's VAT number {vat_number} could not be verified with VIES."
        )
    }
}

/// Whether an EU business customer qualifies for the reverse charge (SPEC §3):
/// the merchant and the customer are in different EU member states and the
/// customer gave a VAT number. It applies once VIES has verified the number.
pub fn is_reverse_charge(
    merchant_country: &str,
    customer_country: Option<&str>,
    customer_vat_number: Option<&str>,
) -> bool {
    use super::country::Country;
    let (Some(merchant), Some(customer)) = (
        Country::parse(merchant_country),
        customer_country.and_then(Country::parse),
    ) else {
        return false;
    };
    merchant.is_eu()
        && customer.is_eu()
        && merchant != customer
        && customer_vat_number.is_some_and(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod reverse_charge_tests {
    use super::is_reverse_charge;

    #[test]
    fn only_cross_border_eu_business_customers_are_reverse_charged() {
        assert!(is_reverse_charge("NL", Some("DE"), Some("DE136308783")));
        assert!(
            !is_reverse_charge("NL", Some("DE"), None),
            "a consumer pays German VAT"
        );
        assert!(
            !is_reverse_charge("NL", Some("NL"), Some("NL004495445B01")),
            "domestic B2B pays NL VAT"
        );
        assert!(
            !is_reverse_charge("NL", Some("US"), Some("123")),
            "not an EU customer"
        );
        assert!(!is_reverse_charge("NL", Some("DE"), Some("  ")));
    }
}
