//! Documents as PDF: the invoice, drawn with printpdf on A4 in DejaVu Sans so
//! that every name prints, whatever its script.

mod canvas;
mod fonts;
mod invoice;

use renewly_types::{Invoice, Merchant};

/// Kept at the old paths: the formatter and the language now live at the top.
pub use crate::format;
pub use crate::i18n::Lang;

/// A document that could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The embedded font could not be read or subset.
    #[error("font: {0}")]
    Font(String),
    /// printpdf did not produce a document.
    #[error("render: {0}")]
    Render(String),
}

/// The invoice as an A4 PDF, in English.
pub fn invoice_pdf(merchant: &Merchant, invoice: &Invoice) -> Result<Vec<u8>, PdfError> {
    invoice_pdf_in(merchant, invoice, Lang::En)
}

/// The invoice as an A4 PDF in the given language. The same invoice always
/// gives the same bytes: the creation date is the issue date.
pub fn invoice_pdf_in(
    merchant: &Merchant,
    invoice: &Invoice,
    lang: Lang,
) -> Result<Vec<u8>, PdfError> {
    let title = format!("{} {}", lang.strings().invoice_pdf.invoice, invoice.number);
    invoice::draw(merchant, invoice, lang).render(
        &title,
        &merchant.name,
        &invoice.id,
        issue_timestamp(&invoice.issue_date),
    )
}

/// The file name of an invoice's PDF: `INV/2026/00001` → `INV-2026-00001.pdf`.
pub fn invoice_filename(number: &str) -> String {
    let safe: String = number
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{safe}.pdf")
}

/// Midnight UTC of the issue date (the epoch when the date does not parse).
fn issue_timestamp(issue_date: &str) -> printpdf::OffsetDateTime {
    let seconds = issue_date
        .get(..10)
        .and_then(|d| d.parse::<chrono::NaiveDate>().ok())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp())
        .unwrap_or(0);
    printpdf::OffsetDateTime::from_unix_timestamp(seconds)
        .or_else(|_| printpdf::OffsetDateTime::from_unix_timestamp(0))
        .unwrap_or_else(|_| printpdf::OffsetDateTime::now_utc())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use renewly_types::{Address, BillTo, InvoiceLine, TaxBreakdown};
    use rust_decimal_macros::dec;

    pub(crate) fn merchant() -> Merchant {
        Merchant {
            id: "mer_01jdx0000000000000000000000".into(),
            object: "merchant".into(),
            livemode: false,
            name: "Acme Software B.V.".into(),
            country: "NL".into(),
            default_currency: "EUR".into(),
            reporting_currency: "EUR".into(),
            vat_number: Some("NL123456789B01".into()),
            address: Address {
                line1: Some("Keizersgracht 123".into()),
                line2: None,
                city: Some("Amsterdam".into()),
                postal_code: Some("1015 CJ".into()),
                region: None,
                country: Some("NL".into()),
            },
            timezone: "Europe/Amsterdam".into(),
            invoice_prefix: "INV".into(),
            allowed_origins: vec![],
            test_email_recipients: vec![],
            stripe: None,
            created: "2026-01-01T00:00:00.000Z".into(),
        }
    }

    pub(crate) fn invoice(status: &str) -> Invoice {
        let line = |description: &str, unit: rust_decimal::Decimal, qty: u32| InvoiceLine {
            kind: "recurring".into(),
            description: description.into(),
            price: None,
            period_start: Some("2026-03-01".into()),
            period_end: Some("2026-04-01".into()),
            quantity: qty,
            unit_amount: unit,
            discount: dec!(0),
            tax_behavior: "exclusive".into(),
            tax_rate: dec!(21),
            net: unit * rust_decimal::Decimal::from(qty),
            tax: (unit * rust_decimal::Decimal::from(qty) * dec!(0.21)).round_dp(2),
            amount: (unit * rust_decimal::Decimal::from(qty) * dec!(1.21)).round_dp(2),
        };
        let mut lines = vec![
            line("Pro plan (monthly)", dec!(29.00), 1),
            line("Extra seats", dec!(5.00), 3),
        ];
        lines[1].discount = dec!(1.50);
        lines[1].net = dec!(13.50);
        lines[1].tax = dec!(2.84);
        lines[1].amount = dec!(16.34);
        let paid = status == "paid";
        Invoice {
            id: "inv_01jdx0000000000000000000000".into(),
            object: "invoice".into(),
            livemode: false,
            number: "INV/2026/00001".into(),
            status: status.into(),
            customer: "cus_01jdx0000000000000000000000".into(),
            subscription: None,
            billing_reason: "subscription_create".into(),
            currency: "EUR".into(),
            issue_date: "2026-03-01".into(),
            due_date: "2026-03-15".into(),
            period_start: Some("2026-03-01".into()),
            period_end: Some("2026-04-01".into()),
            bill_to: BillTo {
                email: "lukasz@example.pl".into(),
                name: Some("Łukasz Żółć".into()),
                company: Some("Zoë Ðorđević Sp. z o.o.".into()),
                vat_number: Some("PL5260250274".into()),
                address: Address {
                    line1: Some("ul. Świętokrzyska 12".into()),
                    line2: None,
                    city: Some("Warszawa".into()),
                    postal_code: Some("00-916".into()),
                    region: None,
                    country: Some("PL".into()),
                },
            },
            lines,
            subtotal: dec!(42.50),
            tax: dec!(8.93),
            total: dec!(51.43),
            amount_paid: if paid { dec!(51.43) } else { dec!(0) },
            amount_refunded: dec!(0),
            amount_due: if paid { dec!(0) } else { dec!(51.43) },
            tax_breakdown: vec![TaxBreakdown {
                rate: dec!(21),
                name: "VAT 21%".into(),
                net: dec!(42.50),
                tax: dec!(8.93),
            }],
            reverse_charge: false,
            tax_note: None,
            attempt_count: 0,
            next_payment_attempt: None,
            paid_at: paid.then(|| "2026-03-01T09:00:00.000Z".into()),
            created: "2026-03-01T09:00:00.000Z".into(),
        }
    }

    /// The text of a PDF, or `None` (with a note) where poppler's pdftotext is
    /// not installed.
    pub(crate) fn pdftotext(pdf: &[u8]) -> Option<String> {
        let dir = std::env::temp_dir().join(format!("renewly-pdf-{}", crate::ids::random_token(8)));
        std::fs::create_dir_all(&dir).ok()?;
        let path = dir.join("doc.pdf");
        std::fs::write(&path, pdf).ok()?;
        let out = std::process::Command::new("pdftotext")
            .args(["-layout", "-enc", "UTF-8"])
            .arg(&path)
            .arg("-")
            .output();
        let _ = std::fs::remove_dir_all(&dir);
        match out {
            Ok(out) if out.status.success() => Some(String::from_utf8_lossy(&out.stdout).into()),
            Ok(out) => panic!("pdftotext failed: {}", String::from_utf8_lossy(&out.stderr)),
            Err(_) => {
                eprintln!("note: pdftotext (poppler-utils) is not installed; text not checked");
                None
            }
        }
    }

    #[test]
    fn an_invoice_renders_names_outside_latin_1() {
        let pdf = invoice_pdf(&merchant(), &invoice("open")).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        assert!(pdf.len() < 120_000, "{} bytes", pdf.len());
        let Some(text) = pdftotext(&pdf) else { return };
        for expected in [
            "INV/2026/00001",
            "€ 51.43",
            "Łukasz Żółć",
            "Zoë Ðorđević",
            "Świętokrzyska",
            "NL123456789B01",
            "PL5260250274",
            "1 Mar 2026 – 31 Mar 2026",
            "15 Mar 2026",
            "OPEN",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} missing from:\n{text}"
            );
        }
    }

    #[test]
    fn a_paid_reverse_charged_invoice_says_so_in_dutch() {
        let mut inv = invoice("paid");
        inv.reverse_charge = true;
        inv.tax_note = Some("Reverse charge: VAT to be accounted for by the recipient (Article 196, Directive 2006/112/EC).".into());
        let pdf = invoice_pdf_in(&merchant(), &inv, Lang::Nl).unwrap();
        let Some(text) = pdftotext(&pdf) else { return };
        for expected in [
            "Factuur",
            "BETAALD",
            "Article 196",
            "€ 51,43",
            "BTW VERLEGD",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} missing from:\n{text}"
            );
        }
    }

    #[test]
    fn the_same_invoice_gives_the_same_bytes() {
        let a = invoice_pdf(&merchant(), &invoice("paid")).unwrap();
        let b = invoice_pdf(&merchant(), &invoice("paid")).unwrap();
        assert!(a == b, "two renders differ");
        let text = String::from_utf8_lossy(&a);
        assert!(
            text.contains("D:20260301"),
            "creation date is the issue date"
        );
    }

    #[test]
    fn many_lines_flow_onto_more_pages() {
        let mut inv = invoice("open");
        let line = inv.lines[0].clone();
        inv.lines = (0..60)
            .map(|i| {
                let mut l = line.clone();
                l.description = format!("Usage line {i} with a longer description that wraps");
                l
            })
            .collect();
        let pdf = invoice_pdf(&merchant(), &inv).unwrap();
        let Some(text) = pdftotext(&pdf) else { return };
        assert!(text.contains("Usage line 59"));
        assert!(text.contains("Page 1 of "), "{text}");
        assert!(!text.contains("Page 1 of 1"), "{text}");
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(invoice_filename("INV/2026/00001"), "INV-2026-00001.pdf");
        assert_eq!(invoice_filename("A B\"/1"), "A-B--1.pdf");
    }

    /// Writes a sample to `PDF_SAMPLE` to look at (`pdftoppm -png`).
    #[test]
    fn sample_for_eyes() {
        if let Ok(path) = std::env::var("PDF_SAMPLE") {
            let mut inv = invoice("open");
            inv.reverse_charge = true;
            inv.tax_note = Some("Reverse charge: VAT to be accounted for by the recipient (Article 196, Directive 2006/112/EC).".into());
            std::fs::write(&path, invoice_pdf(&merchant(), &inv).unwrap()).unwrap();
            std::fs::write(
                format!("{path}.paid.pdf"),
                invoice_pdf_in(&merchant(), &invoice("paid"), Lang::Nl).unwrap(),
            )
            .unwrap();
        }
    }
}
