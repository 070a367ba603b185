//! Wire types of the Renewly API, for the server, the tests and Rust clients.
//! The widget keeps its own serde-free copies of the ones it uses
//! (`widget/src/wire.rs`, checked against the API by `tests/api/widget_wire.rs`).
//!
//! Serde only, so the crate also builds for `wasm32-unknown-unknown`. Amounts are
//! `rust_decimal::Decimal` serialised as decimal strings (`"19.99"`); dates are
//! `YYYY-MM-DD` strings and timestamps RFC 3339 strings.

pub mod analytics;
pub mod billing;
pub mod catalog;
pub mod customers;
pub mod merchant;
pub mod portal;

pub use analytics::*;
pub use billing::*;
pub use catalog::*;
pub use customers::*;
pub use merchant::*;
pub use portal::*;

use serde::{Deserialize, Serialize};

/// One page of a cursor-paginated list.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct List<T> {
    /// Always `"list"`.
    pub object: String,
    /// The objects of this page, newest first.
    pub data: Vec<T>,
    /// Whether more objects follow the last one of this page.
    pub has_more: bool,
}

impl<T> List<T> {
    /// A page holding `data`.
    pub fn new(data: Vec<T>, has_more: bool) -> Self {
        Self {
            object: "list".to_owned(),
            data,
            has_more,
        }
    }
}

/// An RFC 9457 problem document, the body of every error response.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// A URI naming the problem type.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request, for a person to read.
    pub detail: String,
    /// A stable machine-readable code, e.g. `invalid_json`, `missing_field`.
    pub code: String,
    /// The request field at fault, as a dotted path (`recurring.interval`), when one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
}

/// A postal address.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Address {
    #[serde(default)]
    pub line1: Option<String>,
    #[serde(default)]
    pub line2: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub postal_code: Option<String>,
    /// State, province or region.
    #[serde(default)]
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2 country code, upper case.
    #[serde(default)]
    pub country: Option<String>,
}

/// Whether the merchant's test or live data is meant; decided by the API key.
pub type Livemode = bool;

/// Serde helpers for a PATCH field where absent means "keep" and `null` means "clear":
/// absent → `None`, `null` → `Some(None)`, a value → `Some(Some(v))`.
pub mod nullable {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Deserialises a present field, `null` included.
    pub fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Option::<T>::deserialize(deserializer).map(Some)
    }

    /// Serialises `Some(None)` as `null` (absent fields are skipped by the caller).
    pub fn serialize<T, S>(value: &Option<Option<T>>, serializer: S) -> Result<S::Ok, S::Error>
    where
        T: Serialize,
        S: Serializer,
    {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }
}
