//! Languages: which one a page, message or document is written in, and every
//! sentence Renewly says in each (one file per language: [`en`], [`nl`]).
//!
//! A language is chosen once, by [`negotiate`] (hosted pages) or
//! [`Lang::from_locale`] (a stored customer locale); templates then read the
//! [`Strings`] of that language.

mod en;
mod nl;

use serde::Serialize;

/// The language a page, message or document is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Nl,
}

impl Lang {
    /// Every language Renewly speaks.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Nl];

    /// The language of a BCP 47 tag by its primary subtag (`nl`, `nl-BE`,
    /// `NL_nl`), or `None` when Renewly does not speak it.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.split(['-', '_']).next().unwrap_or("").trim();
        Self::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(primary))
    }

    /// The language of a stored locale; English when Renewly does not speak it.
    pub fn from_locale(locale: &str) -> Self {
        Self::from_tag(locale).unwrap_or_default()
    }

    /// `"en"` or `"nl"`.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Nl => "nl",
        }
    }

    /// Everything said in this language.
    pub fn strings(self) -> &'static Strings {
        match self {
            Self::En => &en::STRINGS,
            Self::Nl => &nl::STRINGS,
        }
    }
}

/// The language to answer in: an explicit `?locale=`, else the customer's
/// stored locale, else the best of the browser's `Accept-Language` (by quality;
/// of equal quality the first named), else English.
pub fn negotiate(query: Option<&str>, stored: Option<&str>, accept_language: Option<&str>) -> Lang {
    query
        .and_then(Lang::from_tag)
        .or_else(|| stored.and_then(Lang::from_tag))
        .or_else(|| accept_language.and_then(best_accepted))
        .unwrap_or_default()
}

/// The spoken language an `Accept-Language` header prefers most.
fn best_accepted(header: &str) -> Option<Lang> {
    let mut offered: Vec<(u16, Lang)> = header
        .split(',')
        .filter_map(|part| {
            let mut bits = part.split(';');
            let lang = Lang::from_tag(bits.next()?)?;
            let q = bits
                .find_map(|b| b.trim().strip_prefix("q="))
                .map_or(Some(1000), |q| {
                    q.trim()
                        .parse::<f32>()
                        .ok()
                        .filter(|q| (0.0..=1.0).contains(q))
                        .map(|q| (q * 1000.0).round() as u16)
                })?;
            (q > 0).then_some((q, lang))
        })
        .collect();
    // Stable: of equal quality, the first named wins.
    offered.sort_by_key(|o| std::cmp::Reverse(o.0));
    offered.first().map(|o| o.1)
}

/// `pattern` with each `{name}` replaced by its value: `fill("Hi {name},",
/// &[("name", "Sam")])`. Templates have the same as the `fill` filter.
pub fn fill(pattern: &str, args: &[(&str, &str)]) -> String {
    let mut out = pattern.to_owned();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// Everything Renewly says, in one language. Sentences hold `{name}`
/// placeholders for [`fill`].
#[derive(Debug, Serialize)]
pub struct Strings {
    pub interval: IntervalWords,
    pub mail: MailWords,
    pub hosted: HostedWords,
    pub invoice_pdf: InvoicePdfWords,
}

/// Billing intervals, one and many, and how a price per interval reads.
#[derive(Debug, Serialize)]
pub struct IntervalWords {
    pub day: (&'static str, &'static str),
    pub week: (&'static str, &'static str),
    pub month: (&'static str, &'static str),
    pub year: (&'static str, &'static str),
    /// `{money} per {one}`.
    pub per_one: &'static str,
    /// `{money} every {n} {many}`.
    pub every_n: &'static str,
}

/// The titles of the hosted pages.
#[derive(Debug, Serialize)]
pub struct HostedWords {
    pub portal_title: &'static str,
    pub checkout_title: &'static str,
    /// A magic link or confirmation link that was used or has expired.
    pub link_spent_title: &'static str,
    pub link_spent: &'static str,
    /// A new e-mail address was confirmed (`{email}`).
    pub email_confirmed_title: &'static str,
    pub email_confirmed: &'static str,
    /// A magic link's landing page: one button opens the account (following the
    /// link does not use it up, pressing the button does).
    pub open_title: &'static str,
    pub open_text: &'static str,
    pub open_button: &'static str,
    /// A confirmation link's landing page (`{email}`): one button confirms.
    pub confirm_email_title: &'static str,
    pub confirm_email_text: &'static str,
    pub confirm_email_button: &'static str,
    /// A button of these pages pressed from another website.
    pub cross_site_title: &'static str,
    pub cross_site: &'static str,
}

/// The words on an invoice PDF.
#[derive(Debug, Serialize)]
pub struct InvoicePdfWords {
    pub invoice: &'static str,
    pub continued: &'static str,
    pub vat: &'static str,
    pub bill_to: &'static str,
    pub number: &'static str,
    pub issue_date: &'static str,
    pub due_date: &'static str,
    pub period: &'static str,
    pub columns: [&'static str; 7],
    pub subtotal: &'static str,
    pub tax_on: &'static str,
    pub total: &'static str,
    pub paid: &'static str,
    pub due: &'static str,
    pub reverse_charge: &'static str,
    pub page: &'static str,
    pub of: &'static str,
    pub status_paid: &'static str,
    pub status_open: &'static str,
    /// `{amount}`, `{date}`.
    pub pay_by: &'static str,
    /// `{date}`.
    pub paid_on: &'static str,
    pub thanks: &'static str,
}

/// The e-mails: shared words, then one group per message.
#[derive(Debug, Serialize)]
pub struct MailWords {
    pub greeting_named: &'static str,
    pub greeting: &'static str,
    pub footer: &'static str,
    pub plan: &'static str,
    pub open_portal: &'static str,
    pub update_payment_method: &'static str,
    pub confirmation: ConfirmationWords,
    pub invoice: InvoiceWords,
    pub payment_failed: PaymentFailedWords,
    pub dunning: DunningWords,
    pub cancellation: CancellationWords,
    pub magic_link: MagicLinkWords,
    pub email_confirmation: EmailConfirmationWords,
}

#[derive(Debug, Serialize)]
pub struct ConfirmationWords {
    pub subject: &'static str,
    pub intro: &'static str,
    pub price: &'static str,
    pub start_date: &'static str,
    pub trial_until: &'static str,
    pub next_invoice: &'static str,
    pub portal: &'static str,
}

#[derive(Debug, Serialize)]
pub struct InvoiceWords {
    pub subject_paid: &'static str,
    pub subject_open: &'static str,
    pub text_paid: &'static str,
    pub text_open: &'static str,
    pub number: &'static str,
    pub issue_date: &'static str,
    pub total: &'static str,
    pub amount_due: &'static str,
    pub pay: &'static str,
}

#[derive(Debug, Serialize)]
pub struct PaymentFailedWords {
    pub subject: &'static str,
    pub text: &'static str,
    pub reason: &'static str,
    pub retry: &'static str,
    pub no_retry: &'static str,
}

#[derive(Debug, Serialize)]
pub struct DunningWords {
    pub subject: &'static str,
    pub text: &'static str,
    pub closes: &'static str,
    pub update: &'static str,
}

#[derive(Debug, Serialize)]
pub struct CancellationWords {
    pub subject: &'static str,
    pub text: &'static str,
    pub ends_on: &'static str,
    pub reason: &'static str,
    pub goodbye: &'static str,
}

#[derive(Debug, Serialize)]
pub struct MagicLinkWords {
    pub subject: &'static str,
    pub text: &'static str,
    pub sign_in: &'static str,
    pub footer: &'static str,
}

#[derive(Debug, Serialize)]
pub struct EmailConfirmationWords {
    pub subject: &'static str,
    pub text: &'static str,
    pub confirm: &'static str,
    pub footer: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_pick_the_language() {
        assert_eq!(Lang::from_locale("nl"), Lang::Nl);
        assert_eq!(Lang::from_locale("nl-BE"), Lang::Nl);
        assert_eq!(Lang::from_locale("en-GB"), Lang::En);
        assert_eq!(Lang::from_locale("de"), Lang::En);
        assert_eq!(Lang::from_locale(""), Lang::En);
        assert_eq!(Lang::from_tag("NL_nl"), Some(Lang::Nl));
        assert_eq!(Lang::from_tag("de"), None);
    }

    #[test]
    fn negotiation_prefers_the_query_then_the_customer_then_the_browser() {
        let header = Some("de-DE,de;q=0.9,nl;q=0.8,en;q=0.7");
        assert_eq!(negotiate(None, None, header), Lang::Nl);
        assert_eq!(negotiate(Some("en"), Some("nl"), header), Lang::En);
        assert_eq!(negotiate(None, Some("nl-BE"), Some("en")), Lang::Nl);
        assert_eq!(
            negotiate(Some("fr"), Some("de"), Some("en;q=0.5, nl")),
            Lang::Nl
        );
        assert_eq!(negotiate(None, None, Some("nl;q=0, fr")), Lang::En);
        assert_eq!(negotiate(None, None, Some("en, nl")), Lang::En);
        assert_eq!(negotiate(None, None, None), Lang::En);
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            fill("{a} and {b}, {a}", &[("a", "x"), ("b", "y")]),
            "x and y, x"
        );
    }
}
