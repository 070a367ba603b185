//! One email body drawn twice: as plain text and as simple, inline-styled HTML
//! that mail clients render alike. Templates describe what to say with
//! [`Body`]; this module decides how it looks, so both parts always say the same.

use std::fmt::Write as _;

/// What a message says, in order.
#[derive(Debug, Default)]
pub struct Body {
    /// The merchant, shown as the sender at the top and in the sign-off.
    pub merchant: String,
    /// `Hi Łukasz,`
    pub greeting: String,
    pub blocks: Vec<Block>,
    /// The last line, e.g. why the customer receives this.
    pub footer: String,
}

/// A piece of a message.
#[derive(Debug)]
pub enum Block {
    /// A paragraph.
    Text(String),
    /// Label/value pairs (plan, amount, dates).
    Facts(Vec<(String, String)>),
    /// A call to action: a label and the link it opens.
    Button { label: String, url: String },
}

impl Body {
    pub fn text(&mut self, paragraph: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Text(paragraph.into()));
        self
    }

    pub fn facts(&mut self, facts: Vec<(String, String)>) -> &mut Self {
        if !facts.is_empty() {
            self.blocks.push(Block::Facts(facts));
        }
        self
    }

    pub fn button(&mut self, label: impl Into<String>, url: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Button {
            label: label.into(),
            url: url.into(),
        });
        self
    }

    /// The plain-text part.
    pub fn to_text(&self) -> String {
        let mut out = format!("{}\n\n", self.greeting);
        for block in &self.blocks {
            match block {
                Block::Text(p) => {
                    let _ = write!(out, "{p}\n\n");
                }
                Block::Facts(facts) => {
                    let width = facts
                        .iter()
                        .map(|(l, _)| l.chars().count())
                        .max()
                        .unwrap_or(0);
                    for (label, value) in facts {
                        let pad = width - label.chars().count();
                        let _ = writeln!(out, "  {label}:{}  {value}", " ".repeat(pad));
                    }
                    out.push('\n');
                }
                Block::Button { label, url } => {
                    let _ = write!(out, "{label}:\n{url}\n\n");
                }
            }
        }
        let _ = write!(out, "— {}\n\n{}\n", self.merchant, self.footer);
        out
    }

    /// The HTML part: one centred card, system fonts, inline styles only.
    pub fn to_html(&self, lang: &str, title: &str) -> String {
        let mut inner = format!(
            "<p style=\"margin:0 0 16px\">{}</p>\n",
            escape(&self.greeting)
        );
        for block in &self.blocks {
            match block {
                Block::Text(p) => {
                    let _ = writeln!(inner, "<p style=\"margin:0 0 16px\">{}</p>", escape(p));
                }
                Block::Facts(facts) => {
                    inner.push_str(
                        "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" \
                         style=\"width:100%;margin:0 0 20px;border-collapse:collapse\">\n",
                    );
                    for (label, value) in facts {
                        let _ = writeln!(
                            inner,
                            "<tr><td style=\"padding:6px 0;color:#6b7280;border-bottom:1px solid #eceef2\">{}</td>\
                             <td style=\"padding:6px 0;text-align:right;font-weight:600;border-bottom:1px solid #eceef2\">{}</td></tr>",
                            escape(label),
                            escape(value)
                        );
                    }
                    inner.push_str("</table>\n");
                }
                Block::Button { label, url } => {
                    let _ = writeln!(
                        inner,
                        "<p style=\"margin:8px 0 24px\"><a href=\"{url}\" style=\"display:inline-block;\
                         background:#2f4b8a;color:#ffffff;text-decoration:none;font-weight:600;\
                         padding:12px 22px;border-radius:6px\">{label}</a></p>\n\
                         <p style=\"margin:0 0 16px;font-size:12px;color:#6b7280;word-break:break-all\">{url}</p>",
                        url = escape(url),
                        label = escape(label)
                    );
                }
            }
        }
        let _ = writeln!(
            inner,
            "<p style=\"margin:24px 0 0\">— {}</p>",
            escape(&self.merchant)
        );
        format!(
            "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{title}</title>\n</head>\n\
             <body style=\"margin:0;padding:0;background:#f2f4f8\">\n\
             <div style=\"max-width:560px;margin:0 auto;padding:24px 12px;font-family:-apple-system,\
             'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#1f2430\">\n\
             <div style=\"font-weight:700;font-size:17px;margin:0 0 12px\">{merchant}</div>\n\
             <div style=\"background:#ffffff;border-radius:8px;border-top:4px solid #2f4b8a;padding:24px\">\n\
             {inner}</div>\n\
             <p style=\"font-size:12px;color:#6b7280;margin:16px 4px 0\">{footer}</p>\n\
             </div>\n</body>\n</html>\n",
            lang = escape(lang),
            title = escape(title),
            merchant = escape(&self.merchant),
            footer = escape(&self.footer),
        )
    }
}

/// Text made safe for HTML content and attribute values.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_everywhere() {
        let mut body = Body {
            merchant: "A&B <Shop>".into(),
            greeting: "Hi <script>,".into(),
            footer: "\"quoted\"".into(),
            ..Body::default()
        };
        body.button("Go", "https://x.test/?a=1&b=\"2\"")
            .facts(vec![("<k>".into(), "<v>".into())]);
        let html = body.to_html("en", "T<");
        assert!(!html.contains("<script>") && !html.contains("<Shop>") && !html.contains("<k>"));
        assert!(html.contains("A&amp;B &lt;Shop&gt;"));
        assert!(html.contains("href=\"https://x.test/?a=1&amp;b=&quot;2&quot;\""));
        let text = body.to_text();
        assert!(text.contains("https://x.test/?a=1&b=\"2\""));
        assert!(text.contains("  <k>:  <v>"));
    }
}
