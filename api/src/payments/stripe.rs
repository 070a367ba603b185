//! Stripe as a merchant's payment provider, through async-stripe. Stripe's wire
//! types stay in this file: the rest of Renewly sees [`AttachedCard`],
//! [`ChargeOutcome`] and [`RefundOutcome`].
//!
//! A Stripe payment method's token, as stored with it, is
//! `{stripe customer}/{stripe payment method}` (`cus_…/pm_…`): an off-session
//! PaymentIntent needs both, and the token is opaque to everything else.

use std::collections::HashMap;
use std::time::Duration;

use rust_decimal::Decimal;
use stripe::{
    Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest as _,
};
use stripe_core::balance::RetrieveForMyAccountBalance;
use stripe_core::customer::CreateCustomer;
use stripe_core::payment_intent::{CreatePaymentIntent, CreatePaymentIntentOffSession};
use stripe_core::refund::CreateRefund;
use stripe_core::setup_intent::{CreateSetupIntent, CreateSetupIntentUsage};
use stripe_payment::payment_method::{
    AttachPaymentMethod, DetachPaymentMethod, RetrievePaymentMethod,
};
use stripe_shared::{ApiErrors, PaymentIntent, PaymentIntentStatus};

use super::{
    AttachedCard, Card, CardError, ChargeOutcome, ChargeStatus, PaymentProvider, ProviderError,
    RefundOutcome,
};
use crate::config::Secret;
use crate::domain::currency::Currency;

/// How long one call to Stripe may take before it counts as unanswered.
const TIMEOUT: Duration = Duration::from_secs(20);

/// A merchant's Stripe account in one mode.
#[derive(Clone)]
pub struct StripeProvider {
    client: Client,
}

impl std::fmt::Debug for StripeProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StripeProvider { .. }")
    }
}

/// Why a payment method could not be attached.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    #[error(transparent)]
    Card(#[from] CardError),
    #[error("no such Stripe payment method '{0}'")]
    UnknownMethod(String),
    #[error(transparent)]
    Provider(#[from] ProviderError),
}

/// What Stripe said of a pair of keys.
#[derive(Debug, thiserror::Error)]
pub enum KeyCheck {
    #[error("Stripe rejected the secret key")]
    Rejected,
    #[error(transparent)]
    Provider(#[from] ProviderError),
}

impl StripeProvider {
    /// A client for the account of `secret_key`, at `api_base` (Stripe's API, or
    /// a stand-in for it in tests).
    pub fn new(api_base: &str, secret_key: &Secret) -> Result<Self, ProviderError> {
        let client = ClientBuilder::new(secret_key.expose())
            .url(api_base)
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| ProviderError::Unavailable(e.to_string()))?;
        Ok(Self { client })
    }

    /// Checks that Stripe accepts the secret key (`GET /v1/balance`).
    pub async fn check_key(&self) -> Result<(), KeyCheck> {
        match RetrieveForMyAccountBalance::new().send(&self.client).await {
            Ok(_) => Ok(()),
            Err(StripeError::Stripe(_, 401 | 403)) => Err(KeyCheck::Rejected),
            Err(e) => Err(KeyCheck::Provider(unavailable(e))),
        }
    }

    /// Makes the Stripe Customer of a Renewly customer; returns its id.
    pub async fn create_customer(
        &self,
        renewly_id: &str,
        email: &str,
        name: Option<&str>,
    ) -> Result<String, ProviderError> {
        let mut req = CreateCustomer::new().email(email).metadata(HashMap::from([(
            "renewly_customer".to_owned(),
            renewly_id.to_owned(),
        )]));
        if let Some(name) = name {
            req = req.name(name);
        }
        let customer = req
            .customize()
            .request_strategy(idempotent(&format!("customer:{renewly_id}"))?)
            .send(&self.client)
            .await
            .map_err(unavailable)?;
        Ok(customer.id.as_str().to_owned())
    }

    /// A SetupIntent for collecting a card for later off-session charges (for
    /// a customer, or for a checkout, whose customer is made after); returns its
    /// client secret for Stripe.js.
    pub async fn setup_intent(&self, customer: Option<&str>) -> Result<String, ProviderError> {
        let mut req = CreateSetupIntent::new().usage(CreateSetupIntentUsage::OffSession);
        if let Some(customer) = customer {
            req = req.customer(customer);
        }
        let intent = req.send(&self.client).await.map_err(unavailable)?;
        intent
            .client_secret
            .ok_or_else(|| ProviderError::Unavailable("a SetupIntent without client secret".into()))
    }

    /// Attaches a payment method collected by Stripe.js to the customer and
    /// reads back what a person needs to recognise the card.
    pub async fn attach_method(
        &self,
        customer: &str,
        payment_method: &str,
    ) -> Result<AttachedCard, AttachError> {
        let pm = match RetrievePaymentMethod::new(payment_method)
            .send(&self.client)
            .await
        {
            Ok(pm) => pm,
            Err(StripeError::Stripe(_, 404)) => {
                return Err(AttachError::UnknownMethod(payment_method.to_owned()));
            }
            Err(e) => return Err(unavailable(e).into()),
        };
        let attached_to = pm.customer.as_ref().map(|c| c.id().as_str().to_owned());
        let pm = match attached_to.as_deref() {
            Some(c) if c == customer => pm,
            Some(_) => return Err(AttachError::UnknownMethod(payment_method.to_owned())),
            None => match AttachPaymentMethod::new(payment_method)
                .customer(customer)
                .send(&self.client)
                .await
            {
                Ok(pm) => pm,
                Err(StripeError::Stripe(err, 402)) => {
                    return Err(AttachError::Card(card_error(&err)));
                }
                Err(StripeError::Stripe(_, 404)) => {
                    return Err(AttachError::UnknownMethod(payment_method.to_owned()));
                }
                Err(e) => return Err(unavailable(e).into()),
            },
        };
        let Some(card) = pm.card else {
            return Err(AttachError::UnknownMethod(payment_method.to_owned()));
        };
        Ok(AttachedCard {
            token: format!("{customer}/{}", pm.id.as_str()),
            brand: brand(&card.brand).to_owned(),
            last4: card.last4,
            exp_month: u32::try_from(card.exp_month).unwrap_or_default(),
            exp_year: u32::try_from(card.exp_year).unwrap_or_default(),
        })
    }

    /// Detaches a stored payment method at Stripe (one already gone is fine).
    pub async fn detach(&self, token: &str) -> Result<(), ProviderError> {
        let (_, pm) = split_token(token)?;
        match DetachPaymentMethod::new(pm).send(&self.client).await {
            Ok(_) | Err(StripeError::Stripe(_, 400 | 404)) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }
}

impl PaymentProvider for StripeProvider {
    fn name(&self) -> &'static str {
        "stripe"
    }

    /// Card numbers never reach Renewly for a merchant on Stripe: Stripe.js
    /// collects them.
    async fn attach_card(&self, _card: &Card) -> Result<AttachedCard, CardError> {
        Err(CardError::NotAccepted)
    }

    async fn charge(
        &self,
        token: &str,
        amount: Decimal,
        currency: &str,
        idempotency_key: &str,
        invoice: Option<&str>,
    ) -> Result<ChargeOutcome, ProviderError> {
        let (customer, pm) = split_token(token)?;
        let minor = minor_units(amount, currency)?;
        let currency: stripe_types::Currency =
            currency.to_ascii_lowercase().parse().map_err(|_| {
                ProviderError::Unavailable(format!("Stripe has no currency {currency}"))
            })?;
        let mut req = CreatePaymentIntent::new(minor, currency)
            .customer(customer)
            .payment_method(pm)
            .confirm(true)
            .off_session(CreatePaymentIntentOffSession::Bool(true));
        if let Some(invoice) = invoice {
            req = req.metadata(HashMap::from([(
                "renewly_invoice".to_owned(),
                invoice.to_owned(),
            )]));
        }
        let answer = req
            .customize()
            .request_strategy(idempotent(idempotency_key)?)
            .send(&self.client)
            .await;
        match answer {
            Ok(pi) => Ok(outcome(&pi)),
            // A decline: Stripe answers 402 with the PaymentIntent in the error.
            Err(StripeError::Stripe(err, 402)) => {
                let reference = err
                    .payment_intent
                    .as_ref()
                    .map(|pi| pi.id.as_str().to_owned())
                    .unwrap_or_default();
                Ok(ChargeOutcome {
                    status: ChargeStatus::Failed,
                    failure_code: Some(decline_code(&err)),
                    reference,
                })
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn confirm(&self, reference: &str) -> Result<ChargeOutcome, ProviderError> {
        let pi = stripe_core::payment_intent::RetrievePaymentIntent::new(reference)
            .send(&self.client)
            .await
            .map_err(|e| match e {
                StripeError::Stripe(_, 404) => ProviderError::UnknownReference,
                e => unavailable(e),
            })?;
        Ok(outcome(&pi))
    }

    async fn refund(
        &self,
        reference: &str,
        amount: Decimal,
        currency: &str,
        idempotency_key: &str,
    ) -> Result<RefundOutcome, ProviderError> {
        let minor = minor_units(amount, currency)?;
        let refund = CreateRefund::new()
            .payment_intent(reference)
            .amount(minor)
            .customize()
            .request_strategy(idempotent(idempotency_key)?)
            .send(&self.client)
            .await
            .map_err(|e| match e {
                StripeError::Stripe(_, 404) => ProviderError::UnknownReference,
                e => unavailable(e),
            })?;
        Ok(RefundOutcome {
            reference: refund.id.as_str().to_owned(),
        })
    }
}

/// A PaymentIntent as a charge outcome.
fn outcome(pi: &PaymentIntent) -> ChargeOutcome {
    let reference = pi.id.as_str().to_owned();
    let (status, failure_code) = match &pi.status {
        PaymentIntentStatus::Succeeded | PaymentIntentStatus::Processing => {
            (ChargeStatus::Succeeded, None)
        }
        PaymentIntentStatus::RequiresAction | PaymentIntentStatus::RequiresConfirmation => {
            (ChargeStatus::RequiresAction, None)
        }
        // The enum is non-exhaustive: a status Stripe adds later is not paid.
        PaymentIntentStatus::RequiresPaymentMethod
        | PaymentIntentStatus::Canceled
        | PaymentIntentStatus::RequiresCapture
        | PaymentIntentStatus::Unknown(_)
        | _ => (
            ChargeStatus::Failed,
            Some(
                pi.last_payment_error
                    .as_deref()
                    .map_or_else(|| "card_declined".to_owned(), decline_code),
            ),
        ),
    };
    ChargeOutcome {
        status,
        failure_code,
        reference,
    }
}

/// Stripe's most precise reason: the decline code (`insufficient_funds`,
/// `stolen_card`, …), else the error code (`expired_card`, …).
fn decline_code(err: &ApiErrors) -> String {
    err.decline_code
        .clone()
        .or_else(|| err.code.as_ref().map(|c| c.as_str().to_owned()))
        .unwrap_or_else(|| "card_declined".to_owned())
}

/// A refusal at attach, in the test provider's terms.
fn card_error(err: &ApiErrors) -> CardError {
    match decline_code(err).as_str() {
        "insufficient_funds" => CardError::InsufficientFunds,
        "incorrect_number" | "invalid_number" => CardError::IncorrectNumber,
        "expired_card" => CardError::Expired { in_year: false },
        "incorrect_cvc" | "invalid_cvc" => CardError::InvalidCvc,
        _ => CardError::Declined,
    }
}

/// Stripe's card brand as Renewly names it.
fn brand(stripe: &str) -> &'static str {
    match stripe {
        "visa" => "visa",
        "mastercard" => "mastercard",
        "amex" => "amex",
        "discover" => "discover",
        _ => "unknown",
    }
}

fn split_token(token: &str) -> Result<(&str, &str), ProviderError> {
    token
        .split_once('/')
        .filter(|(c, p)| c.starts_with("cus_") && p.starts_with("pm_"))
        .ok_or(ProviderError::UnknownReference)
}

fn idempotent(key: &str) -> Result<RequestStrategy, ProviderError> {
    IdempotencyKey::new(key)
        .map(RequestStrategy::Idempotent)
        .map_err(|e| ProviderError::Unavailable(e.to_string()))
}

/// An amount in the currency's smallest unit: cents for EUR, yen for JPY.
pub fn minor_units(amount: Decimal, currency: &str) -> Result<i64, ProviderError> {
    let c = Currency::parse(currency)
        .ok_or_else(|| ProviderError::Unavailable(format!("unknown currency {currency}")))?;
    let scaled = amount * Decimal::from(10_i64.pow(c.minor_units()));
    if scaled.fract() != Decimal::ZERO {
        return Err(ProviderError::Unavailable(format!(
            "{amount} {currency} is not a whole number of minor units"
        )));
    }
    i64::try_from(scaled).map_err(|_| ProviderError::Unavailable("amount too large".into()))
}

/// Anything but a decline: Stripe could not be reached or refused the request.
/// The message never holds a key (async-stripe's errors do not carry it).
fn unavailable(e: StripeError) -> ProviderError {
    match e {
        StripeError::Stripe(err, status) => ProviderError::Unavailable(format!(
            "Stripe answered {status}: {}",
            err.message.as_deref().unwrap_or("no message")
        )),
        other => ProviderError::Unavailable(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn amounts_are_sent_in_minor_units() {
        assert_eq!(minor_units(dec!(35.09), "EUR").unwrap(), 3509);
        assert_eq!(minor_units(dec!(4900), "JPY").unwrap(), 4900);
        assert_eq!(minor_units(dec!(1.234), "KWD").unwrap(), 1234);
        assert!(minor_units(dec!(0.005), "EUR").is_err());
    }

    #[test]
    fn a_token_names_the_customer_and_the_method() {
        assert_eq!(split_token("cus_1/pm_2").unwrap(), ("cus_1", "pm_2"));
        assert!(split_token("tok_test_x").is_err());
    }
}
