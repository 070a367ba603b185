//! Invoice arithmetic (SPEC §3 "Tax", "Money"): line amounts, per-line tax, totals
//! and the breakdown per rate. Quotes, checkout previews and invoices all use this,
//! so they show the same numbers.

use chrono::NaiveDate;
use renewly_types::{InvoiceLine, TaxBehavior, TaxBreakdown};
use rust_decimal::Decimal;

use super::currency::Currency;
use super::money::round;
use super::tax;

/// The tax that applies to a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxChoice {
    /// Percentage, e.g. 21.
    pub rate: Decimal,
    /// Label, e.g. `VAT 21%` or `Reverse charge`.
    pub name: String,
}

/// A line before its amounts are worked out.
#[derive(Debug, Clone, PartialEq)]
pub struct LineInput {
    pub kind: &'static str,
    pub description: String,
    pub price: Option<String>,
    pub period: Option<(NaiveDate, NaiveDate)>,
    pub quantity: u32,
    pub unit_amount: Decimal,
    /// Discount per unit.
    pub unit_discount: Decimal,
    pub tax_behavior: TaxBehavior,
    pub tax: TaxChoice,
}

/// An invoice's worked-out lines and totals.
#[derive(Debug, Clone, PartialEq)]
pub struct Totals {
    pub lines: Vec<InvoiceLine>,
    pub subtotal: Decimal,
    pub tax: Decimal,
    pub total: Decimal,
    pub breakdown: Vec<TaxBreakdown>,
}

/// Works out one line: the list amount and the discount are each rounded to the
/// currency, then tax is applied per line (exclusive: `tax = round(net × rate)`;
/// inclusive: `net = round(gross ÷ (1 + rate))`, `tax = gross − net`).
pub fn line(input: &LineInput, currency: &Currency) -> InvoiceLine {
    let qty = Decimal::from(input.quantity);
    let list = round(input.unit_amount * qty, currency);
    let discount = round(input.unit_discount * qty, currency).min(list);
    let base = list - discount;
    let worked = match input.tax_behavior {
        TaxBehavior::Exclusive => tax::exclusive(base, input.tax.rate, currency),
        TaxBehavior::Inclusive => tax::inclusive(base, input.tax.rate, currency),
    };
    InvoiceLine {
        kind: input.kind.to_owned(),
        description: input.description.clone(),
        price: input.price.clone(),
        period_start: input.period.map(|(s, _)| s.to_string()),
        period_end: input.period.map(|(_, e)| e.to_string()),
        quantity: input.quantity,
        unit_amount: input.unit_amount,
        discount,
        tax_behavior: match input.tax_behavior {
            TaxBehavior::Exclusive => "exclusive",
            TaxBehavior::Inclusive => "inclusive",
        }
        .to_owned(),
        tax_rate: input.tax.rate.normalize(),
        net: worked.net,
        tax: worked.tax,
        amount: worked.gross,
    }
}

/// Works out every line and the totals: subtotal = Σ net, tax = Σ line tax,
/// total = subtotal + tax, and the breakdown per rate in order of appearance.
pub fn totals(inputs: &[LineInput], currency: &Currency) -> Totals {
    let lines: Vec<InvoiceLine> = inputs.iter().map(|i| line(i, currency)).collect();
    let subtotal = lines.iter().map(|l| l.net).sum::<Decimal>();
    let tax = lines.iter().map(|l| l.tax).sum::<Decimal>();
    let mut breakdown: Vec<TaxBreakdown> = Vec::new();
    for (input, l) in inputs.iter().zip(&lines) {
        match breakdown
            .iter_mut()
            .find(|b| b.rate == l.tax_rate && b.name == input.tax.name)
        {
            Some(b) => {
                b.net += l.net;
                b.tax += l.tax;
            }
            None => breakdown.push(TaxBreakdown {
                rate: l.tax_rate,
                name: input.tax.name.clone(),
                net: l.net,
                tax: l.tax,
            }),
        }
    }
    Totals {
        subtotal,
        tax,
        total: subtotal + tax,
        breakdown,
        lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    fn input(
        unit: Decimal,
        qty: u32,
        discount: Decimal,
        behavior: TaxBehavior,
        rate: Decimal,
    ) -> LineInput {
        LineInput {
            kind: "recurring",
            description: "Pro".to_owned(),
            price: None,
            period: None,
            quantity: qty,
            unit_amount: unit,
            unit_discount: discount,
            tax_behavior: behavior,
            tax: TaxChoice {
                rate,
                name: format!("VAT {rate}%"),
            },
        }
    }

    #[test]
    fn exclusive_and_inclusive_lines_add_up() {
        let t = totals(
            &[
                input(dec!(19.99), 3, dec!(0), TaxBehavior::Exclusive, dec!(21)),
                input(dec!(12.10), 1, dec!(0), TaxBehavior::Inclusive, dec!(21)),
                input(dec!(49.00), 1, dec!(0), TaxBehavior::Exclusive, dec!(9)),
            ],
            &eur(),
        );
        // 59.97 net, tax 12.59; 12.10 gross → 10.00 net + 2.10; 49.00 + 4.41.
        assert_eq!(t.lines[0].tax, dec!(12.59));
        assert_eq!((t.lines[1].net, t.lines[1].tax), (dec!(10.00), dec!(2.10)));
        assert_eq!(t.subtotal, dec!(118.97));
        assert_eq!(t.tax, dec!(19.10));
        assert_eq!(t.total, dec!(138.07));
        assert_eq!(t.breakdown.len(), 2);
        assert_eq!(
            (t.breakdown[0].net, t.breakdown[0].tax),
            (dec!(69.97), dec!(14.69))
        );
    }

    #[test]
    fn a_discount_is_rounded_per_line_before_tax() {
        // 120.00/year with 10 % off: 12.00 discount, 108.00 net, 22.68 tax at 21 %.
        let l = line(
            &input(
                dec!(120.00),
                1,
                dec!(12.00),
                TaxBehavior::Exclusive,
                dec!(21),
            ),
            &eur(),
        );
        assert_eq!(
            (l.discount, l.net, l.tax, l.amount),
            (dec!(12.00), dec!(108.00), dec!(22.68), dec!(130.68))
        );
        // 9.99 with 10 %: 0.999 per unit × 3 = 2.997 → 3.00.
        let l = line(
            &input(dec!(9.99), 3, dec!(0.999), TaxBehavior::Exclusive, dec!(0)),
            &eur(),
        );
        assert_eq!((l.discount, l.net), (dec!(3.00), dec!(26.97)));
    }

    #[test]
    fn yen_has_no_minor_unit() {
        let jpy = Currency::parse("JPY").unwrap();
        let l = line(
            &input(dec!(1000), 1, dec!(0), TaxBehavior::Exclusive, dec!(10)),
            &jpy,
        );
        assert_eq!(
            (l.net, l.tax, l.amount),
            (dec!(1000), dec!(100), dec!(1100))
        );
    }
}
