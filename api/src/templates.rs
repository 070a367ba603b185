//! The template engine: every HTML page and e-mail Renewly renders comes from a
//! file under `api/templates/`, compiled into the binary, so `renewly` runs the
//! same from any directory.
//!
//! Templates ending in `.html` escape every value they print, with [`escape`],
//! the one HTML escaper (the SVG charts, still drawn in Rust, use it too);
//! `.txt` templates print values as they are. Markup built in Rust reaches a
//! template through [`safe`]. Sentences come from [`crate::i18n`]; the `fill`
//! filter puts values into their `{name}` placeholders.

use std::sync::LazyLock;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Kwargs, Serde};
use minijinja::{AutoEscape, Environment, Error, Output, State, UndefinedBehavior, Value};
use serde::Serialize;

/// `(name, source)` of a file under `api/templates/`.
macro_rules! embed {
    ($name:literal) => {
        ($name, include_str!(concat!("../templates/", $name)))
    };
}

/// Every template shipped in the binary: its name and its source.
const EMBEDDED: &[(&str, &str)] = &[
    embed!("hosted/page.html"),
    embed!("hosted/not_found.html"),
    embed!("hosted/message.html"),
    embed!("mail/layout.html"),
    embed!("mail/layout.txt"),
    embed!("mail/macros.html"),
    embed!("mail/macros.txt"),
    embed!("mail/subscription_confirmation.html"),
    embed!("mail/subscription_confirmation.txt"),
    embed!("mail/invoice.html"),
    embed!("mail/invoice.txt"),
    embed!("mail/payment_failed.html"),
    embed!("mail/payment_failed.txt"),
    embed!("mail/dunning_reminder.html"),
    embed!("mail/dunning_reminder.txt"),
    embed!("mail/cancellation_confirmation.html"),
    embed!("mail/cancellation_confirmation.txt"),
    embed!("mail/magic_link.html"),
    embed!("mail/magic_link.txt"),
    embed!("mail/email_confirmation.html"),
    embed!("mail/email_confirmation.txt"),
    embed!("dashboard/base.html"),
    embed!("dashboard/style.css"),
    embed!("dashboard/login.html"),
    embed!("dashboard/error.html"),
    embed!("dashboard/macros.html"),
    embed!("dashboard/page.html"),
    embed!("dashboard/filters.html"),
    embed!("dashboard/cohorts.html"),
    embed!("dashboard/salespeople.html"),
];

static ENV: LazyLock<Environment<'static>> = LazyLock::new(environment);

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // A block tag takes its line with it, so templates can be laid out readably.
    match SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
    {
        Ok(syntax) => env.set_syntax(syntax),
        Err(e) => tracing::error!(error = %e, "the template syntax is invalid"),
    }
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.set_formatter(formatter);
    env.add_filter("fill", fill);
    for (name, source) in EMBEDDED {
        if let Err(e) = env.add_template(name, source) {
            // Rendering it then fails with "template not found", an internal error.
            tracing::error!(template = name, error = %e, "a shipped template does not compile");
        }
    }
    env
}

/// Renders a shipped template.
pub fn render(name: &str, context: impl Serialize) -> Result<String, Error> {
    ENV.get_template(name)?.render(Serde(context))
}

/// Renders a template given as source at run time (e.g. one a merchant edited),
/// with the same filters and escaping; `name` decides the escaping (`.html`)
/// and may `{% extends %}` or `{% import %}` the shipped templates.
pub fn render_source(name: &str, source: &str, context: impl Serialize) -> Result<String, Error> {
    ENV.render_named_str(name, source, Serde(context))
}

/// Markup built in Rust (an SVG chart), printed as it is.
pub fn safe(html: String) -> Value {
    Value::from_safe_string(html)
}

/// Text made safe for HTML content and attribute values (and SVG text).
pub fn escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Prints a value: through [`escape`] in an HTML template unless marked safe.
fn formatter(out: &mut Output<'_>, state: &mut State<'_, '_>, value: &Value) -> Result<(), Error> {
    if *state.auto_escape() == AutoEscape::Html && !value.is_safe() && !value.is_undefined() {
        out.write_str(&escape(&value.to_string()))
            .map_err(Error::from)
    } else {
        minijinja::escape_formatter(out, state, value)
    }
}

/// `{{ t.mail.greeting_named | fill(name=name) }}`: see [`crate::i18n::fill`].
fn fill(pattern: &str, args: Kwargs) -> Result<String, Error> {
    let mut out = pattern.to_owned();
    for name in args.args() {
        let value: Value = args.get(name)?;
        out = out.replace(&format!("{{{name}}}"), &value.to_string());
    }
    args.assert_all_used()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_template_compiles() {
        let mut env = Environment::new();
        for (name, source) in EMBEDDED {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
    }

    #[test]
    fn html_templates_escape_and_text_templates_do_not() {
        let ctx = minijinja::context! { v => "<b a=\"1\">&'", m => safe("<i>ok</i>".into()) };
        let html = render_source("x.html", "{{ v }} {{ m }}", &ctx).unwrap();
        assert_eq!(html, "&lt;b a=&quot;1&quot;&gt;&amp;&#39; <i>ok</i>");
        let text = render_source("x.txt", "{{ v }}", &ctx).unwrap();
        assert_eq!(text, "<b a=\"1\">&'");
    }

    #[test]
    fn placeholders_are_filled_then_escaped() {
        let html = render_source(
            "x.html",
            "{{ 'Hi {name}, {name}' | fill(name=n) }}",
            minijinja::context! { n => "<script>" },
        )
        .unwrap();
        assert_eq!(html, "Hi &lt;script&gt;, &lt;script&gt;");
    }

    #[test]
    fn a_missing_value_is_an_error_not_a_blank() {
        assert!(render_source("x.html", "{{ nothing.here }}", ()).is_err());
    }
}
