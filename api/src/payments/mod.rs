//! Payment providers and charging a stored payment method.
//!
//! [`PaymentProvider`] is what a provider does for us: keep a card and hand back
//! a token, charge that token, confirm a charge that needed authentication.
//! [`Provider`] picks the one of a merchant's mode: Stripe when the merchant set
//! its keys for the mode, else the built-in [`TestProvider`]; a stored payment
//! method is always charged through the provider it belongs to. [`charge`] records every attempt in the `charges` table,
//! keyed by an idempotency key, as pending before the provider is asked: a retry
//! (of a client, of the worker, after a crash) finds it and never makes a second
//! charge. [`confirm`] completes a charge that needed authentication.

pub mod stripe;
pub mod test_provider;

use std::fmt;
use std::future::Future;

use rust_decimal::Decimal;

pub use stripe::StripeProvider;
pub use test_provider::TestProvider;

use crate::config::Config;
use crate::db::Db;
pub use crate::domain::charge::{ChargeOutcome, ChargeStatus};
use crate::domain::currency::Currency;
use crate::ids::{Kind, new_id};
use crate::store::charges::{self, Charge, NewCharge, PendingCharge, Stored};
use crate::store::{Scope, now, payment_methods};
use crate::vault::Vault;

/// A card as typed by the customer. It is handed to the provider and dropped:
/// never stored, never logged (`Debug` masks the number and CVC).
#[derive(Clone)]
pub struct Card {
    /// Digits only.
    pub number: String,
    pub exp_month: u32,
    pub exp_year: u32,
    pub cvc: String,
}

impl fmt::Debug for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Card")
            .field("number", &"[redacted]")
            .field("exp_month", &self.exp_month)
            .field("exp_year", &self.exp_year)
            .field("cvc", &"[redacted]")
            .finish()
    }
}

/// What we keep of an attached card: the provider's token and what a person
/// needs to recognise the card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachedCard {
    /// The provider's reference to charge later; it reveals nothing about the card.
    pub token: String,
    /// `visa`, `mastercard`, `amex`, `discover` or `unknown`.
    pub brand: String,
    pub last4: String,
    pub exp_month: u32,
    pub exp_year: u32,
}

/// Why a provider refused a card, with Stripe's codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    #[error("The card was declined")]
    Declined,
    #[error("The card has insufficient funds")]
    InsufficientFunds,
    #[error("The card number is incorrect")]
    IncorrectNumber,
    /// Expired; `in_year` when the expiry year itself is past.
    #[error("The card has expired")]
    Expired { in_year: bool },
    #[error("The card's security code is invalid")]
    InvalidCvc,
    /// The provider takes no card numbers (Stripe: Stripe.js collects them).
    #[error("Card numbers are not accepted: this merchant's cards are collected by Stripe")]
    NotAccepted,
}

impl CardError {
    /// The stable code: `card_declined`, `insufficient_funds`, ….
    pub fn code(self) -> &'static str {
        match self {
            Self::Declined => "card_declined",
            Self::InsufficientFunds => "insufficient_funds",
            Self::IncorrectNumber => "incorrect_number",
            Self::Expired { .. } => "expired_card",
            Self::InvalidCvc => "invalid_cvc",
            Self::NotAccepted => "card_numbers_not_accepted",
        }
    }

    /// The card field at fault.
    pub fn field(self) -> &'static str {
        match self {
            Self::Declined
            | Self::InsufficientFunds
            | Self::IncorrectNumber
            | Self::NotAccepted => "number",
            Self::Expired { in_year: true } => "exp_year",
            Self::Expired { in_year: false } => "exp_month",
            Self::InvalidCvc => "cvc",
        }
    }
}

/// The provider could not process the request at all (not a decline).
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("the provider does not know this token or charge")]
    UnknownReference,
    #[error("the payment provider is unavailable: {0}")]
    Unavailable(String),
}

impl From<ProviderError> for crate::error::ApiError {
    fn from(e: ProviderError) -> Self {
        match e {
            ProviderError::Unavailable(ref cause) => {
                tracing::warn!(error = %cause, "payment provider unavailable");
                Self::ProviderUnavailable
            }
            ProviderError::UnknownReference => Self::Internal(e.into()),
        }
    }
}

/// What a payment provider does for us.
pub trait PaymentProvider: Send + Sync {
    /// The name stored with payment methods: `test` or `stripe`.
    fn name(&self) -> &'static str;

    /// Checks a card and keeps it, returning a token to charge later.
    fn attach_card(
        &self,
        card: &Card,
    ) -> impl Future<Output = Result<AttachedCard, CardError>> + Send;

    /// Charges `amount` in `currency` to a token. The provider sees the same
    /// `idempotency_key` on a retry and must not charge twice. `invoice` is the
    /// invoice paid, noted with the charge at the provider.
    fn charge(
        &self,
        token: &str,
        amount: Decimal,
        currency: &str,
        idempotency_key: &str,
        invoice: Option<&str>,
    ) -> impl Future<Output = Result<ChargeOutcome, ProviderError>> + Send;

    /// Completes a charge that answered `requires_action` once the card holder
    /// authenticated.
    fn confirm(
        &self,
        reference: &str,
    ) -> impl Future<Output = Result<ChargeOutcome, ProviderError>> + Send;

    /// Gives back `amount` (at most what the charge took) of a succeeded charge.
    /// The same `idempotency_key` on a retry refunds once.
    fn refund(
        &self,
        reference: &str,
        amount: Decimal,
        currency: &str,
        idempotency_key: &str,
    ) -> impl Future<Output = Result<RefundOutcome, ProviderError>> + Send;
}

/// The provider's answer to a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundOutcome {
    /// The provider's id of the refund (`re_…`).
    pub reference: String,
}

/// The payment providers of a server: the built-in test provider, and Stripe
/// for each merchant mode whose keys are set.
#[derive(Debug, Clone)]
pub struct Provider {
    test: TestProvider,
    stripe_api_base: String,
    vault: Vault,
}

impl Default for Provider {
    fn default() -> Self {
        Self {
            test: TestProvider::default(),
            stripe_api_base: crate::config::STRIPE_API_BASE.to_owned(),
            vault: Vault::with_key([0; 32]),
        }
    }
}

/// One provider, ready to use for one merchant mode.
#[derive(Debug, Clone)]
pub enum Resolved {
    Test(TestProvider),
    /// Boxed: Stripe's client is large, and this is made once per request.
    Stripe(Box<StripeProvider>),
}

impl Provider {
    /// The providers the configuration asks for.
    pub fn for_config(config: &Config) -> Self {
        Self {
            test: TestProvider::with_ledger(config.test_provider_ledger.clone()),
            stripe_api_base: config.stripe_api_base.clone(),
            vault: Vault::for_config(config),
        }
    }

    /// What seals merchants' Stripe secrets.
    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// A Stripe client for `secret_key` at the server's Stripe API base.
    pub fn stripe_client(
        &self,
        secret_key: &crate::config::Secret,
    ) -> Result<StripeProvider, ProviderError> {
        StripeProvider::new(&self.stripe_api_base, secret_key)
    }

    /// The merchant mode's Stripe account, when its keys are set.
    pub async fn stripe(
        &self,
        db: &Db,
        scope: &Scope,
    ) -> Result<Option<StripeProvider>, ProviderError> {
        let Some(config) = crate::store::stripe::get(db, scope)
            .await
            .map_err(|e| ProviderError::Unavailable(format!("the database: {e}")))?
        else {
            return Ok(None);
        };
        let key = self
            .vault
            .open(
                &crate::store::stripe::context(scope, "secret_key"),
                &config.secret_key_sealed,
            )
            .map_err(|e| ProviderError::Unavailable(e.to_string()))?;
        self.stripe_client(&key).map(Some)
    }

    /// The provider new cards of the merchant mode go to: Stripe when set, else
    /// the test provider.
    pub async fn for_scope(&self, db: &Db, scope: &Scope) -> Result<Resolved, ProviderError> {
        Ok(match self.stripe(db, scope).await? {
            Some(s) => Resolved::Stripe(Box::new(s)),
            None => Resolved::Test(self.test.clone()),
        })
    }

    /// The provider a stored payment method belongs to (`test` or `stripe`).
    pub async fn named(
        &self,
        db: &Db,
        scope: &Scope,
        name: &str,
    ) -> Result<Resolved, ProviderError> {
        match name {
            "test" => Ok(Resolved::Test(self.test.clone())),
            "stripe" => self
                .stripe(db, scope)
                .await?
                .map(|s| Resolved::Stripe(Box::new(s)))
                .ok_or_else(|| {
                    ProviderError::Unavailable("the merchant's Stripe keys were removed".into())
                }),
            _ => Err(ProviderError::UnknownReference),
        }
    }
}

impl PaymentProvider for Resolved {
    fn name(&self) -> &'static str {
        match self {
            Self::Test(p) => p.name(),
            Self::Stripe(p) => p.name(),
        }
    }

    async fn attach_card(&self, card: &Card) -> Result<AttachedCard, CardError> {
        match self {
            Self::Test(p) => p.attach_card(card).await,
            Self::Stripe(p) => p.attach_card(card).await,
        }
    }

    async fn charge(
        &self,
        token: &str,
        amount: Decimal,
        currency: &str,
        idempotency_key: &str,
        invoice: Option<&str>,
    ) -> Result<ChargeOutcome, ProviderError> {
        match self {
            Self::Test(p) => {
                p.charge(token, amount, currency, idempotency_key, invoice)
                    .await
            }
            Self::Stripe(p) => {
                p.charge(token, amount, currency, idempotency_key, invoice)
                    .await
            }
        }
    }

    async fn confirm(&self, reference: &str) -> Result<ChargeOutcome, ProviderError> {
        match self {
            Self::Test(p) => p.confirm(reference).await,
            Self::Stripe(p) => p.confirm(reference).await,
        }
    }

    async fn refund(
        &self,
        reference: &str,
        amount: Decimal,
        currency: &str,
        idempotency_key: &str,
    ) -> Result<RefundOutcome, ProviderError> {
        match self {
            Self::Test(p) => p.refund(reference, amount, currency, idempotency_key).await,
            Self::Stripe(p) => p.refund(reference, amount, currency, idempotency_key).await,
        }
    }
}

/// Why a charge could not be made or confirmed (a decline is not an error: it is a
/// recorded charge with status `failed`).
#[derive(Debug, thiserror::Error)]
pub enum ChargeError {
    #[error("no attached payment method '{0}'")]
    UnknownPaymentMethod(String),
    #[error("no charge '{0}'")]
    UnknownCharge(String),
    #[error("payment method '{0}' belongs to another payment provider")]
    OtherProvider(String),
    #[error("the amount must be positive")]
    InvalidAmount,
    #[error("'{0}' is not a current ISO 4217 currency code")]
    InvalidCurrency(String),
    #[error("the idempotency key was used for another charge ('{0}')")]
    KeyReused(String),
    #[error("the idempotency key must be 1 to 255 characters")]
    InvalidIdempotencyKey,
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// A charge to make: what, to which payment method, under which key.
#[derive(Debug, Clone, Copy)]
pub struct ChargeRequest<'a> {
    pub payment_method_id: &'a str,
    pub amount: Decimal,
    pub currency: &'a str,
    /// Stable across retries of the same intent: the provider charges once per key.
    pub idempotency_key: &'a str,
    /// The invoice the charge pays (recorded with it, so a retry finds the invoice).
    pub invoice_id: Option<&'a str>,
}

/// Charges a stored payment method once per idempotency key. The charge is
/// recorded as pending (and committed) before the provider is asked, and
/// completed with its answer. A key whose charge is completed returns it without
/// a new attempt; a key whose charge is still pending (its caller died, hung up,
/// or is still running) asks the provider again with the same key, which
/// answers with the same charge instead of making a second one.
pub async fn charge(
    db: &Db,
    provider: &Provider,
    scope: &Scope,
    req: &ChargeRequest<'_>,
) -> Result<Charge, ChargeError> {
    let key = req.idempotency_key;
    if key.is_empty() || key.len() > 255 {
        return Err(ChargeError::InvalidIdempotencyKey);
    }
    let stored = match charges::find_stored(db, scope, key).await? {
        Some(stored) => stored,
        None => begin(db, scope, req).await?,
    };
    if !stored.is_for(req.payment_method_id, req.amount, req.currency) {
        return Err(ChargeError::KeyReused(stored.id().to_owned()));
    }
    match stored {
        Stored::Done(c) => Ok(c),
        Stored::Pending(p) => ask(db, provider, scope, &p).await,
    }
}

/// Checks a new charge and records it as pending.
async fn begin(db: &Db, scope: &Scope, req: &ChargeRequest<'_>) -> Result<Stored, ChargeError> {
    if req.amount <= Decimal::ZERO {
        return Err(ChargeError::InvalidAmount);
    }
    let currency = Currency::parse(req.currency)
        .ok_or_else(|| ChargeError::InvalidCurrency(req.currency.to_owned()))?;
    let source = payment_methods::charge_source(db, scope, req.payment_method_id)
        .await?
        .ok_or_else(|| ChargeError::UnknownPaymentMethod(req.payment_method_id.to_owned()))?;
    if !matches!(source.provider.as_str(), "test" | "stripe") {
        return Err(ChargeError::OtherProvider(req.payment_method_id.to_owned()));
    }
    let new = NewCharge {
        id: new_id(Kind::Charge),
        payment_method_id: req.payment_method_id.to_owned(),
        amount: req.amount.normalize(),
        currency: currency.code().to_owned(),
        idempotency_key: req.idempotency_key.to_owned(),
        invoice_id: req.invoice_id.map(str::to_owned),
        created: now(),
    };
    Ok(charges::begin(db, scope, &new).await?)
}

/// Asks the provider for a pending charge (again, when its first caller did not
/// complete it) and records the answer. Two racing callers both reach the
/// provider with the same key (which makes it charge once) and both get the
/// first recorded answer back. A provider that cannot be reached leaves the
/// charge pending for the next retry.
async fn ask(
    db: &Db,
    provider: &Provider,
    scope: &Scope,
    pending: &PendingCharge,
) -> Result<Charge, ChargeError> {
    let source = payment_methods::charge_source(db, scope, &pending.payment_method)
        .await?
        .ok_or_else(|| ChargeError::UnknownPaymentMethod(pending.payment_method.clone()))?;
    let outcome = provider
        .named(db, scope, &source.provider)
        .await?
        .charge(
            &source.token,
            pending.amount,
            &pending.currency,
            &pending.idempotency_key,
            pending.invoice_id.as_deref(),
        )
        .await?;
    Ok(charges::complete(db, scope, &pending.idempotency_key, &outcome).await?)
}

/// Completes a charge that required authentication. A charge that no longer
/// requires action is returned as it stands.
pub async fn confirm(
    db: &Db,
    provider: &Provider,
    scope: &Scope,
    charge_id: &str,
) -> Result<Charge, ChargeError> {
    let charge = charges::get(db, scope, charge_id)
        .await?
        .ok_or_else(|| ChargeError::UnknownCharge(charge_id.to_owned()))?;
    if charge.status != ChargeStatus::RequiresAction {
        return Ok(charge);
    }
    let source = payment_methods::charge_source(db, scope, &charge.payment_method)
        .await?
        .ok_or_else(|| ChargeError::UnknownPaymentMethod(charge.payment_method.clone()))?;
    let outcome = provider
        .named(db, scope, &source.provider)
        .await?
        .confirm(&charge.provider_reference)
        .await?;
    charges::settle(db, scope, charge_id, &outcome).await?;
    charges::get(db, scope, charge_id)
        .await?
        .ok_or_else(|| ChargeError::UnknownCharge(charge_id.to_owned()))
}
