//! ISO 4217 currencies and their minor units, from the shipped `data/iso4217.csv`.

use std::collections::HashMap;
use std::sync::LazyLock;

static MINOR_UNITS: LazyLock<HashMap<String, u32>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for line in include_str!("../../data/iso4217.csv").lines().skip(1) {
        // Entity names may be quoted and hold commas: read the columns from the right.
        let cols: Vec<&str> = line.rsplitn(5, ',').collect();
        // rsplitn yields WithdrawalDate, MinorUnit, NumericCode, AlphabeticCode, rest.
        if cols.len() < 5 || !cols[0].trim().is_empty() {
            continue;
        }
        let (Ok(minor), code) = (cols[1].trim().parse::<u32>(), cols[3].trim()) else {
            continue;
        };
        if code.len() == 3 {
            map.insert(code.to_owned(), minor);
        }
    }
    map
});

/// A current ISO 4217 currency, upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Currency {
    code: String,
    minor_units: u32,
}

impl Currency {
    /// Parses a code in any case; `None` for an unknown or withdrawn currency or a
    /// fund code without minor units.
    pub fn parse(raw: &str) -> Option<Self> {
        let code = raw.trim().to_ascii_uppercase();
        MINOR_UNITS
            .get(&code)
            .map(|&minor_units| Self { code, minor_units })
    }

    /// A currency outside the shipped table (for data stored before a code was
    /// withdrawn).
    pub fn with_minor_units(code: &str, minor_units: u32) -> Self {
        Self {
            code: code.to_ascii_uppercase(),
            minor_units,
        }
    }

    /// The code, e.g. `EUR`.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// Digits after the decimal point in amounts of this currency (JPY 0, EUR 2, KWD 3).
    pub fn minor_units(&self) -> u32 {
        self.minor_units
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_units_come_from_iso_4217() {
        assert_eq!(Currency::parse("eur").unwrap().minor_units(), 2);
        assert_eq!(Currency::parse("JPY").unwrap().minor_units(), 0);
        assert_eq!(Currency::parse("KWD").unwrap().minor_units(), 3);
        assert_eq!(Currency::parse("usd").unwrap().code(), "USD");
    }

    #[test]
    fn unknown_and_withdrawn_codes_are_refused() {
        assert!(Currency::parse("XYZ").is_none());
        assert!(
            Currency::parse("NLG").is_none(),
            "the guilder was withdrawn"
        );
        assert!(Currency::parse("").is_none());
    }
}
