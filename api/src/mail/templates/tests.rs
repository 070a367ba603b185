//! Both languages of every message, escaping, and the plain-text layout.

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
fn the_email_confirmation_names_the_new_address_in_both_languages() {
    let m = EmailConfirmation {
        merchant_name: "Acme".into(),
        customer_name: Some("Sam".into()),
        new_email: "sam+new@example.com".into(),
        url: "https://billing.test/portal/email/tok_123".into(),
        valid_hours: 24,
    };
    check(
        &email_confirmation(Lang::En, &m),
        "Confirm your new e-mail address for Acme",
        &[
            "sam+new@example.com",
            "https://billing.test/portal/email/tok_123",
            "24 hours",
        ],
    );
    check(
        &email_confirmation(Lang::Nl, &m),
        "Bevestig uw nieuwe e-mailadres",
        &["sam+new@example.com", "Dit adres bevestigen", "24 uur"],
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
