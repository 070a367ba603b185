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

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    const BOTH: [Lang; 2] = [Lang::En, Lang::Nl];

    fn check(r: &Rendered, subject: &str, text_and_html: &[&str]) {
        assert!(r.subject.contains(subject), "subject {:?}", r.subject);
        for s in text_and_html {
            assert!(r.text.contains(s), "{s:?} missing from text:\n{}", r.text);
            let escaped = crate::templates::escape(s);
            assert!(
                r.html.contains(&escaped),
                "{s:?} missing from html:\n{}",
                r.html
            );
        }
        assert!(r.html.starts_with("<!DOCTYPE html>"));
        assert!(!r.text.contains('<'), "text part has markup:\n{}", r.text);
    }

    #[test]
    fn subscription_confirmation_in_both_languages() {
        let m = SubscriptionConfirmation {
            merchant_name: "Acme".into(),
            customer_name: Some("Łukasz Żółć".into()),
            plan_name: "Pro".into(),
            amount: dec!(50),
            currency: "EUR".into(),
            recurring: Recurring {
                interval: Interval::Month,
                interval_count: 2,
            },
            start_date: "2026-03-01".into(),
            trial_end: None,
            next_invoice_date: Some("2026-05-01".into()),
            portal_url: "https://billing.test/portal/tok_abc?x=1&y=2".into(),
        };
        let en = subscription_confirmation(Lang::En, &m);
        check(
            &en,
            "Your Pro subscription is confirmed",
            &[
                "Hi Łukasz Żółć,",
                "€ 50.00 every 2 months",
                "1 May 2026",
                "https://billing.test/portal/tok_abc?x=1&y=2",
                "Open your portal",
            ],
        );
        let nl = subscription_confirmation(Lang::Nl, &m);
        check(
            &nl,
            "Uw abonnement op Pro is bevestigd",
            &[
                "Beste Łukasz Żółć,",
                "€ 50,00 elke 2 maanden",
                "1 mei 2026",
                "Open uw klantportaal",
            ],
        );
        assert!(nl.html.contains("<html lang=\"nl\">"));
    }

    #[test]
    fn invoice_mail_is_a_receipt_once_paid() {
        let mut m = InvoiceMessage {
            merchant_name: "Acme".into(),
            customer_name: None,
            invoice_number: "INV/2026/00007".into(),
            total: dec!(35.09),
            amount_due: dec!(35.09),
            currency: "EUR".into(),
            issue_date: "2026-03-01".into(),
            due_date: "2026-03-15".into(),
            pay_url: Some("https://pay.test/i/1".into()),
        };
        check(
            &invoice(Lang::En, &m),
            "Invoice INV/2026/00007 from Acme",
            &[
                "Hello,",
                "Please pay € 35.09 by 15 Mar 2026",
                "Pay this invoice",
                "https://pay.test/i/1",
            ],
        );
        check(
            &invoice(Lang::Nl, &m),
            "Factuur INV/2026/00007 van Acme",
            &[
                "Beste klant,",
                "Graag € 35,09 betalen vóór 15 mrt. 2026",
                "Betaal deze factuur",
            ],
        );
        m.amount_due = dec!(0);
        let en = invoice(Lang::En, &m);
        check(
            &en,
            "Receipt for invoice INV/2026/00007",
            &["Thank you for your payment of € 35.09"],
        );
        assert!(
            !en.text.contains("https://pay.test"),
            "no pay link once paid"
        );
        check(
            &invoice(Lang::Nl, &m),
            "Betaalbewijs",
            &["Bedankt voor uw betaling van € 35,09"],
        );
    }

    #[test]
    fn payment_failed_and_dunning_link_to_the_payment_method() {
        let url = "https://billing.test/portal/tok/payment_method";
        let failed = PaymentFailed {
            merchant_name: "Acme".into(),
            customer_name: Some("Zoë".into()),
            invoice_number: "INV/2026/00002".into(),
            amount_due: dec!(12.10),
            currency: "EUR".into(),
            reason: Some("insufficient funds".into()),
            next_attempt: Some("2026-03-04".into()),
            update_payment_url: url.into(),
        };
        check(
            &payment_failed(Lang::En, &failed),
            "Payment failed for invoice INV/2026/00002",
            &[
                "We could not charge € 12.10",
                "insufficient funds",
                "4 Mar 2026",
                "Update payment method",
                url,
            ],
        );
        check(
            &payment_failed(Lang::Nl, &failed),
            "Betaling mislukt",
            &[
                "We konden € 12,10",
                "4 mrt. 2026",
                "Betaalmethode wijzigen",
                url,
            ],
        );
        let reminder = DunningReminder {
            merchant_name: "Acme".into(),
            customer_name: None,
            invoice_number: "INV/2026/00002".into(),
            amount_due: dec!(12.10),
            currency: "EUR".into(),
            due_date: "2026-03-01".into(),
            closes_on: Some("2026-03-16".into()),
            update_payment_url: url.into(),
        };
        check(
            &dunning_reminder(Lang::En, &reminder),
            "Reminder: invoice INV/2026/00002 is still unpaid",
            &["due on 1 Mar 2026", "cancelled on 16 Mar 2026", url],
        );
        check(
            &dunning_reminder(Lang::Nl, &reminder),
            "Herinnering",
            &["nog niet voldaan", "16 mrt. 2026", url],
        );
    }

    #[test]
    fn cancellation_and_magic_link_in_both_languages() {
        let c = CancellationConfirmation {
            merchant_name: "Acme".into(),
            customer_name: Some("Sam".into()),
            plan_name: "Pro".into(),
            ends_on: "2026-04-01".into(),
            reason: Some("Too expensive".into()),
            portal_url: None,
        };
        check(
            &cancellation_confirmation(Lang::En, &c),
            "has been cancelled",
            &["1 Apr 2026", "Too expensive"],
        );
        check(
            &cancellation_confirmation(Lang::Nl, &c),
            "is opgezegd",
            &["1 apr. 2026", "Reden"],
        );
        let l = MagicLink {
            merchant_name: "Acme".into(),
            customer_name: None,
            url: "https://billing.test/portal/login/tok_123".into(),
            valid_minutes: 15,
        };
        for lang in BOTH {
            let r = magic_link(lang, &l);
            check(
                &r,
                "Acme",
                &["https://billing.test/portal/login/tok_123", "15"],
            );
        }
        check(
            &magic_link(Lang::Nl, &l),
            "Uw inloglink",
            &["Inloggen", "negeren"],
        );
    }

    #[test]
    fn a_hostile_name_is_escaped_in_html_and_kept_in_text() {
        let m = CancellationConfirmation {
            merchant_name: "A&B <Shop>".into(),
            customer_name: Some("<script>alert(1)</script>".into()),
            plan_name: "Pro \"Plus\"".into(),
            ends_on: "2026-04-01".into(),
            reason: Some("<b>too</b> expensive".into()),
            portal_url: Some("https://x.test/?a=1&b=\"2\"".into()),
        };
        for lang in BOTH {
            let r = cancellation_confirmation(lang, &m);
            assert!(!r.html.contains("<script>"), "{}", r.html);
            assert!(!r.html.contains("<Shop>") && !r.html.contains("<b>"));
            assert!(r.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
            assert!(r.html.contains("A&amp;B &lt;Shop&gt;"));
            assert!(r.html.contains("Pro &quot;Plus&quot;"));
            assert!(
                r.html
                    .contains("href=\"https://x.test/?a=1&amp;b=&quot;2&quot;\"")
            );
            assert!(r.text.contains("<script>alert(1)</script>,"));
            assert!(r.text.contains("https://x.test/?a=1&b=\"2\""));
        }
    }

    #[test]
    fn the_text_part_aligns_facts_and_ends_with_the_footer() {
        let c = CancellationConfirmation {
            merchant_name: "Acme".into(),
            customer_name: Some("Sam".into()),
            plan_name: "Pro".into(),
            ends_on: "2026-04-01".into(),
            reason: None,
            portal_url: Some("https://p.test/x".into()),
        };
        let r = cancellation_confirmation(Lang::En, &c);
        assert_eq!(
            r.text,
            "Hi Sam,\n\n\
             We have cancelled your Pro subscription as requested. It ends on 1 Apr 2026; \
             you will not be charged again after that.\n\n\
             \x20 Plan:     Pro\n\
             \x20 Ends on:  1 Apr 2026\n\n\
             We are sorry to see you go. Changed your mind? You can subscribe again at any time.\n\n\
             Open your portal:\nhttps://p.test/x\n\n\
             — Acme\n\n\
             You receive this email because you have a subscription with us.\n"
        );
    }

    #[test]
    fn prices_read_per_interval() {
        let r = |interval, interval_count| Recurring {
            interval,
            interval_count,
        };
        assert_eq!(
            price_per(dec!(9), "EUR", r(Interval::Month, 1), Lang::En),
            "€ 9.00 per month"
        );
        assert_eq!(
            price_per(dec!(99), "USD", r(Interval::Year, 1), Lang::Nl),
            "$ 99,00 per jaar"
        );
        assert_eq!(
            price_per(dec!(5), "EUR", r(Interval::Week, 2), Lang::Nl),
            "€ 5,00 elke 2 weken"
        );
    }
}
