//! Month-by-month MRR, movements and counts from the MRR event log.
//!
//! The database sums events into [`Bucket`]s (one kind of movement on one day,
//! already converted to the reported currency); everything here is pure and works
//! the same on a hand-made event list reduced by [`buckets`].

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::month::Month;
use crate::domain::mrr::Movement;

/// One MRR event, as the billing engine logs it (amounts in one currency).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub date: NaiveDate,
    pub kind: Movement,
    pub customer: String,
    pub subscription: String,
    pub salesperson: Option<String>,
    pub close_reason: Option<String>,
    /// Signed change of the subscription's (and so the customer's) MRR.
    pub delta: Decimal,
    /// The subscription's MRR after the change.
    pub subscription_mrr: Decimal,
}

impl Event {
    /// Whether the subscription went from no MRR to some.
    pub fn starts_subscription(&self) -> bool {
        self.subscription_mrr > Decimal::ZERO && self.subscription_mrr == self.delta
    }

    /// Whether the subscription's MRR ended.
    pub fn ends_subscription(&self) -> bool {
        self.subscription_mrr.is_zero()
    }
}

/// The events of one kind on one day (or, for amounts that need no conversion,
/// one month: then `date` is the month's first day), summed.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    pub date: NaiveDate,
    pub kind: Movement,
    /// Σ delta, in the reported currency.
    pub amount: Decimal,
    /// How many events.
    pub events: i64,
    /// Events that took a subscription from zero MRR to above zero.
    pub subscriptions_started: i64,
    /// Events that took a subscription's MRR to zero.
    pub subscriptions_ended: i64,
}

/// A bucket that also belongs to a group: a salesperson, a close reason, a cohort.
#[derive(Debug, Clone, PartialEq)]
pub struct Keyed<K> {
    pub key: K,
    pub bucket: Bucket,
}

/// Sums an event list into buckets per (day, kind), as the SQL does.
pub fn buckets(events: &[Event]) -> Vec<Bucket> {
    keyed(events, |_| ())
        .into_iter()
        .map(|k| k.bucket)
        .collect()
}

/// Sums an event list into buckets per (key, day, kind).
pub fn keyed<K: Ord + Clone>(events: &[Event], key: impl Fn(&Event) -> K) -> Vec<Keyed<K>> {
    let mut sums: BTreeMap<(K, NaiveDate, &'static str), Keyed<K>> = BTreeMap::new();
    for e in events {
        let k = key(e);
        let entry = sums
            .entry((k.clone(), e.date, e.kind.as_str()))
            .or_insert_with(|| Keyed {
                key: k,
                bucket: Bucket {
                    date: e.date,
                    kind: e.kind,
                    amount: Decimal::ZERO,
                    events: 0,
                    subscriptions_started: 0,
                    subscriptions_ended: 0,
                },
            });
        let b = &mut entry.bucket;
        b.amount += e.delta;
        b.events += 1;
        b.subscriptions_started += i64::from(e.starts_subscription());
        b.subscriptions_ended += i64::from(e.ends_subscription());
    }
    sums.into_values().collect()
}

/// The five movements of a period. Contraction and churn are negative.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Movements {
    pub new: Decimal,
    pub expansion: Decimal,
    pub contraction: Decimal,
    pub churn: Decimal,
    pub reactivation: Decimal,
}

impl Movements {
    /// Adds an amount of one kind.
    pub fn add(&mut self, kind: Movement, amount: Decimal) {
        let slot = match kind {
            Movement::New => &mut self.new,
            Movement::Expansion => &mut self.expansion,
            Movement::Contraction => &mut self.contraction,
            Movement::Churn => &mut self.churn,
            Movement::Reactivation => &mut self.reactivation,
        };
        *slot += amount;
    }

    /// Adds another period's movements.
    pub fn absorb(&mut self, other: &Self) {
        self.new += other.new;
        self.expansion += other.expansion;
        self.contraction += other.contraction;
        self.churn += other.churn;
        self.reactivation += other.reactivation;
    }

    /// new + expansion + reactivation − |contraction| − |churn| (the last two are
    /// stored negative, so this is the plain sum).
    pub fn net_new(&self) -> Decimal {
        self.new + self.expansion + self.contraction + self.churn + self.reactivation
    }
}

/// What happened in one month, and where it stood at its start and end.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthFigures {
    pub month: Month,
    pub movements: Movements,
    /// MRR at the end of the previous month.
    pub mrr_start: Decimal,
    /// MRR at the end of the month: the sum of every movement up to then.
    pub mrr: Decimal,
    pub subscriptions_start: i64,
    /// Subscriptions with MRR above zero at the end of the month.
    pub active_subscriptions: i64,
    pub customers_start: i64,
    /// Customers with MRR above zero at the end of the month.
    pub paying_customers: i64,
    /// Customers whose MRR fell to zero during the month (churn movements).
    pub churned_customers: i64,
}

/// Per-customer count change of a movement: a customer starts paying with `new`
/// or `reactivation` and stops with `churn`.
pub fn customer_step(kind: Movement) -> i64 {
    match kind {
        Movement::New | Movement::Reactivation => 1,
        Movement::Churn => -1,
        Movement::Expansion | Movement::Contraction => 0,
    }
}

/// The figures of every month from `from` to `to`. Buckets before `from` feed the
/// opening balances; buckets after `to` are ignored.
pub fn monthly(buckets: &[Bucket], from: Month, to: Month) -> Vec<MonthFigures> {
    let (mut mrr, mut subs, mut customers) = (Decimal::ZERO, 0_i64, 0_i64);
    let mut per_month: BTreeMap<Month, Vec<&Bucket>> = BTreeMap::new();
    for b in buckets {
        let month = Month::of(b.date);
        if month < from {
            mrr += b.amount;
            subs += b.subscriptions_started - b.subscriptions_ended;
            customers += customer_step(b.kind) * b.events;
        } else if month <= to {
            per_month.entry(month).or_default().push(b);
        }
    }
    let mut out = Vec::new();
    for month in from.through(to) {
        let mut f = MonthFigures {
            month,
            movements: Movements::default(),
            mrr_start: mrr,
            mrr,
            subscriptions_start: subs,
            active_subscriptions: subs,
            customers_start: customers,
            paying_customers: customers,
            churned_customers: 0,
        };
        for b in per_month.get(&month).map(Vec::as_slice).unwrap_or_default() {
            f.movements.add(b.kind, b.amount);
            f.mrr += b.amount;
            f.active_subscriptions += b.subscriptions_started - b.subscriptions_ended;
            f.paying_customers += customer_step(b.kind) * b.events;
            if b.kind == Movement::Churn {
                f.churned_customers += b.events;
            }
        }
        (mrr, subs, customers) = (f.mrr, f.active_subscriptions, f.paying_customers);
        out.push(f);
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    pub(crate) fn day(raw: &str) -> NaiveDate {
        raw.parse().unwrap()
    }

    pub(crate) fn m(raw: &str) -> Month {
        Month::parse(raw).unwrap()
    }

    /// An event; `after` is the subscription's MRR after it.
    pub(crate) fn ev(
        date: &str,
        kind: Movement,
        customer: &str,
        sub: &str,
        delta: Decimal,
        after: Decimal,
    ) -> Event {
        Event {
            date: day(date),
            kind,
            customer: customer.to_owned(),
            subscription: sub.to_owned(),
            salesperson: None,
            close_reason: None,
            delta,
            subscription_mrr: after,
        }
    }

    /// The hand-made history every analytics test uses (EUR):
    ///
    /// | date       | customer | sub | kind         | delta   | sub MRR after |
    /// |------------|----------|-----|--------------|---------|---------------|
    /// | 2027-01-05 | A        | a1  | new          | +100.00 | 100.00        |
    /// | 2027-01-10 | B        | b1  | new          |  +50.00 |  50.00        |
    /// | 2027-01-20 | C        | c1  | new          |  +50.00 |  50.00        |
    /// | 2027-02-03 | A        | a2  | expansion    |  +20.00 |  20.00        |
    /// | 2027-02-15 | B        | b1  | contraction  | −10.00  |  40.00        |
    /// | 2027-02-28 | C        | c1  | churn        | −50.00  |   0.00        |
    /// | 2027-03-01 | D        | d1  | new          |  +30.00 |  30.00        |
    /// | 2027-03-09 | B        | b1  | churn        | −40.00  |   0.00        |
    /// | 2027-04-02 | C        | c2  | reactivation |  +60.00 |  60.00        |
    pub(crate) fn history() -> Vec<Event> {
        use Movement::*;
        vec![
            ev("2027-01-05", New, "A", "a1", dec!(100), dec!(100)),
            ev("2027-01-10", New, "B", "b1", dec!(50), dec!(50)),
            ev("2027-01-20", New, "C", "c1", dec!(50), dec!(50)),
            ev("2027-02-03", Expansion, "A", "a2", dec!(20), dec!(20)),
            ev("2027-02-15", Contraction, "B", "b1", dec!(-10), dec!(40)),
            ev("2027-02-28", Churn, "C", "c1", dec!(-50), dec!(0)),
            ev("2027-03-01", New, "D", "d1", dec!(30), dec!(30)),
            ev("2027-03-09", Churn, "B", "b1", dec!(-40), dec!(0)),
            ev("2027-04-02", Reactivation, "C", "c2", dec!(60), dec!(60)),
        ]
    }

    #[test]
    fn months_carry_movements_and_running_mrr() {
        let f = monthly(&buckets(&history()), m("2027-01"), m("2027-05"));
        let row = |i: usize| {
            let x = &f[i];
            (
                x.month.to_string(),
                x.movements.net_new(),
                x.mrr,
                x.active_subscriptions,
                x.paying_customers,
                x.churned_customers,
            )
        };
        // Jan: 100 + 50 + 50 = 200; subs a1 b1 c1; customers A B C.
        assert_eq!(row(0), ("2027-01".into(), dec!(200), dec!(200), 3, 3, 0));
        // Feb: +20 − 10 − 50 = −40 → 160; subs a1 a2 b1 (c1 ended); customers A B.
        assert_eq!(row(1), ("2027-02".into(), dec!(-40), dec!(160), 3, 2, 1));
        // Mar: +30 − 40 = −10 → 150; subs a1 a2 d1; customers A D.
        assert_eq!(row(2), ("2027-03".into(), dec!(-10), dec!(150), 3, 2, 1));
        // Apr: +60 → 210; subs a1 a2 d1 c2; customers A C D.
        assert_eq!(row(3), ("2027-04".into(), dec!(60), dec!(210), 4, 3, 0));
        // May: nothing moves.
        assert_eq!(row(4), ("2027-05".into(), dec!(0), dec!(210), 4, 3, 0));
        let feb = &f[1].movements;
        assert_eq!(
            (
                feb.new,
                feb.expansion,
                feb.contraction,
                feb.churn,
                feb.reactivation
            ),
            (dec!(0), dec!(20), dec!(-10), dec!(-50), dec!(0))
        );
        assert_eq!(f[3].movements.reactivation, dec!(60));
        assert_eq!(
            (
                f[1].mrr_start,
                f[1].customers_start,
                f[1].subscriptions_start
            ),
            (dec!(200), 3, 3)
        );
    }

    #[test]
    fn events_before_the_range_open_it_and_later_ones_are_ignored() {
        let f = monthly(&buckets(&history()), m("2027-03"), m("2027-03"));
        assert_eq!(f.len(), 1);
        // Opening: 200 − 40 = 160, subs a1 a2 b1, customers A B.
        assert_eq!(
            (
                f[0].mrr_start,
                f[0].subscriptions_start,
                f[0].customers_start
            ),
            (dec!(160), 3, 2)
        );
        assert_eq!(f[0].mrr, dec!(150));
    }

    #[test]
    fn the_sum_of_all_movements_is_the_mrr_at_every_month_end() {
        let events = history();
        let f = monthly(&buckets(&events), m("2026-12"), m("2027-06"));
        for x in &f {
            let upto: Decimal = events
                .iter()
                .filter(|e| e.date <= x.month.last_day())
                .map(|e| e.delta)
                .sum();
            assert_eq!(x.mrr, upto, "{}", x.month);
            assert_eq!(x.mrr - x.mrr_start, x.movements.net_new());
        }
    }
}
