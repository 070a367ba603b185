//! Cohort retention: customers grouped by the month of their first `new`
//! movement, followed month by month.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;

use super::month::Month;
use super::series::{Event, Keyed, customer_step};
use crate::domain::mrr::Movement;

/// What a retention cell measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Share of the cohort's customers still paying.
    Customers,
    /// Share of the cohort's starting MRR still there (net of expansion).
    Mrr,
}

impl Metric {
    /// `customers` or `mrr`.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "customers" => Some(Self::Customers),
            "mrr" => Some(Self::Mrr),
            _ => None,
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customers => "customers",
            Self::Mrr => "mrr",
        }
    }
}

/// One cohort's row, unrounded.
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    pub cohort: Month,
    /// Customers whose first `new` movement is in the cohort month.
    pub customers: i64,
    /// Σ of their `new` movements.
    pub starting_mrr: Decimal,
    /// `retention[n]`: the share at the end of cohort month + n.
    pub retention: Vec<Option<Decimal>>,
}

/// Keys each event by its customer's cohort (events of customers without a `new`
/// movement are dropped), as the SQL join does.
pub fn cohort_keyed(events: &[Event]) -> Vec<Keyed<Month>> {
    let mut first: HashMap<&str, Month> = HashMap::new();
    for e in events.iter().filter(|e| e.kind == Movement::New) {
        let m = Month::of(e.date);
        first
            .entry(e.customer.as_str())
            .and_modify(|c| *c = (*c).min(m))
            .or_insert(m);
    }
    let kept: Vec<Event> = events
        .iter()
        .filter(|e| first.contains_key(e.customer.as_str()))
        .cloned()
        .collect();
    super::series::keyed(&kept, |e| first[e.customer.as_str()])
}

/// A row for every cohort month from `from` to `to`, each with a cell for every
/// month end from the cohort month to `to`.
pub fn cohorts(buckets: &[Keyed<Month>], from: Month, to: Month, metric: Metric) -> Vec<Cohort> {
    let mut per_cohort: BTreeMap<Month, Vec<&Keyed<Month>>> = BTreeMap::new();
    for b in buckets {
        per_cohort.entry(b.key).or_default().push(b);
    }
    from.through(to)
        .map(|cohort| {
            let rows = per_cohort
                .get(&cohort)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let starters = rows.iter().filter(|k| k.bucket.kind == Movement::New);
            let customers: i64 = starters.clone().map(|k| k.bucket.events).sum();
            let starting_mrr: Decimal = starters.map(|k| k.bucket.amount).sum();
            let retention = cohort
                .through(to)
                .map(|month| {
                    let end = month.last_day();
                    let upto = rows.iter().filter(|k| k.bucket.date <= end);
                    match metric {
                        Metric::Customers => {
                            let paying: i64 = upto
                                .map(|k| customer_step(k.bucket.kind) * k.bucket.events)
                                .sum();
                            Decimal::from(paying).checked_div(Decimal::from(customers))
                        }
                        Metric::Mrr => {
                            let mrr: Decimal = upto.map(|k| k.bucket.amount).sum();
                            mrr.checked_div(starting_mrr)
                        }
                    }
                })
                .collect();
            Cohort {
                cohort,
                customers,
                starting_mrr,
                retention,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::present::ratio4;
    use crate::analytics::series::tests::{history, m};
    use rust_decimal_macros::dec;

    fn cells(c: &Cohort) -> Vec<Option<String>> {
        c.retention
            .iter()
            .map(|x| x.map(|v| ratio4(v).to_string()))
            .collect()
    }

    fn s(v: &[&str]) -> Vec<Option<String>> {
        v.iter().map(|x| Some((*x).to_owned())).collect()
    }

    #[test]
    fn customers_still_paying_per_cohort() {
        let rows = cohorts(
            &cohort_keyed(&history()),
            m("2027-01"),
            m("2027-04"),
            Metric::Customers,
        );
        assert_eq!(rows.len(), 4);
        // Jan cohort: A, B, C. End Jan 3/3; Feb A B (C churned) 2/3; Mar A 1/3;
        // Apr A and C again (reactivated) 2/3.
        assert_eq!((rows[0].customers, rows[0].starting_mrr), (3, dec!(200)));
        assert_eq!(
            cells(&rows[0]),
            s(&["1.0000", "0.6667", "0.3333", "0.6667"])
        );
        // Feb: nobody started; no shares.
        assert_eq!(rows[1].customers, 0);
        assert_eq!(cells(&rows[1]), vec![None, None, None]);
        // Mar: D stays.
        assert_eq!(cells(&rows[2]), s(&["1.0000", "1.0000"]));
        assert_eq!(cells(&rows[3]), vec![None]);
    }

    #[test]
    fn mrr_retention_counts_expansion_and_returns() {
        let rows = cohorts(
            &cohort_keyed(&history()),
            m("2027-01"),
            m("2027-04"),
            Metric::Mrr,
        );
        // Jan cohort started with 100 + 50 + 50 = 200.
        // Feb 200 + 20 − 10 − 50 = 160 (0.8); Mar 160 − 40 = 120 (0.6); Apr 120 + 60 = 180 (0.9).
        assert_eq!(
            cells(&rows[0]),
            s(&["1.0000", "0.8000", "0.6000", "0.9000"])
        );
        assert_eq!(rows[2].starting_mrr, dec!(30));
    }
}
