//! Proration of an upgrade (SPEC §3): the customer pays
//! `(new_amount − old_amount) × remaining_days ÷ period_days` now; downgrades wait
//! for the next renewal and are never refunded.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::currency::Currency;
use super::money::round;

/// What is charged now for moving from `old_amount` to `new_amount` per period on
/// `change_date` within `[period_start, period_end)`. Zero for a downgrade.
pub fn upgrade_charge(
    old_amount: Decimal,
    new_amount: Decimal,
    period_start: NaiveDate,
    period_end: NaiveDate,
    change_date: NaiveDate,
    currency: &Currency,
) -> Decimal {
    let period_days = (period_end - period_start).num_days();
    let remaining = (period_end - change_date.max(period_start))
        .num_days()
        .clamp(0, period_days);
    if period_days <= 0 || new_amount <= old_amount {
        return Decimal::ZERO;
    }
    round(
        (new_amount - old_amount) * Decimal::from(remaining) / Decimal::from(period_days),
        currency,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_spec_example_charges_half_the_difference() {
        // 30.00 → 60.00 on day 16 of a 30-day period: 15 days left → 15.00.
        let eur = Currency::parse("EUR").unwrap();
        let charge = upgrade_charge(
            dec!(30.00),
            dec!(60.00),
            d(2027, 4, 1),
            d(2027, 5, 1),
            d(2027, 4, 16),
            &eur,
        );
        assert_eq!(charge, dec!(15.00));
    }

    #[test]
    fn a_downgrade_charges_nothing_now() {
        let eur = Currency::parse("EUR").unwrap();
        assert_eq!(
            upgrade_charge(
                dec!(60),
                dec!(30),
                d(2027, 4, 1),
                d(2027, 5, 1),
                d(2027, 4, 16),
                &eur
            ),
            dec!(0)
        );
    }

    proptest! {
        #[test]
        fn never_more_than_the_difference(old in 0_i64..100_000, up in 0_i64..100_000, day in 0_i64..31) {
            let eur = Currency::parse("EUR").unwrap();
            let start = d(2027, 1, 1);
            let end = d(2027, 2, 1);
            let change = start + chrono::Days::new(day as u64);
            let (o, n) = (Decimal::new(old, 2), Decimal::new(old + up, 2));
            let charge = upgrade_charge(o, n, start, end, change, &eur);
            prop_assert!(charge >= Decimal::ZERO && charge <= n - o);
            if day == 0 { prop_assert_eq!(charge, n - o); }
        }
    }
}
