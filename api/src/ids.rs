//! Prefixed, sortable object ids: `prod_01jdx…` (a lower-case ULID after the prefix).

use std::sync::{LazyLock, Mutex};

use rand::RngCore;

static GENERATOR: LazyLock<Mutex<ulid::Generator>> =
    LazyLock::new(|| Mutex::new(ulid::Generator::new()));

/// The kinds of object with an id, and their prefixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Merchant,
    ApiKey,
    Product,
    Price,
    Plan,
    CloseReason,
    Pricelist,
    TaxRate,
    Customer,
    User,
    PaymentMethod,
    Charge,
    Refund,
    Subscription,
    SubscriptionItem,
    Order,
    Invoice,
    InvoiceLine,
    LedgerEntry,
    MrrEvent,
    Event,
    Message,
    PortalSession,
    EmailChange,
}

impl Kind {
    /// The prefix, without the underscore.
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Merchant => "mer",
            Self::ApiKey => "key",
            Self::Product => "prod",
            Self::Price => "price",
            Self::Plan => "plan",
            Self::CloseReason => "cr",
            Self::Pricelist => "pl",
            Self::TaxRate => "txr",
            Self::Customer => "cus",
            Self::User => "usr",
            Self::PaymentMethod => "pm",
            Self::Charge => "ch",
            Self::Refund => "re",
            Self::Subscription => "sub",
            Self::SubscriptionItem => "si",
            Self::Order => "ord",
            Self::Invoice => "inv",
            Self::InvoiceLine => "il",
            Self::LedgerEntry => "le",
            Self::MrrEvent => "mrr",
            Self::Event => "evt",
            Self::Message => "msg",
            Self::PortalSession => "ps",
            Self::EmailChange => "ecg",
        }
    }
}

/// A new id of the given kind. Ids made by one process increase strictly, so they
/// sort in creation order and serve as pagination cursors.
pub fn new_id(kind: Kind) -> String {
    let ulid = match GENERATOR.lock() {
        Ok(mut g) => g.generate().unwrap_or_else(|_| ulid::Ulid::generate()),
        Err(_) => ulid::Ulid::generate(),
    };
    format!(
        "{}_{}",
        kind.prefix(),
        ulid.to_string().to_ascii_lowercase()
    )
}

/// Whether `id` looks like an id of `kind` (prefix and 26 base-32 characters).
pub fn is_id_of(kind: Kind, id: &str) -> bool {
    id.strip_prefix(kind.prefix())
        .and_then(|rest| rest.strip_prefix('_'))
        .is_some_and(|u| u.len() == 26 && u.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// A secret token: `bytes` random bytes from the OS generator, hex-encoded.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0_u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_prefixed_and_increase() {
        let ids: Vec<String> = (0..1000).map(|_| new_id(Kind::Product)).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert!(ids.iter().all(|id| is_id_of(Kind::Product, id)));
        assert!(!is_id_of(Kind::Price, &ids[0]));
    }

    #[test]
    fn tokens_have_the_asked_entropy() {
        assert_eq!(random_token(32).len(), 64);
        assert_ne!(random_token(16), random_token(16));
    }
}
