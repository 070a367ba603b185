//! Puts a minified copy of `src/style.css` into `OUT_DIR`: comments and
//! indentation are left out of the wasm the browser downloads.

use std::{env, fs, path::Path};

fn main() {
    println!("cargo::rerun-if-changed=src/style.css");
    let css = fs::read_to_string("src/style.css").unwrap_or_else(|e| panic!("src/style.css: {e}"));
    let out = env::var("OUT_DIR").unwrap_or_else(|e| panic!("OUT_DIR: {e}"));
    fs::write(Path::new(&out).join("style.min.css"), minify(&css))
        .unwrap_or_else(|e| panic!("style.min.css: {e}"));
}

/// Drops comments, collapses whitespace, and drops the whitespace next to
/// `{`, `}`, `;`, `,` and `>` and before `!`. Whitespace inside quotes and around
/// `:` is kept (`.a :hover` differs from `.a:hover`).
fn minify(css: &str) -> String {
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
