//! Rounding for the wire: amounts to the currency's minor unit, ratios to four
//! places, both half away from zero and always with every digit (`"0.50"`,
//! `"0.0500"`), never `"-0.00"`.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::domain::currency::Currency;

/// Digits of a ratio on the wire.
pub const RATIO_DIGITS: u32 = 4;

fn fixed(value: Decimal, digits: u32) -> Decimal {
    let mut v = value.round_dp_with_strategy(digits, RoundingStrategy::MidpointAwayFromZero);
    if v.is_zero() {
        v = Decimal::ZERO;
    }
    v.rescale(digits);
    v
}

/// An amount as stated in `currency`.
pub fn amount(value: Decimal, currency: &Currency) -> Decimal {
    fixed(value, currency.minor_units())
}

/// A ratio with four digits.
pub fn ratio4(value: Decimal) -> Decimal {
    fixed(value, RATIO_DIGITS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn every_digit_is_printed_and_halves_round_away_from_zero() {
        let eur = Currency::parse("EUR").unwrap();
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(amount(dec!(24), &eur).to_string(), "24.00");
        assert_eq!(amount(dec!(-0.004), &eur).to_string(), "0.00");
        assert_eq!(amount(dec!(2.345), &eur).to_string(), "2.35");
        assert_eq!(amount(dec!(100.5), &jpy).to_string(), "101");
        assert_eq!(ratio4(dec!(0.05)).to_string(), "0.0500");
        assert_eq!(ratio4(dec!(1) / dec!(3)).to_string(), "0.3333");
        assert_eq!(ratio4(dec!(-0.00005)).to_string(), "-0.0001");
    }
}
