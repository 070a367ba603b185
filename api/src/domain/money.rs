//! Amounts: decimal strings in, `Decimal` inside, rounded to the currency's minor
//! unit (half away from zero) only where a document states them.

use rust_decimal::{Decimal, RoundingStrategy};

use super::currency::Currency;

/// Most digits after the point an input amount may have (unit prices may be finer
/// than the currency, e.g. 0.0125 per GB).
pub const MAX_SCALE: u32 = 12;

/// Largest amount accepted as input (a trillion), so that quantities times amounts
/// and every sum on a document stay far inside `Decimal`'s range.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);

/// Why an amount string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("must be a decimal string such as \"19.99\"")]
    NotDecimal,
    #[error("must not be negative")]
    Negative,
    #[error("has more than {MAX_SCALE} digits after the decimal point")]
    TooPrecise,
    #[error("must be at most 1000000000000")]
    TooLarge,
}

/// Parses a non-negative decimal string: digits, an optional point and digits.
/// No exponent, sign, spaces or thousands separators.
pub fn parse_amount(raw: &str) -> Result<Decimal, AmountError> {
    if raw.starts_with('-') {
        return Err(AmountError::Negative);
    }
    let mut parts = raw.splitn(2, '.');
    let int = parts.next().unwrap_or_default();
    let frac = parts.next();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || frac.is_some_and(|f| !digits(f)) {
        return Err(AmountError::NotDecimal);
    }
    if frac.is_some_and(|f| f.len() > MAX_SCALE as usize) {
        return Err(AmountError::TooPrecise);
    }
    if int.trim_start_matches('0').len() > 13 {
        return Err(AmountError::TooLarge);
    }
    let amount = raw
        .parse::<Decimal>()
        .map_err(|_| AmountError::NotDecimal)?;
    if amount > MAX_AMOUNT {
        return Err(AmountError::TooLarge);
    }
    Ok(amount)
}

/// Rounds to the currency's minor unit, half away from zero.
pub fn round(amount: Decimal, currency: &Currency) -> Decimal {
    amount.round_dp_with_strategy(
        currency.minor_units(),
        RoundingStrategy::MidpointAwayFromZero,
    )
}

/// The amount in integer minor units (cents), for sums in SQL.
pub fn to_minor(amount: Decimal, currency: &Currency) -> Option<i64> {
    let scaled = round(amount, currency) * Decimal::from(10_i64.pow(currency.minor_units()));
    i64::try_from(scaled.trunc()).ok()
}

/// An amount from integer minor units.
pub fn from_minor(minor: i64, currency: &Currency) -> Decimal {
    Decimal::new(minor, currency.minor_units())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    #[test]
    fn accepts_plain_decimal_strings() {
        assert_eq!(parse_amount("19.99").unwrap(), dec!(19.99));
        assert_eq!(parse_amount("0").unwrap(), dec!(0));
        assert_eq!(parse_amount("0.0125").unwrap(), dec!(0.0125));
    }

    #[test]
    fn refuses_what_is_not_a_plain_amount() {
        for bad in ["", ".5", "5.", "1e3", "+1", " 1", "1,00", "abc", "1.2.3"] {
            assert_eq!(parse_amount(bad), Err(AmountError::NotDecimal), "{bad:?}");
        }
        assert_eq!(parse_amount("-1.00"), Err(AmountError::Negative));
        assert_eq!(
            parse_amount("0.0000000000001"),
            Err(AmountError::TooPrecise)
        );
    }

    #[test]
    fn rounds_half_away_from_zero_to_the_minor_unit() {
        let eur = Currency::parse("EUR").unwrap();
        let jpy = Currency::parse("JPY").unwrap();
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(round(dec!(2.345), &eur), dec!(2.35));
        assert_eq!(round(dec!(2.344), &eur), dec!(2.34));
        assert_eq!(round(dec!(-2.345), &eur), dec!(-2.35));
        assert_eq!(round(dec!(100.5), &jpy), dec!(101));
        assert_eq!(round(dec!(1.2345), &kwd), dec!(1.235));
    }

    proptest! {
        #[test]
        fn minor_units_round_trip(cents in -1_000_000_000_i64..1_000_000_000) {
            let eur = Currency::parse("EUR").unwrap();
            prop_assert_eq!(to_minor(from_minor(cents, &eur), &eur), Some(cents));
        }

        #[test]
        fn parsed_amounts_print_back_the_same(int in 0_u64..10_000_000, frac in 0_u32..100) {
            let raw = format!("{int}.{frac:02}");
            prop_assert_eq!(parse_amount(&raw).unwrap().to_string(), raw);
        }
    }
}
