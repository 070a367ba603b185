//! Revenue recognition: revenue of a period longer than a month is deferred and
//! recognised month by month (SPEC §3 "Invoices").

use chrono::{Months, NaiveDate};
use rust_decimal::Decimal;

use super::currency::Currency;
use super::money::round;

/// The recognition schedule of `net` earned over `[start, end)`: one entry per
/// monthly segment (from the start date's monthly anniversaries), pro rata by
/// days, the last taking the rounding remainder. A period of at most 31 days (one
/// billing month, whatever the month-end clamping) is recognised at once.
pub fn schedule(
    net: Decimal,
    start: NaiveDate,
    end: NaiveDate,
    currency: &Currency,
) -> Vec<(NaiveDate, Decimal)> {
    // A billing month is at most 31 days (Feb 28 → Mar 31 included): at once.
    if (end - start).num_days() <= 31 {
        return vec![(start, net)];
    }
    let mut bounds = vec![start];
    let mut k = 1;
    while let Some(next) = start.checked_add_months(Months::new(k)) {
        if next >= end {
            break;
        }
        bounds.push(next);
        k += 1;
    }
    bounds.push(end);
    let total_days = Decimal::from((end - start).num_days());
    let mut out = Vec::with_capacity(bounds.len() - 1);
    let mut given = Decimal::ZERO;
    for (i, pair) in bounds.windows(2).enumerate() {
        let amount = if i == bounds.len() - 2 {
            net - given
        } else {
            round(
                net * Decimal::from((pair[1] - pair[0]).num_days()) / total_days,
                currency,
            )
        };
        given += amount;
        out.push((pair[0], amount));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_monthly_invoice_is_recognised_at_once() {
        let eur = Currency::parse("EUR").unwrap();
        assert_eq!(
            schedule(dec!(29.00), d(2027, 1, 31), d(2027, 2, 28), &eur),
            vec![(d(2027, 1, 31), dec!(29.00))]
        );
    }

    #[test]
    fn a_yearly_invoice_is_spread_over_twelve_months_and_adds_up() {
        let eur = Currency::parse("EUR").unwrap();
        let s = schedule(dec!(290.00), d(2027, 1, 15), d(2028, 1, 15), &eur);
        assert_eq!(s.len(), 12);
        assert_eq!(s[0].0, d(2027, 1, 15));
        assert_eq!(s[11].0, d(2027, 12, 15));
        assert_eq!(s.iter().map(|(_, a)| *a).sum::<Decimal>(), dec!(290.00));
        // January 15 → February 15 is 31 of 365 days.
        assert_eq!(s[0].1, dec!(24.63));
    }
}
