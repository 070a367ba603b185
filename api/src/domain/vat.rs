//! EU VAT numbers: the prefix of the billing country, each member state's format
//! and, where the member state defines one, its check digits. Only a number that
//! passes here is sent to VIES, so a typo is answered at once instead of after a
//! round trip, and reverse charge is never granted on a malformed number.

use std::fmt;

use super::country::Country;
use checks::{
    at, be, bg, cy, cz, de, dk, ee, el, es, fi, fr, hr, hu, ie, it, lt, lu, lv, mt, nl, pl, pt, ro,
    se, si, sk, xi,
};

mod checks;

/// Longest input considered (separators included); anything longer is refused
/// before it is looked at.
const MAX_INPUT: usize = 64;
/// Longest compact number of a country whose format Renewly does not know.
const MAX_OTHER: usize = 32;

/// A VAT number in compact form: upper case, no separators, with its prefix
/// (`DE136308783`, `EL094501040`, `CHE123456789`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VatNumber {
    compact: String,
    /// Whether the prefix is a VIES member (the EU states and `XI`) and the
    /// number passed that state's format and check digits.
    vies: bool,
}

impl VatNumber {
    /// The compact number, e.g. `NL004495445B01`.
    pub fn as_str(&self) -> &str {
        &self.compact
    }

    /// For a number VIES knows: its member-state code (`DE`, `EL`, `XI`) and the
    /// national part, as the VIES request takes them.
    pub fn vies_parts(&self) -> Option<(&str, &str)> {
        self.vies.then(|| self.compact.split_at(2))
    }
}

impl fmt::Display for VatNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.compact)
    }
}

/// Why a VAT number was refused; `Display` is the sentence an API problem carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VatError {
    /// Something other than letters and digits (after spaces, dots and dashes),
    /// or too long.
    Characters,
    /// The prefix is not the billing country's.
    Prefix {
        country: String,
        expected: &'static str,
    },
    /// Not the member state's format.
    Format { rule: &'static Rule },
    /// The member state's check digits do not match: a typo.
    Checksum { rule: &'static Rule },
}

impl fmt::Display for VatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Characters => write!(
                f,
                "a VAT number is at most {MAX_OTHER} letters and digits, such as NL004495445B01"
            ),
            Self::Prefix { country, expected } => write!(
                f,
                "a VAT number of the billing country {country} starts with {expected}"
            ),
            Self::Format { rule } => write!(
                f,
                "a {} VAT number is {} followed by {}, such as {}",
                rule.name, rule.prefix, rule.format, rule.example
            ),
            Self::Checksum { rule } => write!(
                f,
                "the check digits of this {} VAT number do not match (a typo?); such as {}",
                rule.name, rule.example
            ),
        }
    }
}

impl std::error::Error for VatError {}

/// One member state's VAT number.
#[derive(Debug)]
pub struct Rule {
    /// The VAT prefix (`EL` for Greece, `XI` for Northern Ireland).
    pub prefix: &'static str,
    /// The ISO 3166 code of the country whose customers use this prefix.
    pub country: &'static str,
    name: &'static str,
    format: &'static str,
    /// A published number that passes, for messages and tests.
    pub example: &'static str,
    check: fn(&str) -> Check,
}

/// Rules are one per prefix.
impl PartialEq for Rule {
    fn eq(&self, other: &Self) -> bool {
        self.prefix == other.prefix
    }
}

impl Eq for Rule {}

/// What a national part is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Ok,
    Format,
    Checksum,
}

/// Parses `raw` as the VAT number of a customer billed in `country` (ISO code,
/// any case). Blank is `None`. A customer billed in an EU member state needs that
/// state's prefix (Greece `EL`); one billed in the United Kingdom may give a
/// Northern Ireland `XI` number; elsewhere a number of an EU prefix is refused
/// and any other is kept as letters and digits. Without a country, the prefix
/// decides.
pub fn parse(raw: &str, country: Option<&str>) -> Result<Option<VatNumber>, VatError> {
    if raw.len() > MAX_INPUT {
        return Err(VatError::Characters);
    }
    let compact: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-') && !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    if compact.is_empty() {
        return Ok(None);
    }
    if compact.len() > MAX_OTHER || !compact.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(VatError::Characters);
    }
    let given = compact.get(..2).and_then(rule);
    let country = country.and_then(Country::parse);
    let rule = match country {
        Some(c) if c.is_eu() => {
            let expected = RULES.iter().find(|r| r.country == c.as_str());
            match (expected, given) {
                (Some(e), Some(g)) if e.prefix == g.prefix => e,
                (Some(e), _) => {
                    return Err(VatError::Prefix {
                        country: c.as_str().to_owned(),
                        expected: e.prefix,
                    });
                }
                (None, _) => return Ok(Some(other(compact))),
            }
        }
        Some(c) => match given {
            // Monaco belongs to the French VAT territory and uses French numbers.
            Some(g) if g.country == c.as_str() || (c.as_str() == "MC" && g.prefix == "FR") => g,
            Some(_) => {
                return Err(VatError::Prefix {
                    country: c.as_str().to_owned(),
                    expected: "its own prefix (not an EU member state's)",
                });
            }
            None => return Ok(Some(other(compact))),
        },
        None => match given {
            Some(g) => g,
            None => return Ok(Some(other(compact))),
        },
    };
    match (rule.check)(&compact[2..]) {
        Check::Ok => Ok(Some(VatNumber {
            compact,
            vies: true,
        })),
        Check::Format => Err(VatError::Format { rule }),
        Check::Checksum => Err(VatError::Checksum { rule }),
    }
}

fn other(compact: String) -> VatNumber {
    VatNumber {
        compact,
        vies: false,
    }
}

/// The rule of a VIES prefix (`DE`, `EL`, `XI`).
pub fn rule(prefix: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.prefix == prefix)
}

/// Every prefix VIES answers for.
pub static RULES: &[Rule] = &[
    r("AT", "AT", "Austrian", "U and 8 digits", "ATU13585627", at),
    r(
        "BE",
        "BE",
        "Belgian",
        "10 digits starting with 0 or 1",
        "BE0428759497",
        be,
    ),
    r("BG", "BG", "Bulgarian", "9 or 10 digits", "BG175074752", bg),
    r(
        "CY",
        "CY",
        "Cypriot",
        "8 digits and a letter",
        "CY10259033P",
        cy,
    ),
    r("CZ", "CZ", "Czech", "8, 9 or 10 digits", "CZ25123891", cz),
    r("DE", "DE", "German", "9 digits", "DE136308783", de),
    r("DK", "DK", "Danish", "8 digits", "DK13585628", dk),
    r(
        "EE",
        "EE",
        "Estonian",
        "9 digits starting with 10",
        "EE100931558",
        ee,
    ),
    r("EL", "GR", "Greek", "9 digits", "EL094501040", el),
    r(
        "ES",
        "ES",
        "Spanish",
        "9 letters and digits",
        "ESA78109592",
        es,
    ),
    r("FI", "FI", "Finnish", "8 digits", "FI20774740", fi),
    r(
        "FR",
        "FR",
        "French",
        "2 check characters and the 9-digit SIREN",
        "FR40303265045",
        fr,
    ),
    r("HR", "HR", "Croatian", "11 digits", "HR33392005961", hr),
    r("HU", "HU", "Hungarian", "8 digits", "HU12892312", hu),
    r(
        "IE",
        "IE",
        "Irish",
        "7 digits and 1 or 2 letters",
        "IE6388047V",
        ie,
    ),
    r("IT", "IT", "Italian", "11 digits", "IT00743110157", it),
    r(
        "LT",
        "LT",
        "Lithuanian",
        "9 or 12 digits",
        "LT119511515",
        lt,
    ),
    r("LU", "LU", "Luxembourg", "8 digits", "LU15027442", lu),
    r("LV", "LV", "Latvian", "11 digits", "LV40003521600", lv),
    r("MT", "MT", "Maltese", "8 digits", "MT20630321", mt),
    r(
        "NL",
        "NL",
        "Dutch",
        "9 digits, B and 2 digits",
        "NL004495445B01",
        nl,
    ),
    r("PL", "PL", "Polish", "10 digits", "PL5260250274", pl),
    r("PT", "PT", "Portuguese", "9 digits", "PT501964843", pt),
    r(
        "RO",
        "RO",
        "Romanian",
        "2 to 10 digits, or 13",
        "RO18547290",
        ro,
    ),
    r(
        "SE",
        "SE",
        "Swedish",
        "12 digits ending in 01",
        "SE556043606401",
        se,
    ),
    r("SI", "SI", "Slovenian", "8 digits", "SI50223054", si),
    r("SK", "SK", "Slovak", "10 digits", "SK2022193459", sk),
    r(
        "XI",
        "GB",
        "Northern Ireland",
        "9 or 12 digits, or GD or HA and 3 digits",
        "XI123456789",
        xi,
    ),
];

const fn r(
    prefix: &'static str,
    country: &'static str,
    name: &'static str,
    format: &'static str,
    example: &'static str,
    check: fn(&str) -> Check,
) -> Rule {
    Rule {
        prefix,
        country,
        name,
        format,
        example,
        check,
    }
}

#[cfg(test)]
mod tests;
