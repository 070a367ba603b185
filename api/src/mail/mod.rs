//! Email: an outbox table written in the same transaction as the change that
//! causes a message, and a worker that delivers it (SMTP, or `.eml` files) with
//! retries, so that nothing is lost and nothing is sent for a change that
//! rolled back.
//!
//! The billing code builds a message with one of the [`NewMessage`]
//! constructors and calls [`enqueue`] inside its transaction:
//!
//! ```ignore
//! let msg = NewMessage::payment_failed(&scope, &to, &templates::PaymentFailed { … });
//! mail::enqueue(&mut tx, &msg).await?;
//! ```
//!
//! Bodies hold portal and payment links with tokens: they are never logged.

mod delivery;
mod layout;
pub mod templates;

pub use delivery::{DeliveryError, deliver_due, spawn_worker};

use templates::Rendered;

use crate::db::Tx;
use crate::pdf::Lang;
use crate::store::Scope;

/// Who receives a message and in which language (`en`, `nl`, `nl-BE`, …).
#[derive(Debug, Clone)]
pub struct Recipient {
    pub email: String,
    pub locale: String,
}

impl Recipient {
    pub fn new(email: impl Into<String>, locale: impl Into<String>) -> Self {
        Self {
            email: email.into(),
            locale: locale.into(),
        }
    }

    /// The language the templates are rendered in.
    pub fn lang(&self) -> Lang {
        Lang::from_locale(&self.locale)
    }
}

pub use crate::store::outbox::NewMessage;

/// Stands for a portal link in a message body until delivery, when a portal
/// session is made for the message's customer (so no token sits in the outbox).
pub const PORTAL_LINK: &str = "https://renewly.invalid/portal-link";

/// Stands for a magic link in a message body until delivery, when a one-time
/// link for the message's customer and address is made.
pub const MAGIC_LINK: &str = "https://renewly.invalid/magic-link";

/// Followed by an e-mail change's id, stands for its confirmation link until
/// delivery, when the change gets its token.
pub const EMAIL_CHANGE_LINK: &str = "https://renewly.invalid/email-change/";

/// The placeholder of an e-mail change's confirmation link.
pub fn email_change_link(change_id: &str) -> String {
    format!("{EMAIL_CHANGE_LINK}{change_id}")
}

impl NewMessage {
    /// A message from a rendered template.
    pub fn new(scope: &Scope, to: &Recipient, template: &'static str, rendered: Rendered) -> Self {
        let (subject, text_body, html_body) = rendered.into_parts();
        Self {
            merchant_id: scope.merchant_id.clone(),
            livemode: scope.livemode,
            to_email: to.email.clone(),
            locale: to.locale.clone(),
            template,
            subject,
            text_body,
            html_body,
            attachment_invoice_id: None,
            customer_id: None,
        }
    }

    /// The subscription has started; links to the portal.
    pub fn subscription_confirmation(
        scope: &Scope,
        to: &Recipient,
        m: &templates::SubscriptionConfirmation,
    ) -> Self {
        let r = templates::subscription_confirmation(to.lang(), m);
        Self::new(scope, to, "subscription_confirmation", r)
    }

    /// An invoice (or, once paid, a receipt) with `invoice_id` attached as PDF.
    pub fn invoice(
        scope: &Scope,
        to: &Recipient,
        invoice_id: &str,
        m: &templates::InvoiceMessage,
    ) -> Self {
        let mut msg = Self::new(scope, to, "invoice", templates::invoice(to.lang(), m));
        msg.attachment_invoice_id = Some(invoice_id.to_owned());
        msg
    }

    /// A charge failed; links to updating the payment method.
    pub fn payment_failed(scope: &Scope, to: &Recipient, m: &templates::PaymentFailed) -> Self {
        let r = templates::payment_failed(to.lang(), m);
        Self::new(scope, to, "payment_failed", r)
    }

    /// An invoice is still unpaid during dunning.
    pub fn dunning_reminder(scope: &Scope, to: &Recipient, m: &templates::DunningReminder) -> Self {
        let r = templates::dunning_reminder(to.lang(), m);
        Self::new(scope, to, "dunning_reminder", r)
    }

    /// The subscription was cancelled.
    pub fn cancellation_confirmation(
        scope: &Scope,
        to: &Recipient,
        m: &templates::CancellationConfirmation,
    ) -> Self {
        let r = templates::cancellation_confirmation(to.lang(), m);
        Self::new(scope, to, "cancellation_confirmation", r)
    }

    /// The same message, about `customer_id` (see [`PORTAL_LINK`]).
    pub fn for_customer(mut self, customer_id: &str) -> Self {
        self.customer_id = Some(customer_id.to_owned());
        self
    }

    /// A sign-in link to the customer portal (its `url` is [`MAGIC_LINK`]; give
    /// the message its customer with [`Self::for_customer`]).
    pub fn magic_link(scope: &Scope, to: &Recipient, m: &templates::MagicLink) -> Self {
        Self::new(scope, to, "magic_link", templates::magic_link(to.lang(), m))
    }

    /// The link that confirms a new e-mail address, sent to that address.
    pub fn email_confirmation(
        scope: &Scope,
        to: &Recipient,
        m: &templates::EmailConfirmation,
    ) -> Self {
        let r = templates::email_confirmation(to.lang(), m);
        Self::new(scope, to, "email_confirmation", r)
    }
}

/// Puts a message in the outbox, inside the caller's transaction: it is sent
/// only if that transaction commits. Returns nothing; the id is `msg_…`.
pub async fn enqueue(tx: &mut Tx, msg: &NewMessage) -> Result<(), sqlx::Error> {
    enqueue_returning_id(tx, msg).await.map(|_| ())
}

/// Like [`enqueue`], returning the new message's id.
pub async fn enqueue_returning_id(tx: &mut Tx, msg: &NewMessage) -> Result<String, sqlx::Error> {
    crate::store::outbox::insert(tx, msg).await
}
