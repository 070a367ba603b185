//! The e-mails Renewly sends, in English and Dutch, each as plain text and HTML.
//!
//! Every message is a function from a small struct of facts to a [`Rendered`]
//! message (subject, text, HTML): it formats amounts and dates for the language
//! and hands them to its two templates, `api/templates/mail/{name}.html` and
//! `.txt`; the sentences are in [`crate::i18n`].

use minijinja::context;
use renewly_types::{Interval, Invoice, Recurring};
use rust_decimal::Decimal;

use super::layout::{common, finish};
use crate::format;
use crate::i18n::{Lang, fill};

/// A message ready to store: the subject and both parts of the body.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Rendered {
    /// The message as the tuple `(subject, text, html)`.
    pub fn into_parts(self) -> (String, String, String) {
        (self.subject, self.text, self.html)
    }
}

/// `€ 29.00 per month`, `€ 50,00 elke 2 maanden`.
pub fn price_per(amount: Decimal, currency: &str, recurring: Recurring, lang: Lang) -> String {
    let words = &lang.strings().interval;
    let money = format::money(amount, currency, lang);
    let (one, many) = match recurring.interval {
        Interval::Day => words.day,
        Interval::Week => words.week,
        Interval::Month => words.month,
        Interval::Year => words.year,
    };
    match recurring.interval_count.max(1) {
        1 => fill(words.per_one, &[("money", &money), ("one", one)]),
        n => fill(
            words.every_n,
            &[("money", &money), ("n", &n.to_string()), ("many", many)],
        ),
    }
}

/// A date for the language, when there is one.
fn date(iso: Option<&String>, lang: Lang) -> Option<String> {
    iso.map(|d| format::date(d, lang))
}

/// Text a customer gave or a bank said, when there is any.
fn given(text: Option<&String>) -> Option<&str> {
    text.map(|t| t.as_str()).filter(|t| !t.trim().is_empty())
}

/// A new subscription has started.
#[derive(Debug, Clone)]
pub struct SubscriptionConfirmation {
    pub merchant_name: String,
    pub customer_name: Option<String>,
    pub plan_name: String,
    /// The recurring amount before tax.
    pub amount: Decimal,
    pub currency: String,
    pub recurring: Recurring,
    /// `YYYY-MM-DD`.
    pub start_date: String,
    pub trial_end: Option<String>,
    pub next_invoice_date: Option<String>,
    /// The customer portal (holds a token).
    pub portal_url: String,
}

/// "Welcome to {plan}", with the terms in short and the portal link.
pub fn subscription_confirmation(lang: Lang, m: &SubscriptionConfirmation) -> Rendered {
    let w = &lang.strings().mail.confirmation;
    let subject = fill(w.subject, &[("plan", &m.plan_name)]);
    let context = context! {
        plan => &m.plan_name,
        price => price_per(m.amount, &m.currency, m.recurring, lang),
        start_date => format::date(&m.start_date, lang),
        trial_end => date(m.trial_end.as_ref(), lang),
        next_invoice_date => date(m.next_invoice_date.as_ref(), lang),
        portal_url => &m.portal_url,
        ..common(lang, &subject, &m.merchant_name, m.customer_name.as_deref())
    };
    finish("subscription_confirmation", subject, context)
}

/// An invoice, sent with its PDF attached.
#[derive(Debug, Clone)]
pub struct InvoiceMessage {
    pub merchant_name: String,
    pub customer_name: Option<String>,
    /// `INV/2026/00001`.
    pub invoice_number: String,
    pub total: Decimal,
    pub amount_due: Decimal,
    pub currency: String,
    pub issue_date: String,
    pub due_date: String,
    /// Where to pay it (invoices that are not charged automatically).
    pub pay_url: Option<String>,
}

impl InvoiceMessage {
    /// The facts of a posted invoice.
    pub fn from_invoice(merchant_name: &str, invoice: &Invoice, pay_url: Option<String>) -> Self {
        Self {
            merchant_name: merchant_name.to_owned(),
            customer_name: invoice
                .bill_to
                .name
                .clone()
                .or_else(|| invoice.bill_to.company.clone()),
            invoice_number: invoice.number.clone(),
            total: invoice.total,
            amount_due: invoice.amount_due,
            currency: invoice.currency.clone(),
            issue_date: invoice.issue_date.clone(),
            due_date: invoice.due_date.clone(),
            pay_url,
        }
    }
}

/// "Invoice {number}": paid (a receipt) or with the amount due and how to pay.
pub fn invoice(lang: Lang, m: &InvoiceMessage) -> Rendered {
    let w = &lang.strings().mail.invoice;
    let paid = m.amount_due.is_zero();
    let subject = fill(
        if paid { w.subject_paid } else { w.subject_open },
        &[
            ("number", &m.invoice_number),
            ("merchant", &m.merchant_name),
        ],
    );
    let context = context! {
        paid,
        number => &m.invoice_number,
        total => format::money(m.total, &m.currency, lang),
        due => format::money(m.amount_due, &m.currency, lang),
        issue_date => format::date(&m.issue_date, lang),
        due_date => format::date(&m.due_date, lang),
        pay_url => m.pay_url.as_deref(),
        ..common(lang, &subject, &m.merchant_name, m.customer_name.as_deref())
    };
    finish("invoice", subject, context)
}

/// An automatic charge did not go through.
#[derive(Debug, Clone)]
pub struct PaymentFailed {
    pub merchant_name: String,
    pub customer_name: Option<String>,
    pub invoice_number: String,
    pub amount_due: Decimal,
    pub currency: String,
    /// What the card issuer said, in words a customer understands (optional).
    pub reason: Option<String>,
    /// When we will try again (`YYYY-MM-DD`), if we will.
    pub next_attempt: Option<String>,
    /// Where to enter another card (portal link with a token).
    pub update_payment_url: String,
}

/// "Your payment failed": what happened, when we retry, the link to fix it.
pub fn payment_failed(lang: Lang, m: &PaymentFailed) -> Rendered {
    let w = &lang.strings().mail.payment_failed;
    let subject = fill(w.subject, &[("number", &m.invoice_number)]);
    let context = context! {
        number => &m.invoice_number,
        due => format::money(m.amount_due, &m.currency, lang),
        reason => given(m.reason.as_ref()),
        next_attempt => date(m.next_attempt.as_ref(), lang),
        update_payment_url => &m.update_payment_url,
        ..common(lang, &subject, &m.merchant_name, m.customer_name.as_deref())
    };
    finish("payment_failed", subject, context)
}

/// A reminder while an invoice stays unpaid after a failed charge.
#[derive(Debug, Clone)]
pub struct DunningReminder {
    pub merchant_name: String,
    pub customer_name: Option<String>,
    pub invoice_number: String,
    pub amount_due: Decimal,
    pub currency: String,
    /// The original due date (`YYYY-MM-DD`).
    pub due_date: String,
    /// When the subscription will be closed if it stays unpaid.
    pub closes_on: Option<String>,
    pub update_payment_url: String,
}

/// "Reminder: invoice {number} is still unpaid".
pub fn dunning_reminder(lang: Lang, m: &DunningReminder) -> Rendered {
    let w = &lang.strings().mail.dunning;
    let subject = fill(w.subject, &[("number", &m.invoice_number)]);
    let context = context! {
        number => &m.invoice_number,
        due => format::money(m.amount_due, &m.currency, lang),
        due_date => format::date(&m.due_date, lang),
        closes_on => date(m.closes_on.as_ref(), lang),
        update_payment_url => &m.update_payment_url,
        ..common(lang, &subject, &m.merchant_name, m.customer_name.as_deref())
    };
    finish("dunning_reminder", subject, context)
}

/// A subscription has been cancelled (now or at the end of the period).
#[derive(Debug, Clone)]
pub struct CancellationConfirmation {
    pub merchant_name: String,
    pub customer_name: Option<String>,
    pub plan_name: String,
    /// When the subscription ends (`YYYY-MM-DD`).
    pub ends_on: String,
    pub reason: Option<String>,
    pub portal_url: Option<String>,
}

/// "Your subscription has been cancelled".
pub fn cancellation_confirmation(lang: Lang, m: &CancellationConfirmation) -> Rendered {
    let w = &lang.strings().mail.cancellation;
    let subject = fill(w.subject, &[("plan", &m.plan_name)]);
    let context = context! {
        plan => &m.plan_name,
        ends_on => format::date(&m.ends_on, lang),
        reason => given(m.reason.as_ref()),
        portal_url => &m.portal_url,
        ..common(lang, &subject, &m.merchant_name, m.customer_name.as_deref())
    };
    finish("cancellation_confirmation", subject, context)
}

/// A sign-in link to the customer portal.
#[derive(Debug, Clone)]
pub struct MagicLink {
    pub merchant_name: String,
    pub customer_name: Option<String>,
    /// The one-time portal link (holds a token).
    pub url: String,
    pub valid_minutes: u32,
}

/// "Your sign-in link".
pub fn magic_link(lang: Lang, m: &MagicLink) -> Rendered {
    let w = &lang.strings().mail.magic_link;
    let subject = fill(w.subject, &[("merchant", &m.merchant_name)]);
    let context = context! {
        url => &m.url,
        valid_minutes => m.valid_minutes,
        ..common(lang, &subject, &m.merchant_name, m.customer_name.as_deref())
    };
    finish("magic_link", subject, context)
}

/// The link that makes a new address the customer's.
#[derive(Debug, Clone)]
pub struct EmailConfirmation {
    pub merchant_name: String,
    pub customer_name: Option<String>,
    pub new_email: String,
    /// The one-time confirmation link (holds a token).
    pub url: String,
    pub valid_hours: u32,
}

/// "Confirm your new e-mail address".
pub fn email_confirmation(lang: Lang, m: &EmailConfirmation) -> Rendered {
    let w = &lang.strings().mail.email_confirmation;
    let subject = fill(w.subject, &[("merchant", &m.merchant_name)]);
    let context = context! {
        url => &m.url,
        new_email => &m.new_email,
        valid_hours => m.valid_hours,
        ..common(lang, &subject, &m.merchant_name, m.customer_name.as_deref())
    };
    finish("email_confirmation", subject, context)
}

#[cfg(test)]
mod tests;
