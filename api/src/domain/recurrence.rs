//! Billing periods (SPEC §3 "Recurrence").
//!
//! The n-th period starts at `anchor + n × interval_count × interval`, computed from
//! the anchor (never from the previous date) and clamped to the month's last day:
//! anchor Jan 31 → Feb 28 (29 in leap years) → Mar 31 → Apr 30. Periods are
//! half-open `[start, next_start)`.

use chrono::{Datelike, Days, Months, NaiveDate};
use renewly_types::{Interval, Recurring};

/// The start of period `n` (0 = the anchor itself); `None` past the calendar's end.
pub fn period_start(anchor: NaiveDate, every: Recurring, n: u32) -> Option<NaiveDate> {
    let steps = n.checked_mul(every.interval_count)?;
    match every.interval {
        Interval::Day => anchor.checked_add_days(Days::new(u64::from(steps))),
        Interval::Week => anchor.checked_add_days(Days::new(u64::from(steps) * 7)),
        // chrono clamps to the month's last day when the day does not exist.
        Interval::Month => anchor.checked_add_months(Months::new(steps)),
        Interval::Year => anchor.checked_add_months(Months::new(steps.checked_mul(12)?)),
    }
}

/// The period containing `date`: `(n, start, end)` with `start <= date < end`.
/// Dates before the anchor belong to period 0.
pub fn period_containing(
    anchor: NaiveDate,
    every: Recurring,
    date: NaiveDate,
) -> Option<(u32, NaiveDate, NaiveDate)> {
    // Estimate n from the elapsed days, then correct: at most a couple of steps.
    let elapsed = (date - anchor).num_days().max(0);
    let approx_days = match every.interval {
        Interval::Day => 1,
        Interval::Week => 7,
        Interval::Month => 31,
        Interval::Year => 366,
    } * i64::from(every.interval_count.max(1));
    let mut n = u32::try_from(elapsed / approx_days).ok()?;
    loop {
        let start = period_start(anchor, every, n)?;
        let end = period_start(anchor, every, n + 1)?;
        if date < start && n > 0 {
            n -= 1;
        } else if date >= end {
            n += 1;
        } else {
            return Some((n, start, end));
        }
    }
}

/// Number of days in `[start, end)`.
pub fn days_between(start: NaiveDate, end: NaiveDate) -> i64 {
    (end - start).num_days()
}

/// Whether `year` is a leap year.
pub fn is_leap(year: i32) -> bool {
    NaiveDate::from_ymd_opt(year, 2, 29).is_some()
}

/// The last day of the month of `date`.
pub fn month_end(date: NaiveDate) -> NaiveDate {
    let first = date.with_day(1).unwrap_or(date);
    first
        .checked_add_months(Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn every(interval: Interval, interval_count: u32) -> Recurring {
        Recurring {
            interval,
            interval_count,
        }
    }

    #[test]
    fn a_month_end_anchor_is_clamped_and_restored() {
        let monthly = every(Interval::Month, 1);
        let starts: Vec<_> = (0..4)
            .map(|n| period_start(d(2027, 1, 31), monthly, n).unwrap())
            .collect();
        assert_eq!(
            starts,
            vec![
                d(2027, 1, 31),
                d(2027, 2, 28),
                d(2027, 3, 31),
                d(2027, 4, 30)
            ]
        );
        assert_eq!(
            period_start(d(2028, 1, 31), monthly, 1).unwrap(),
            d(2028, 2, 29)
        );
    }

    #[test]
    fn weekly_two_monthly_and_yearly_periods() {
        assert_eq!(
            period_start(d(2027, 1, 1), every(Interval::Week, 1), 2).unwrap(),
            d(2027, 1, 15)
        );
        assert_eq!(
            period_start(d(2027, 1, 31), every(Interval::Month, 2), 1).unwrap(),
            d(2027, 3, 31)
        );
        assert_eq!(
            period_start(d(2027, 12, 31), every(Interval::Month, 2), 1).unwrap(),
            d(2028, 2, 29)
        );
        assert_eq!(
            period_start(d(2028, 2, 29), every(Interval::Year, 1), 1).unwrap(),
            d(2029, 2, 28)
        );
        assert_eq!(
            period_start(d(2028, 2, 29), every(Interval::Year, 1), 4).unwrap(),
            d(2032, 2, 29)
        );
        assert_eq!(
            period_start(d(2027, 1, 1), every(Interval::Day, 10), 3).unwrap(),
            d(2027, 1, 31)
        );
    }

    #[test]
    fn the_period_containing_a_date_is_half_open() {
        let monthly = every(Interval::Month, 1);
        let anchor = d(2027, 1, 31);
        assert_eq!(
            period_containing(anchor, monthly, d(2027, 2, 27)).unwrap(),
            (0, d(2027, 1, 31), d(2027, 2, 28))
        );
        assert_eq!(
            period_containing(anchor, monthly, d(2027, 2, 28)).unwrap(),
            (1, d(2027, 2, 28), d(2027, 3, 31))
        );
        assert_eq!(
            period_containing(anchor, monthly, d(2027, 1, 1)).unwrap().0,
            0
        );
    }

    #[test]
    fn month_ends() {
        assert_eq!(month_end(d(2028, 2, 3)), d(2028, 2, 29));
        assert_eq!(month_end(d(2027, 12, 31)), d(2027, 12, 31));
        assert!(is_leap(2028) && !is_leap(2027) && !is_leap(2100) && is_leap(2000));
    }

    proptest! {
        #[test]
        fn periods_are_contiguous_and_increasing(
            y in 2000_i32..2100, m in 1_u32..=12, day in 1_u32..=31,
            kind in 0_u8..4, count in 1_u32..=12, n in 0_u32..120,
        ) {
            let Some(anchor) = NaiveDate::from_ymd_opt(y, m, day) else { return Ok(()); };
            let interval = [Interval::Day, Interval::Week, Interval::Month, Interval::Year][kind as usize];
            let e = every(interval, count);
            let start = period_start(anchor, e, n).unwrap();
            let next = period_start(anchor, e, n + 1).unwrap();
            prop_assert!(next > start);
            prop_assert_eq!(period_containing(anchor, e, start).unwrap(), (n, start, next));
            let last = next.pred_opt().unwrap();
            prop_assert_eq!(period_containing(anchor, e, last).unwrap().0, n);
            if interval == Interval::Month {
                // The day of month is the anchor's, or the month's last day when shorter.
                prop_assert_eq!(start.day(), anchor.day().min(month_end(start).day()));
            }
        }
    }
}
