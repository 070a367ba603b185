//! Expected MRR and contracts: a straight line from the last months' average net
//! new MRR and net new contracts.

use rust_decimal::{Decimal, RoundingStrategy};

use super::month::Month;
use super::series::MonthFigures;

/// How many past months the averages are taken over.
pub const BASIS_MONTHS: i32 = 6;
/// How many months ahead the projection runs.
pub const HORIZON: i32 = 12;

/// The method, as the response states it.
pub const METHOD: &str = "Linear projection: the average monthly net new MRR and the average \
    monthly net new active subscriptions of the 6 months ending with the last month of the \
    report (to) are added once per month to the MRR and active subscriptions at the end of that \
    month, for 12 months, never going below zero. Expected annual growth is 12 times the monthly \
    average.";

/// A projection.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    pub basis: Vec<Month>,
    pub average_net_new_mrr: Decimal,
    pub average_net_new_contracts: Decimal,
    /// (month, expected MRR, expected active subscriptions).
    pub months: Vec<(Month, Decimal, i64)>,
}

/// Projects from `basis`, the figures of the last [`BASIS_MONTHS`] months (the last
/// one is the starting point). `None` when `basis` is empty.
pub fn project(basis: &[MonthFigures]) -> Option<Projection> {
    let last = basis.last()?;
    let n = Decimal::from(basis.len());
    let mrr: Decimal = basis.iter().map(|f| f.movements.net_new()).sum::<Decimal>() / n;
    let contracts = Decimal::from(
        basis
            .iter()
            .map(|f| f.active_subscriptions - f.subscriptions_start)
            .sum::<i64>(),
    ) / n;
    let months = (1..=HORIZON)
        .map(|k| {
            let k_dec = Decimal::from(k);
            let expected_mrr = (last.mrr + k_dec * mrr).max(Decimal::ZERO);
            let expected_contracts = (Decimal::from(last.active_subscriptions) + k_dec * contracts)
                .max(Decimal::ZERO)
                .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
            (
                last.month.plus(k),
                expected_mrr,
                i64::try_from(expected_contracts).unwrap_or(i64::MAX),
            )
        })
        .collect();
    Some(Projection {
        basis: basis.iter().map(|f| f.month).collect(),
        average_net_new_mrr: mrr,
        average_net_new_contracts: contracts,
        months,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::series::tests::{ev, m};
    use crate::analytics::series::{Event, buckets, monthly};
    use crate::domain::mrr::Movement;
    use rust_decimal_macros::dec;

    /// One new 50.00 subscription on the 10th of every month from Jan 2027, and
    /// from Apr on a 20.00 expansion of the first one every month.
    fn linear() -> Vec<Event> {
        let mut events = Vec::new();
        for i in 0..12 {
            let month = m("2027-01").plus(i);
            let date = format!("{month}-10");
            events.push(ev(
                &date,
                Movement::New,
                &format!("c{i}"),
                &format!("s{i}"),
                dec!(50),
                dec!(50),
            ));
            if i >= 3 {
                let after = dec!(50) + dec!(20) * Decimal::from(i - 2);
                events.push(ev(&date, Movement::Expansion, "c0", "s0", dec!(20), after));
            }
        }
        events
    }

    #[test]
    fn a_linear_series_continues_on_its_line() {
        let figures = monthly(&buckets(&linear()), m("2027-07"), m("2027-12"));
        let p = project(&figures).unwrap();
        // Jul–Dec each add 50 new + 20 expansion = 70 MRR and 1 contract.
        assert_eq!(p.basis.first(), Some(&m("2027-07")));
        assert_eq!(p.basis.len(), 6);
        assert_eq!(p.average_net_new_mrr, dec!(70));
        assert_eq!(p.average_net_new_contracts, dec!(1));
        // End of Dec: 12 × 50 + 9 × 20 = 780 MRR, 12 contracts.
        assert_eq!(figures[5].mrr, dec!(780));
        assert_eq!(p.months[0], (m("2028-01"), dec!(850), 13));
        assert_eq!(
            p.months[11],
            (m("2028-12"), dec!(780) + dec!(12) * dec!(70), 24)
        );
        assert_eq!(p.months.len(), 12);
    }

    #[test]
    fn averages_include_quiet_months_and_never_project_below_zero() {
        // One 60.00 customer in Jan who leaves in Jun: over Jan–Jun the average net
        // new MRR is (60 − 60) ÷ 6 = 0; over Feb–Jul it is −60 ÷ 6 = −10.
        let events = vec![
            ev("2027-01-05", Movement::New, "a", "a1", dec!(60), dec!(60)),
            ev("2027-06-05", Movement::Churn, "a", "a1", dec!(-60), dec!(0)),
            ev("2027-07-05", Movement::New, "b", "b1", dec!(10), dec!(10)),
        ];
        let figures = monthly(&buckets(&events), m("2027-02"), m("2027-07"));
        let p = project(&figures).unwrap();
        // (−60 + 10) ÷ 6 = −8.333…; contracts (−1 + 1) ÷ 6 = 0.
        assert_eq!(p.average_net_new_mrr.round_dp(4), dec!(-8.3333));
        assert_eq!(p.average_net_new_contracts, dec!(0));
        // 10 − 8.33 = 1.67 after one month, then clamped at 0.
        assert_eq!(p.months[0].1.round_dp(2), dec!(1.67));
        assert_eq!(p.months[1].1, dec!(0));
        assert_eq!(p.months[1].2, 1);
        assert!(project(&[]).is_none());
    }
}
