//! MRR broken down per salesperson and per close reason over a range of months.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::month::Month;
use super::series::{Keyed, Movements};
use crate::domain::mrr::Movement;

/// One salesperson's movements over the range and MRR at its end.
#[derive(Debug, Clone, PartialEq)]
pub struct SalesTotals {
    /// `None`: subscriptions without a salesperson.
    pub salesperson: Option<String>,
    pub movements: Movements,
    pub mrr: Decimal,
}

/// Movements per salesperson in `[from, to]`, and each one's MRR at the end of
/// `to` (every bucket up to then counts). Largest net new first, unassigned last;
/// salespeople with neither movements nor MRR are left out.
pub fn salespeople(buckets: &[Keyed<Option<String>>], from: Month, to: Month) -> Vec<SalesTotals> {
    let (start, end) = (from.first_day(), to.last_day());
    let mut per: BTreeMap<Option<String>, SalesTotals> = BTreeMap::new();
    for k in buckets.iter().filter(|k| k.bucket.date <= end) {
        let t = per.entry(k.key.clone()).or_insert_with(|| SalesTotals {
            salesperson: k.key.clone(),
            movements: Movements::default(),
            mrr: Decimal::ZERO,
        });
        t.mrr += k.bucket.amount;
        if k.bucket.date >= start {
            t.movements.add(k.bucket.kind, k.bucket.amount);
        }
    }
    let mut out: Vec<SalesTotals> = per
        .into_values()
        .filter(|t| !t.mrr.is_zero() || t.movements != Movements::default())
        .collect();
    out.sort_by(|a, b| {
        (
            a.salesperson.is_none(),
            -a.movements.net_new(),
            &a.salesperson,
        )
            .cmp(&(
                b.salesperson.is_none(),
                -b.movements.net_new(),
                &b.salesperson,
            ))
    });
    out
}

/// MRR lost to one close reason.
#[derive(Debug, Clone, PartialEq)]
pub struct ReasonTotals {
    /// `None`: ended without a reason (e.g. paused).
    pub reason: Option<String>,
    /// Subscriptions whose MRR ended.
    pub subscriptions: i64,
    /// Of those, the ones that churned the customer.
    pub churned_customers: i64,
    /// Positive.
    pub mrr_lost: Decimal,
    /// Of all MRR lost in the range.
    pub share: Option<Decimal>,
}

/// Per close reason: the subscriptions that ended in `[from, to]` (give only
/// buckets of events that took a subscription's MRR to zero). Largest loss first.
pub fn churn_reasons(
    buckets: &[Keyed<Option<String>>],
    from: Month,
    to: Month,
) -> Vec<ReasonTotals> {
    let (start, end) = (from.first_day(), to.last_day());
    let mut per: BTreeMap<Option<String>, ReasonTotals> = BTreeMap::new();
    for k in buckets
        .iter()
        .filter(|k| (start..=end).contains(&k.bucket.date))
    {
        let t = per.entry(k.key.clone()).or_insert_with(|| ReasonTotals {
            reason: k.key.clone(),
            subscriptions: 0,
            churned_customers: 0,
            mrr_lost: Decimal::ZERO,
            share: None,
        });
        t.subscriptions += k.bucket.events;
        if k.bucket.kind == Movement::Churn {
            t.churned_customers += k.bucket.events;
        }
        t.mrr_lost -= k.bucket.amount;
    }
    let total: Decimal = per.values().map(|t| t.mrr_lost).sum();
    let mut out: Vec<ReasonTotals> = per
        .into_values()
        .map(|mut t| {
            t.share = t.mrr_lost.checked_div(total);
            t
        })
        .collect();
    out.sort_by(|a, b| (-a.mrr_lost, &a.reason).cmp(&(-b.mrr_lost, &b.reason)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::present::ratio4;
    use crate::analytics::series::Event;
    use crate::analytics::series::keyed;
    use crate::analytics::series::tests::{history, m};
    use rust_decimal_macros::dec;

    /// The shared history with salespeople: Sam sold A and C (and C's return), Ada
    /// sold B; D has none.
    fn with_people() -> Vec<Event> {
        history()
            .into_iter()
            .map(|mut e| {
                e.salesperson = match e.customer.as_str() {
                    "A" | "C" => Some("usr_sam".to_owned()),
                    "B" => Some("usr_ada".to_owned()),
                    _ => None,
                };
                e
            })
            .collect()
    }

    #[test]
    fn movements_and_mrr_per_salesperson() {
        let b = keyed(&with_people(), |e| e.salesperson.clone());
        let rows = salespeople(&b, m("2027-02"), m("2027-04"));
        let names: Vec<Option<&str>> = rows.iter().map(|r| r.salesperson.as_deref()).collect();
        // Net new Feb–Apr: Sam +20 − 50 + 60 = 30; Ada −10 − 40 = −50; D's 30 unassigned.
        assert_eq!(names, vec![Some("usr_sam"), Some("usr_ada"), None]);
        let sam = &rows[0];
        assert_eq!(
            (
                sam.movements.new,
                sam.movements.expansion,
                sam.movements.churn,
                sam.movements.reactivation
            ),
            (dec!(0), dec!(20), dec!(-50), dec!(60))
        );
        assert_eq!(sam.movements.net_new(), dec!(30));
        // Sam's MRR at the end of Apr: A 100 + 20, C 60 = 180.
        assert_eq!(sam.mrr, dec!(180));
        // Ada: −10 − 40 = −50; B gone, so MRR 0.
        assert_eq!(
            (rows[1].movements.net_new(), rows[1].mrr),
            (dec!(-50), dec!(0))
        );
        assert_eq!((rows[2].movements.new, rows[2].mrr), (dec!(30), dec!(30)));
    }

    #[test]
    fn lost_mrr_per_close_reason() {
        // Closes that ended a subscription: C's c1 (churn, "Too expensive", −50) and
        // B's b1 (churn, "Too expensive", −40), plus an extra close of a2 in May
        // ("Missing feature", −20, a contraction since A keeps a1).
        let mut events: Vec<Event> = history()
            .into_iter()
            .filter(|e| e.subscription_mrr.is_zero())
            .map(|mut e| {
                e.close_reason = Some("Too expensive".to_owned());
                e
            })
            .collect();
        let mut a2 = crate::analytics::series::tests::ev(
            "2027-05-04",
            Movement::Contraction,
            "A",
            "a2",
            dec!(-20),
            dec!(0),
        );
        a2.close_reason = Some("Missing feature".to_owned());
        events.push(a2);
        let b = keyed(&events, |e| e.close_reason.clone());
        let rows = churn_reasons(&b, m("2027-01"), m("2027-05"));
        assert_eq!(rows.len(), 2);
        // 50 + 40 = 90 of 110 lost = 0.8182; 20 of 110 = 0.1818.
        assert_eq!(rows[0].reason.as_deref(), Some("Too expensive"));
        assert_eq!(
            (
                rows[0].subscriptions,
                rows[0].churned_customers,
                rows[0].mrr_lost
            ),
            (2, 2, dec!(90))
        );
        assert_eq!(ratio4(rows[0].share.unwrap()).to_string(), "0.8182");
        assert_eq!(
            (
                rows[1].subscriptions,
                rows[1].churned_customers,
                rows[1].mrr_lost
            ),
            (1, 0, dec!(20))
        );
        assert_eq!(ratio4(rows[1].share.unwrap()).to_string(), "0.1818");
        // Only March: B's close.
        let march = churn_reasons(&b, m("2027-03"), m("2027-03"));
        assert_eq!((march.len(), march[0].mrr_lost), (1, dec!(40)));
    }
}
