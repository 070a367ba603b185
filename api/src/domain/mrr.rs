//! Monthly recurring revenue (SPEC §3 "MRR").
//!
//! MRR of a recurring line = untaxed subtotal after discounts × factor ÷
//! interval_count, with factor month 1, year 1/12, week 30.4375/7, day 30.4375,
//! rounded to the currency's minor unit.

use renewly_types::{Interval, Recurring};
use rust_decimal::Decimal;

use super::currency::Currency;
use super::money::round;

/// Average days in a month (365.25 / 12).
const DAYS_PER_MONTH: Decimal = Decimal::from_parts(304375, 0, 0, false, 4);

/// The MRR of one recurring line whose period subtotal (untaxed, after discounts)
/// is `subtotal`.
pub fn line_mrr(subtotal: Decimal, every: Recurring, currency: &Currency) -> Decimal {
    let count = Decimal::from(every.interval_count.max(1));
    let monthly = match every.interval {
        Interval::Month => subtotal,
        Interval::Year => subtotal / Decimal::from(12),
        Interval::Week => subtotal * DAYS_PER_MONTH / Decimal::from(7),
        Interval::Day => subtotal * DAYS_PER_MONTH,
    };
    round(monthly / count, currency)
}

/// The kind of a change in a customer's MRR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Movement {
    New,
    Expansion,
    Contraction,
    Churn,
    Reactivation,
}

impl Movement {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Expansion => "expansion",
            Self::Contraction => "contraction",
            Self::Churn => "churn",
            Self::Reactivation => "reactivation",
        }
    }
}

/// Classifies a change of one customer's total MRR from `before` to `after`.
/// `ever_paid` tells whether the customer paid before (so that a return from zero
/// is a reactivation, not new). `None` when nothing moved.
pub fn classify(before: Decimal, after: Decimal, ever_paid: bool) -> Option<Movement> {
    use std::cmp::Ordering::{Equal, Greater, Less};
    match (before.is_zero(), after.is_zero(), after.cmp(&before)) {
        (_, _, Equal) => None,
        (true, false, _) if ever_paid => Some(Movement::Reactivation),
        (true, false, _) => Some(Movement::New),
        (false, true, _) => Some(Movement::Churn),
        (false, false, Greater) => Some(Movement::Expansion),
        (false, false, Less) => Some(Movement::Contraction),
        (true, true, _) => None,
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

    fn every(interval: Interval, interval_count: u32) -> Recurring {
        Recurring {
            interval,
            interval_count,
        }
    }

    #[test]
    fn the_spec_examples() {
        // 120.00/year with 10 % discount → 9.00
        assert_eq!(
            line_mrr(dec!(108.00), every(Interval::Year, 1), &eur()),
            dec!(9.00)
        );
        // 10.00/week → 43.48
        assert_eq!(
            line_mrr(dec!(10.00), every(Interval::Week, 1), &eur()),
            dec!(43.48)
        );
        // 50.00 every 2 months → 25.00
        assert_eq!(
            line_mrr(dec!(50.00), every(Interval::Month, 2), &eur()),
            dec!(25.00)
        );
        // 1.00/day → 30.44
        assert_eq!(
            line_mrr(dec!(1.00), every(Interval::Day, 1), &eur()),
            dec!(30.44)
        );
    }

    #[test]
    fn movements_are_classified_per_customer() {
        assert_eq!(classify(dec!(0), dec!(10), false), Some(Movement::New));
        assert_eq!(
            classify(dec!(0), dec!(10), true),
            Some(Movement::Reactivation)
        );
        assert_eq!(
            classify(dec!(10), dec!(15), true),
            Some(Movement::Expansion)
        );
        assert_eq!(
            classify(dec!(15), dec!(10), true),
            Some(Movement::Contraction)
        );
        assert_eq!(classify(dec!(10), dec!(0), true), Some(Movement::Churn));
        assert_eq!(classify(dec!(10), dec!(10), true), None);
        assert_eq!(classify(dec!(0), dec!(0), true), None);
    }

    proptest! {
        #[test]
        fn a_monthly_line_is_its_own_mrr(cents in 0_i64..100_000_000) {
            let amount = Decimal::new(cents, 2);
            prop_assert_eq!(line_mrr(amount, every(Interval::Month, 1), &eur()), amount);
        }

        #[test]
        fn yearly_mrr_is_a_twelfth(cents in 0_i64..100_000_000) {
            let amount = Decimal::new(cents, 2);
            let mrr = line_mrr(amount, every(Interval::Year, 1), &eur());
            prop_assert!((mrr * Decimal::from(12) - amount).abs() <= dec!(0.06));
        }
    }
}
