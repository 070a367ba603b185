//! What every e-mail shares: the layout's facts (language, sentences, sender,
//! greeting) and the rendering of both parts from a message's two templates,
//! `api/templates/mail/{name}.txt` and `.html`, which extend
//! `mail/layout.txt` and `mail/layout.html`.

use minijinja::Value;
use minijinja::value::Serde;
use serde::Serialize;

use super::templates::Rendered;
use crate::i18n::{Lang, Strings};
use crate::templates;

/// What every message's layout shows: language, sentences, sender, greeting.
#[derive(Serialize)]
struct Common<'a> {
    lang: &'static str,
    t: &'static Strings,
    subject: &'a str,
    merchant: &'a str,
    /// The customer's name, when there is one to greet.
    customer: Option<&'a str>,
}

pub(super) fn common<'a>(
    lang: Lang,
    subject: &'a str,
    merchant: &'a str,
    customer: Option<&'a str>,
) -> Value {
    Value::from(Serde(Common {
        lang: lang.code(),
        t: lang.strings(),
        subject,
        merchant,
        customer: customer.map(str::trim).filter(|n| !n.is_empty()),
    }))
}

/// Both parts of message `name` from its templates. The templates are shipped
/// and tested, so a failure is a bug: it is logged, and the message still goes
/// out, as plain text.
pub(super) fn finish(name: &str, subject: String, context: Value) -> Rendered {
    let text = templates::render(&format!("mail/{name}.txt"), &context);
    let html = templates::render(&format!("mail/{name}.html"), &context);
    match (text, html) {
        (Ok(text), Ok(html)) => Rendered {
            subject,
            text,
            html,
        },
        (text, html) => {
            let error = text.as_ref().err().or(html.as_ref().err());
            tracing::error!(template = name, error = ?error, "an e-mail template failed to render");
            let text = text.unwrap_or_else(|_| subject.clone());
            let html = html.unwrap_or_else(|_| {
                format!("<!DOCTYPE html>\n<pre>{}</pre>\n", templates::escape(&text))
            });
            Rendered {
                subject,
                text,
                html,
            }
        }
    }
}
