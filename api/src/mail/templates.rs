//! The emails Renewly sends, in English and Dutch, each as plain text and HTML.
//!
//! Every template is a function from a small struct of facts to a [`Rendered`]
//! message (subject, text, HTML). Amounts and dates are formatted for the
//! language here; callers pass raw values.

use renewly_types::{Interval, Invoice, Recurring};
use rust_decimal::Decimal;

use super::layout::Body;
use crate::pdf::format::{self, Lang};

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

fn finish(lang: Lang, subject: String, body: &Body) -> Rendered {
    Rendered {
        html: body.to_html(lang.code(), &subject),
        text: body.to_text(),
        subject,
    }
}

fn greeting(lang: Lang, name: Option<&str>) -> String {
    match (lang, name.map(str::trim).filter(|n| !n.is_empty())) {
        (Lang::En, Some(n)) => format!("Hi {n},"),
        (Lang::En, None) => "Hello,".to_owned(),
        (Lang::Nl, Some(n)) => format!("Beste {n},"),
        (Lang::Nl, None) => "Beste klant,".to_owned(),
    }
}

fn body(lang: Lang, merchant: &str, customer: Option<&str>, footer: &str) -> Body {
    Body {
        merchant: merchant.to_owned(),
        greeting: greeting(lang, customer),
        blocks: Vec::new(),
        footer: footer.to_owned(),
    }
}

fn pick(lang: Lang, en: &str, nl: &str) -> String {
    match lang {
        Lang::En => en.to_owned(),
        Lang::Nl => nl.to_owned(),
    }
}

/// `€ 29.00 per month`, `€ 50,00 elke 2 maanden`.
pub fn price_per(amount: Decimal, currency: &str, recurring: Recurring, lang: Lang) -> String {
    let money = format::money(amount, currency, lang);
    let n = recurring.interval_count.max(1);
    let (one, many) = match (lang, recurring.interval) {
        (Lang::En, Interval::Day) => ("day", "days"),
        (Lang::En, Interval::Week) => ("week", "weeks"),
        (Lang::En, Interval::Month) => ("month", "months"),
        (Lang::En, Interval::Year) => ("year", "years"),
        (Lang::Nl, Interval::Day) => ("dag", "dagen"),
        (Lang::Nl, Interval::Week) => ("week", "weken"),
        (Lang::Nl, Interval::Month) => ("maand", "maanden"),
        (Lang::Nl, Interval::Year) => ("jaar", "jaar"),
    };
    match (lang, n) {
        (_, 1) => format!("{money} per {one}"),
        (Lang::En, n) => format!("{money} every {n} {many}"),
        (Lang::Nl, n) => format!("{money} elke {n} {many}"),
    }
}

const FOOTER_EN: &str = "You receive this email because you have a subscription with us.";
const FOOTER_NL: &str = "U ontvangt deze e-mail omdat u een abonnement bij ons heeft.";

fn footer(lang: Lang) -> &'static str {
    match lang {
        Lang::En => FOOTER_EN,
        Lang::Nl => FOOTER_NL,
    }
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
    let subject = match lang {
        Lang::En => format!("Your {} subscription is confirmed", m.plan_name),
        Lang::Nl => format!("Uw abonnement op {} is bevestigd", m.plan_name),
    };
    let mut b = body(
        lang,
        &m.merchant_name,
        m.customer_name.as_deref(),
        footer(lang),
    );
    b.text(match lang {
        Lang::En => format!(
            "Thank you for subscribing to {} with {}. Here is a summary of your subscription.",
            m.plan_name, m.merchant_name
        ),
        Lang::Nl => format!(
            "Bedankt voor uw abonnement op {} bij {}. Hieronder vindt u een overzicht.",
            m.plan_name, m.merchant_name
        ),
    });
    let mut facts = vec![
        (pick(lang, "Plan", "Abonnement"), m.plan_name.clone()),
        (
            pick(lang, "Price (excl. tax)", "Prijs (excl. btw)"),
            price_per(m.amount, &m.currency, m.recurring, lang),
        ),
        (
            pick(lang, "Start date", "Startdatum"),
            format::date(&m.start_date, lang),
        ),
    ];
    if let Some(t) = &m.trial_end {
        facts.push((
            pick(lang, "Free trial until", "Gratis proefperiode tot"),
            format::date(t, lang),
        ));
    }
    if let Some(d) = &m.next_invoice_date {
        facts.push((
            pick(lang, "Next invoice", "Volgende factuur"),
            format::date(d, lang),
        ));
    }
    b.facts(facts);
    b.text(pick(
        lang,
        "You can see your invoices, update your payment method or change your plan at any time in your customer portal:",
        "In uw klantportaal kunt u altijd uw facturen bekijken, uw betaalmethode wijzigen of uw abonnement aanpassen:",
    ));
    b.button(
        pick(lang, "Open your portal", "Open uw klantportaal"),
        &m.portal_url,
    );
    finish(lang, subject, &b)
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
    let paid = m.amount_due.is_zero();
    let subject = match (lang, paid) {
        (Lang::En, true) => format!(
            "Receipt for invoice {} from {}",
            m.invoice_number, m.merchant_name
        ),
        (Lang::En, false) => format!("Invoice {} from {}", m.invoice_number, m.merchant_name),
        (Lang::Nl, true) => format!(
            "Betaalbewijs voor factuur {} van {}",
            m.invoice_number, m.merchant_name
        ),
        (Lang::Nl, false) => format!("Factuur {} van {}", m.invoice_number, m.merchant_name),
    };
    let mut b = body(
        lang,
        &m.merchant_name,
        m.customer_name.as_deref(),
        footer(lang),
    );
    let total = format::money(m.total, &m.currency, lang);
    let due = format::money(m.amount_due, &m.currency, lang);
    let due_date = format::date(&m.due_date, lang);
    b.text(match (lang, paid) {
        (Lang::En, true) => format!(
            "Thank you for your payment of {total}. Your invoice {} is attached as a PDF.",
            m.invoice_number
        ),
        (Lang::En, false) => format!(
            "Your invoice {} of {total} is attached as a PDF. Please pay {due} by {due_date}.",
            m.invoice_number
        ),
        (Lang::Nl, true) => format!(
            "Bedankt voor uw betaling van {total}. Uw factuur {} vindt u als pdf in de bijlage.",
            m.invoice_number
        ),
        (Lang::Nl, false) => format!(
            "Uw factuur {} van {total} vindt u als pdf in de bijlage. Graag {due} betalen vóór {due_date}.",
            m.invoice_number
        ),
    });
    b.facts(vec![
        (
            pick(lang, "Invoice number", "Factuurnummer"),
            m.invoice_number.clone(),
        ),
        (
            pick(lang, "Issue date", "Factuurdatum"),
            format::date(&m.issue_date, lang),
        ),
        (pick(lang, "Total", "Totaal"), total.clone()),
        (pick(lang, "Amount due", "Te betalen"), due),
    ]);
    if let (false, Some(url)) = (paid, &m.pay_url) {
        b.button(pick(lang, "Pay this invoice", "Betaal deze factuur"), url);
    }
    finish(lang, subject, &b)
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
    let subject = match lang {
        Lang::En => format!("Payment failed for invoice {}", m.invoice_number),
        Lang::Nl => format!("Betaling mislukt voor factuur {}", m.invoice_number),
    };
    let mut b = body(
        lang,
        &m.merchant_name,
        m.customer_name.as_deref(),
        footer(lang),
    );
    let due = format::money(m.amount_due, &m.currency, lang);
    b.text(match lang {
        Lang::En => format!(
            "We could not charge {due} for invoice {} to your payment method.",
            m.invoice_number
        ),
        Lang::Nl => format!(
            "We konden {due} voor factuur {} niet afschrijven van uw betaalmethode.",
            m.invoice_number
        ),
    });
    if let Some(reason) = m.reason.as_deref().filter(|r| !r.trim().is_empty()) {
        b.text(match lang {
            Lang::En => format!("Reason given by your bank: {reason}."),
            Lang::Nl => format!("Reden opgegeven door uw bank: {reason}."),
        });
    }
    b.text(match (lang, &m.next_attempt) {
        (Lang::En, Some(d)) => format!(
            "We will try again on {}. To avoid an interruption of your subscription, please check or update your payment method:",
            format::date(d, lang)
        ),
        (Lang::En, None) => "To keep your subscription active, please update your payment method:".to_owned(),
        (Lang::Nl, Some(d)) => format!(
            "We proberen het opnieuw op {}. Controleer of wijzig uw betaalmethode om onderbreking van uw abonnement te voorkomen:",
            format::date(d, lang)
        ),
        (Lang::Nl, None) => "Wijzig uw betaalmethode om uw abonnement actief te houden:".to_owned(),
    });
    b.button(
        pick(lang, "Update payment method", "Betaalmethode wijzigen"),
        &m.update_payment_url,
    );
    finish(lang, subject, &b)
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
    let subject = match lang {
        Lang::En => format!("Reminder: invoice {} is still unpaid", m.invoice_number),
        Lang::Nl => format!(
            "Herinnering: factuur {} is nog niet betaald",
            m.invoice_number
        ),
    };
    let mut b = body(
        lang,
        &m.merchant_name,
        m.customer_name.as_deref(),
        footer(lang),
    );
    let due = format::money(m.amount_due, &m.currency, lang);
    let due_date = format::date(&m.due_date, lang);
    b.text(match lang {
        Lang::En => format!(
            "Invoice {} of {due}, due on {due_date}, has not been paid yet.",
            m.invoice_number
        ),
        Lang::Nl => format!(
            "Factuur {} van {due}, te betalen op {due_date}, is nog niet voldaan.",
            m.invoice_number
        ),
    });
    if let Some(d) = &m.closes_on {
        let d = format::date(d, lang);
        b.text(match lang {
            Lang::En => format!("If it stays unpaid, your subscription will be cancelled on {d}."),
            Lang::Nl => {
                format!("Blijft de factuur onbetaald, dan wordt uw abonnement op {d} beëindigd.")
            }
        });
    }
    b.text(pick(
        lang,
        "Please update your payment method so that we can collect the payment:",
        "Wijzig uw betaalmethode zodat wij de betaling kunnen innen:",
    ));
    b.button(
        pick(lang, "Update payment method", "Betaalmethode wijzigen"),
        &m.update_payment_url,
    );
    finish(lang, subject, &b)
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
    let subject = match lang {
        Lang::En => format!("Your {} subscription has been cancelled", m.plan_name),
        Lang::Nl => format!("Uw abonnement op {} is opgezegd", m.plan_name),
    };
    let mut b = body(
        lang,
        &m.merchant_name,
        m.customer_name.as_deref(),
        footer(lang),
    );
    let ends = format::date(&m.ends_on, lang);
    b.text(match lang {
        Lang::En => format!(
            "We have cancelled your {} subscription as requested. It ends on {ends}; you will not be charged again after that.",
            m.plan_name
        ),
        Lang::Nl => format!(
            "Uw abonnement op {} is zoals gevraagd opgezegd. Het eindigt op {ends}; daarna wordt er niets meer in rekening gebracht.",
            m.plan_name
        ),
    });
    let mut facts = vec![
        (pick(lang, "Plan", "Abonnement"), m.plan_name.clone()),
        (pick(lang, "Ends on", "Einddatum"), ends),
    ];
    if let Some(r) = m.reason.as_deref().filter(|r| !r.trim().is_empty()) {
        facts.push((pick(lang, "Reason", "Reden"), r.to_owned()));
    }
    b.facts(facts);
    b.text(pick(
        lang,
        "We are sorry to see you go. Changed your mind? You can subscribe again at any time.",
        "Jammer dat u vertrekt. Bedacht? U kunt altijd opnieuw een abonnement nemen.",
    ));
    if let Some(url) = &m.portal_url {
        b.button(pick(lang, "Open your portal", "Open uw klantportaal"), url);
    }
    finish(lang, subject, &b)
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
    let subject = match lang {
        Lang::En => format!("Your sign-in link for {}", m.merchant_name),
        Lang::Nl => format!("Uw inloglink voor {}", m.merchant_name),
    };
    let mut b = body(
        lang,
        &m.merchant_name,
        m.customer_name.as_deref(),
        &pick(
            lang,
            "If you did not ask for this link, you can ignore this email.",
            "Heeft u deze link niet aangevraagd? Dan kunt u deze e-mail negeren.",
        ),
    );
    b.text(match lang {
        Lang::En => format!(
            "Use the button below to open your customer portal. The link works once and expires in {} minutes.",
            m.valid_minutes
        ),
        Lang::Nl => format!(
            "Gebruik de knop hieronder om uw klantportaal te openen. De link werkt één keer en verloopt over {} minuten.",
            m.valid_minutes
        ),
    });
    b.button(pick(lang, "Sign in", "Inloggen"), &m.url);
    finish(lang, subject, &b)
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
            let escaped = super::super::layout::escape(s);
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
