//! Calendar months (`YYYY-MM`), the unit every analytics figure is reported in.

use std::fmt;

use chrono::{Datelike, NaiveDate};

/// Parses a day given as exactly `YYYY-MM-DD` (the API's one date form): four
/// digits, two, two, and a day that exists. chrono's own `FromStr` also takes
/// signs, longer years and unpadded fields, which the API does not document.
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let bytes = raw.as_bytes();
    let shape = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shape {
        return None;
    }
    let year = raw[..4].parse().ok()?;
    let month = raw[5..7].parse().ok()?;
    let day = raw[8..].parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    /// A month from its year and number (1–12).
    pub fn new(year: i32, month: u32) -> Option<Self> {
        ((1..=12).contains(&month) && (1..=9999).contains(&year)).then_some(Self { year, month })
    }

    /// Parses exactly `YYYY-MM`.
    pub fn parse(raw: &str) -> Option<Self> {
        let bytes = raw.as_bytes();
        if bytes.len() != 7 || bytes[4] != b'-' {
            return None;
        }
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        let (y, m) = (&raw[..4], &raw[5..]);
        if !digits(y) || !digits(m) {
            return None;
        }
        Self::new(y.parse().ok()?, m.parse().ok()?)
    }

    /// The month a day falls in.
    pub fn of(date: NaiveDate) -> Self {
        Self {
            year: date.year(),
            month: date.month(),
        }
    }

    /// The first day of the month.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    /// The last day of the month.
    pub fn last_day(self) -> NaiveDate {
        self.plus(1)
            .first_day()
            .pred_opt()
            .unwrap_or_else(|| self.first_day())
    }

    /// The month `n` months later (earlier when negative).
    pub fn plus(self, n: i32) -> Self {
        let index = self.index() + n;
        Self {
            year: index.div_euclid(12),
            month: index.rem_euclid(12) as u32 + 1,
        }
    }

    /// How many months `later` is after `self` (negative when before).
    pub fn until(self, later: Self) -> i32 {
        later.index() - self.index()
    }

    /// Every month from `self` to `last`, both included.
    pub fn through(self, last: Self) -> impl Iterator<Item = Self> {
        (0..=self.until(last)).map(move |n| self.plus(n))
    }

    fn index(self) -> i32 {
        self.year * 12 + self.month as i32 - 1
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(raw: &str) -> Month {
        Month::parse(raw).unwrap()
    }

    #[test]
    fn parses_only_year_dash_month() {
        assert_eq!(m("2027-01").to_string(), "2027-01");
        for bad in [
            "2027-1",
            "2027-13",
            "2027-00",
            "27-01",
            "2027/01",
            "2027-01-01",
            "abcd-ef",
            "",
        ] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn steps_across_years_and_knows_its_days() {
        assert_eq!(m("2027-11").plus(3), m("2028-02"));
        assert_eq!(m("2027-01").plus(-1), m("2026-12"));
        assert_eq!(m("2026-12").until(m("2028-01")), 13);
        assert_eq!(m("2028-02").last_day().to_string(), "2028-02-29");
        assert_eq!(m("2027-12").last_day().to_string(), "2027-12-31");
        let months: Vec<String> = m("2027-11")
            .through(m("2028-01"))
            .map(|x| x.to_string())
            .collect();
        assert_eq!(months, ["2027-11", "2027-12", "2028-01"]);
        assert_eq!(m("2027-02").through(m("2027-01")).count(), 0);
    }
}
