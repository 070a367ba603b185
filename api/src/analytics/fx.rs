//! Currency conversion for reports: each amount at the latest rate of its pair on
//! or before its date.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// No usable rate for a pair on a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "No exchange rate from {from} to {to} on or before {date}: add one with POST /v1/exchange_rates"
)]
pub struct MissingRate {
    pub from: String,
    pub to: String,
    pub date: NaiveDate,
}

/// The merchant's rates, per pair, oldest first.
#[derive(Debug, Clone, Default)]
pub struct Rates {
    pairs: HashMap<(String, String), Vec<(NaiveDate, Decimal)>>,
}

impl Rates {
    /// Rates from (from, to, first day, rate) rows.
    pub fn new(rows: impl IntoIterator<Item = (String, String, NaiveDate, Decimal)>) -> Self {
        let mut pairs: HashMap<(String, String), Vec<(NaiveDate, Decimal)>> = HashMap::new();
        for (from, to, date, rate) in rows {
            pairs.entry((from, to)).or_default().push((date, rate));
        }
        for list in pairs.values_mut() {
            list.sort_by_key(|(d, _)| *d);
        }
        Self { pairs }
    }

    fn latest(&self, from: &str, to: &str, date: NaiveDate) -> Option<Decimal> {
        let list = self.pairs.get(&(from.to_owned(), to.to_owned()))?;
        let i = list.partition_point(|(d, _)| *d <= date);
        i.checked_sub(1).map(|i| list[i].1)
    }

    /// Units of `to` per unit of `from` on `date`: 1 for the same currency, else the
    /// pair's latest rate on or before the date, else the inverse of the reverse
    /// pair's.
    pub fn rate(&self, from: &str, to: &str, date: NaiveDate) -> Result<Decimal, MissingRate> {
        if from == to {
            return Ok(Decimal::ONE);
        }
        self.latest(from, to, date)
            .or_else(|| {
                self.latest(to, from, date)
                    .and_then(|r| Decimal::ONE.checked_div(r))
            })
            .ok_or_else(|| MissingRate {
                from: from.to_owned(),
                to: to.to_owned(),
                date,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn d(raw: &str) -> NaiveDate {
        raw.parse().unwrap()
    }

    #[test]
    fn the_latest_rate_on_or_before_the_date_applies() {
        let rates = Rates::new([
            ("USD".into(), "EUR".into(), d("2027-02-01"), dec!(0.90)),
            ("USD".into(), "EUR".into(), d("2027-01-01"), dec!(0.92)),
            ("EUR".into(), "GBP".into(), d("2027-01-01"), dec!(0.80)),
        ]);
        assert_eq!(rates.rate("USD", "EUR", d("2027-01-01")), Ok(dec!(0.92)));
        assert_eq!(rates.rate("USD", "EUR", d("2027-01-31")), Ok(dec!(0.92)));
        assert_eq!(rates.rate("USD", "EUR", d("2027-02-01")), Ok(dec!(0.90)));
        assert_eq!(rates.rate("EUR", "EUR", d("1999-01-01")), Ok(dec!(1)));
        // Only the reverse pair is known: 1 ÷ 0.80 = 1.25.
        assert_eq!(rates.rate("GBP", "EUR", d("2027-03-01")), Ok(dec!(1.25)));
        let missing = rates.rate("USD", "EUR", d("2026-12-31")).unwrap_err();
        assert_eq!(
            missing.to_string(),
            "No exchange rate from USD to EUR on or before 2026-12-31: add one with POST /v1/exchange_rates"
        );
        assert!(rates.rate("JPY", "EUR", d("2027-03-01")).is_err());
    }
}
