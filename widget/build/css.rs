//! The stylesheet's minifier and purger, shared by `build.rs` and the tests
//! (`tests/stylesheet.rs`).

use std::collections::BTreeSet;

/// Every `rw-…` name in a source (class names, and ids, which do no harm).
pub fn class_names(text: &str) -> impl Iterator<Item = String> + '_ {
    text.match_indices("rw-").map(move |(at, _)| {
        let rest = &text[at..];
        let end = rest
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
            .unwrap_or(rest.len());
        rest[..end].to_owned()
    })
}

/// Minified `css` without the selectors that name an `rw-…` class outside
/// `used`, the rules left without selectors, and the `@media`/`@container`
/// blocks left without rules. `@keyframes` are kept whole.
pub fn purge(css: &str, used: &BTreeSet<String>) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    purge_block(&mut rest, used, &mut out);
    out
}

/// Purges rules from `rest` up to the `}` that closes the block (or the end),
/// consuming that `}`.
fn purge_block(rest: &mut &str, used: &BTreeSet<String>, out: &mut String) {
    loop {
        let Some(open) = rest.find(['{', '}']) else {
            out.push_str(rest);
            *rest = "";
            return;
        };
        if rest.as_bytes()[open] == b'}' {
            *rest = &rest[open + 1..];
            return;
        }
        let prelude = &rest[..open];
        *rest = &rest[open + 1..];
        if prelude.starts_with("@keyframes") || prelude.starts_with("@font-face") {
            let end = closing(rest);
            out.push_str(prelude);
            out.push('{');
            out.push_str(&rest[..=end]);
            *rest = &rest[end + 1..];
        } else if prelude.starts_with('@') {
            let mut inner = String::new();
            purge_block(rest, used, &mut inner);
            if !inner.is_empty() {
                out.push_str(prelude);
                out.push('{');
                out.push_str(&inner);
                out.push('}');
            }
        } else {
            let end = rest.find('}').unwrap_or(rest.len());
            let body = &rest[..end];
            *rest = rest.get(end + 1..).unwrap_or("");
            let live: Vec<&str> = selectors(prelude)
                .into_iter()
                .filter(|s| class_names_in_selector(s).iter().all(|c| used.contains(*c)))
                .collect();
            if !live.is_empty() {
                out.push_str(&live.join(","));
                out.push('{');
                out.push_str(body);
                out.push('}');
            }
        }
    }
}

/// The index of the `}` that closes the block `rest` starts inside.
fn closing(rest: &str) -> usize {
    let mut depth = 0usize;
    for (i, c) in rest.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            _ => {}
        }
    }
    rest.len().saturating_sub(1)
}

/// A selector list split at its top-level commas (not those inside `:is(…)`).
fn selectors(list: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, c) in list.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&list[start..]);
    parts
}

/// The `rw-…` classes a selector requires (`.rw-x`); those inside `:not(…)`,
/// `:has(…)` and the like are not counted, so such selectors are kept.
fn class_names_in_selector(selector: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut depth = 0i32;
    for (i, c) in selector.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            '.' if depth == 0 && selector[i..].starts_with(".rw-") => {
                let rest = &selector[i + 1..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
                    .unwrap_or(rest.len());
                names.push(&rest[..end]);
            }
            _ => {}
        }
    }
    names
}

/// Drops comments, collapses whitespace, and drops the whitespace next to
/// `{`, `}`, `;`, `,` and `>` and before `!`. Whitespace inside quotes and around
/// `:` is kept (`.a :hover` differs from `.a:hover`).
pub fn minify(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut chars = css.chars().peekable();
    let mut quote: Option<char> = None;
    let mut pending_space = false;
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        if c == '/' && chars.peek() == Some(&'*') {
            chars.next();
            let mut last = ' ';
            for c in chars.by_ref() {
                if last == '*' && c == '/' {
                    break;
                }
                last = c;
            }
            continue;
        }
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        let tight = |c: char| matches!(c, '{' | '}' | ';' | ',' | '>');
        if pending_space && !out.is_empty() && !tight(c) && c != '!' {
            let last = out.chars().last().unwrap_or(' ');
            if !tight(last) {
                out.push(' ');
            }
        }
        pending_space = false;
        if c == '"' || c == '\'' {
            quote = Some(c);
        }
        // A rule's last `;` is not needed.
        if c == '}' && out.ends_with(';') {
            out.pop();
        }
        out.push(c);
    }
    out
}
