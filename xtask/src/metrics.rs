//! `cargo xtask metrics`: the shape of the code in numbers. SQL statements
//! outside `api/src/store/` (and `api/src/db.rs`), functions over
//! [`LONG_FN`] lines and files over [`LONG_FILE`] lines (in `api/src` and
//! `widget/src`), and module cycles between files of `api/src` (file A names
//! `crate::…B…` and B names `crate::…A…`).
//!
//! The scan is lexical, not a parser: string literals, comments and char
//! literals are told apart from code, which is enough for these counts. A
//! string literal that holds SQL counts as one statement (also the few that
//! batch several, or hold a fragment such as `AND x IN (SELECT … FROM …)`).
//! Standard library only, so that the tests crate can include this file as
//! well (`tests/api/layout.rs` fails on SQL outside the store with it).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A function longer than this many lines (signature to closing brace) is long.
pub const LONG_FN: usize = 80;
/// A file longer than this many lines is long.
pub const LONG_FILE: usize = 500;

/// A SQL statement in a string literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sql {
    /// Relative to the workspace, e.g. `api/src/billing/worker.rs`.
    pub file: String,
    /// The line the literal starts on (1-based).
    pub line: usize,
    /// The statement's start, whitespace collapsed.
    pub text: String,
}

/// A function and its length in lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    pub name: String,
    pub file: String,
    pub line: usize,
    pub lines: usize,
}

/// Everything `cargo xtask metrics` reports.
#[derive(Debug, Default)]
pub struct Metrics {
    pub sql_outside_store: Vec<Sql>,
    /// Functions over [`LONG_FN`] lines, longest first.
    pub long_functions: Vec<Function>,
    /// Files over [`LONG_FILE`] lines, longest first.
    pub long_files: Vec<(String, usize)>,
    /// Pairs of modules (files) that name each other through `crate::`.
    pub cycles: Vec<(String, String)>,
}

/// Scans every `.rs` file under `<root>/api/src` and `<root>/widget/src`.
pub fn measure(root: &Path) -> Result<Metrics, String> {
    let mut files = Vec::new();
    for crate_dir in ["api", "widget"] {
        rust_files(&root.join(crate_dir).join("src"), &mut files)?;
    }
    files.sort();
    let mut metrics = Metrics::default();
    let mut uses: BTreeMap<String, BTreeSet<Vec<String>>> = BTreeMap::new();
    let mut modules: BTreeMap<Vec<String>, String> = BTreeMap::new();
    for path in &files {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let relative = path.strip_prefix(root).unwrap_or(path);
        let file = relative.to_string_lossy().replace('\\', "/");
        let scanned = scan(&text);
        if file.starts_with("api/") && !in_store(&file) {
            for (line, literal) in &scanned.literals {
                if let Some(text) = sql_in(literal) {
                    metrics.sql_outside_store.push(Sql {
                        file: file.clone(),
                        line: *line,
                        text,
                    });
                }
            }
        }
        for (name, line, lines) in functions(&scanned.code) {
            if lines > LONG_FN {
                metrics.long_functions.push(Function {
                    name,
                    file: file.clone(),
                    line,
                    lines,
                });
            }
        }
        let count = text.lines().count();
        if count > LONG_FILE {
            metrics.long_files.push((file.clone(), count));
        }
        if let Some(module) = module_of(&file) {
            modules.insert(module, file.clone());
            uses.insert(file.clone(), crate_paths(&scanned.code));
        }
    }
    metrics
        .long_functions
        .sort_by_key(|f| std::cmp::Reverse(f.lines));
    metrics.long_files.sort_by_key(|f| std::cmp::Reverse(f.1));
    metrics.cycles = cycles(&modules, &uses);
    Ok(metrics)
}

impl Metrics {
    /// The report `cargo xtask metrics` prints.
    pub fn report(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "SQL statements outside api/src/store/ (and api/src/db.rs): {}",
            self.sql_outside_store.len()
        );
        let mut per_dir: BTreeMap<String, usize> = BTreeMap::new();
        for sql in &self.sql_outside_store {
            let dir = sql.file.trim_start_matches("api/src/");
            let dir = dir.split_once('/').map_or(dir, |(d, _)| d);
            *per_dir.entry(dir.to_owned()).or_default() += 1;
        }
        let summary: Vec<String> = per_dir.iter().map(|(d, n)| format!("{d} {n}")).collect();
        if !summary.is_empty() {
            let _ = writeln!(out, "  by place: {}", summary.join(", "));
        }
        for sql in &self.sql_outside_store {
            let _ = writeln!(out, "  {}:{}  {}", sql.file, sql.line, sql.text);
        }
        let _ = writeln!(
            out,
            "\nFunctions over {LONG_FN} lines: {}",
            self.long_functions.len()
        );
        for f in &self.long_functions {
            let _ = writeln!(out, "  {:>4}  {} ({}:{})", f.lines, f.name, f.file, f.line);
        }
        let _ = writeln!(
            out,
            "\nFiles over {LONG_FILE} lines: {}",
            self.long_files.len()
        );
        for (file, lines) in &self.long_files {
            let _ = writeln!(out, "  {lines:>5}  {file}");
        }
        let _ = writeln!(
            out,
            "\nModule cycles (A uses crate::…B… and B uses crate::…A…): {}",
            self.cycles.len()
        );
        for (a, b) in &self.cycles {
            let _ = writeln!(out, "  {a} <-> {b}");
        }
        out
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// Where SQL belongs: `api/src/store/` and the pool wrapper `api/src/db.rs`.
fn in_store(file: &str) -> bool {
    file.starts_with("api/src/store/") || file == "api/src/db.rs"
}

/// A file split into its string literals and its code.
struct Scanned {
    /// (line the literal starts on, its contents with escapes left as written).
    literals: Vec<(usize, String)>,
    /// The file with every literal's contents, comment and char literal
    /// blanked out (newlines kept, so lines still count).
    code: String,
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Splits Rust source into string literals and code.
fn scan(src: &str) -> Scanned {
    let chars: Vec<char> = src.chars().collect();
    let mut code = String::with_capacity(src.len());
    let mut literals = Vec::new();
    let mut line = 1;
    let mut i = 0;
    // Blanks chars[from..to] into `code`, keeping newlines.
    let blank = |code: &mut String, line: &mut usize, part: &[char]| {
        for &c in part {
            if c == '\n' {
                *line += 1;
                code.push('\n');
            } else {
                code.push(' ');
            }
        }
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            let end = chars[i..]
                .iter()
                .position(|&c| c == '\n')
                .map_or(chars.len(), |p| i + p);
            blank(&mut code, &mut line, &chars[i..end]);
            i = end;
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            let mut j = i;
            while j < chars.len() {
                if chars[j] == '/' && chars.get(j + 1) == Some(&'*') {
                    depth += 1;
                    j += 2;
                } else if chars[j] == '*' && chars.get(j + 1) == Some(&'/') {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            blank(&mut code, &mut line, &chars[i..j.min(chars.len())]);
            i = j;
        } else if c == '"' {
            // A plain string (its `b`/`c` prefix, if any, is already code).
            let start = line;
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            let end = j.min(chars.len());
            literals.push((start, chars[i + 1..end].iter().collect()));
            code.push('"');
            blank(&mut code, &mut line, &chars[i + 1..end]);
            if end < chars.len() {
                code.push('"');
            }
            i = end + 1;
        } else if is_ident(c) {
            let start = i;
            while i < chars.len() && is_ident(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            code.push_str(&word);
            let raw = matches!(word.as_str(), "r" | "br" | "cr");
            if raw && matches!(chars.get(i), Some('"' | '#')) {
                let hashes = chars[i..].iter().take_while(|&&c| c == '#').count();
                if chars.get(i + hashes) != Some(&'"') {
                    continue;
                }
                let body = i + hashes + 1;
                let closing: Vec<char> = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                let mut j = body;
                while j < chars.len() && !chars[j..].starts_with(&closing) {
                    j += 1;
                }
                let end = j.min(chars.len());
                literals.push((line, chars[body..end].iter().collect()));
                code.push_str(&"#".repeat(hashes));
                code.push('"');
                blank(&mut code, &mut line, &chars[body..end]);
                code.push_str(&closing.iter().collect::<String>());
                i = (end + closing.len()).min(chars.len());
            }
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{..}'), or a lifetime or label.
            let close = if next == Some('\\') {
                // After the escaped character, so that '\'' closes right.
                chars
                    .get(i + 3..)
                    .and_then(|rest| rest.iter().position(|&c| c == '\''))
                    .map(|p| i + 3 + p)
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match close {
                Some(end) => {
                    code.push('\'');
                    blank(&mut code, &mut line, &chars[i + 1..end]);
                    code.push('\'');
                    i = end + 1;
                }
                None => {
                    code.push('\'');
                    i += 1;
                }
            }
        } else {
            if c == '\n' {
                line += 1;
            }
            code.push(c);
            i += 1;
        }
    }
    Scanned { literals, code }
}

/// The SQL statement in a string literal, if it holds one: `SELECT … FROM`,
/// `INSERT INTO`, `UPDATE … SET`, `DELETE FROM` (upper case, as the code
/// writes SQL), also across `\`-continued lines.
pub fn sql_in(literal: &str) -> Option<String> {
    let words: Vec<&str> = literal
        .split(|c: char| c.is_whitespace() || c == '\\')
        .filter(|w| !w.is_empty())
        .collect();
    fn word(w: &str) -> &str {
        w.trim_matches(|c: char| !c.is_alphanumeric() && c != '_')
    }
    let found = words.iter().enumerate().any(|(k, w)| {
        let after = |n: usize| words.get(k + n).map(|w| word(w)).unwrap_or_default();
        match word(w) {
            "SELECT" => words[k + 1..].iter().any(|w| word(w) == "FROM"),
            "INSERT" => after(1) == "INTO",
            "DELETE" => after(1) == "FROM",
            "UPDATE" => after(2) == "SET",
            _ => false,
        }
    });
    found.then(|| {
        let text = words.join(" ");
        match text.char_indices().nth(70) {
            Some((cut, _)) => format!("{}…", &text[..cut]),
            None => text,
        }
    })
}

/// Every `fn` with a body in blanked code: (name, first line, lines).
fn functions(code: &str) -> Vec<(String, usize, usize)> {
    let chars: Vec<char> = code.chars().collect();
    let mut line_at = Vec::with_capacity(chars.len());
    let mut line = 1;
    for &c in &chars {
        line_at.push(line);
        if c == '\n' {
            line += 1;
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i + 2 < chars.len() {
        let starts_word = i == 0 || !is_ident(chars[i - 1]);
        if !(starts_word && chars[i] == 'f' && chars[i + 1] == 'n' && chars[i + 2].is_whitespace())
        {
            i += 1;
            continue;
        }
        let mut j = i + 2;
        while j < chars.len() && chars[j].is_whitespace() {
            j += 1;
        }
        let name_start = j;
        while j < chars.len() && is_ident(chars[j]) {
            j += 1;
        }
        if j == name_start {
            i += 2;
            continue;
        }
        let name: String = chars[name_start..j].iter().collect();
        // The body's `{`, or a `;` for a declaration without one.
        let mut depth = 0i32;
        let mut open = None;
        while j < chars.len() {
            match chars[j] {
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                ';' if depth == 0 => break,
                '{' if depth == 0 => {
                    open = Some(j);
                    break;
                }
                _ => {}
            }
            j += 1;
        }
        let Some(open) = open else {
            i = j;
            continue;
        };
        let mut braces = 0i32;
        let mut k = open;
        while k < chars.len() {
            match chars[k] {
                '{' => braces += 1,
                '}' => {
                    braces -= 1;
                    if braces == 0 {
                        break;
                    }
                }
                _ => {}
            }
            k += 1;
        }
        let first = line_at[i];
        let last = line_at[k.min(chars.len() - 1)];
        out.push((name, first, last - first + 1));
        // Nested functions are measured on their own as well.
        i = open + 1;
    }
    out
}

/// `api/src/billing/worker.rs` → `["billing", "worker"]`; `lib.rs` → `[]`.
/// `None` for the binary's `main.rs`, which is another crate.
fn module_of(file: &str) -> Option<Vec<String>> {
    let rel = file.strip_prefix("api/src/")?.strip_suffix(".rs")?;
    if rel == "main" {
        return None;
    }
    if rel == "lib" {
        return Some(Vec::new());
    }
    let mut parts: Vec<String> = rel.split('/').map(str::to_owned).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    Some(parts)
}

/// Every path named as `crate::a::b…` in blanked code, `use crate::{…}`
/// groups expanded (not `$crate::`, whose macros expand elsewhere).
fn crate_paths(code: &str) -> BTreeSet<Vec<String>> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = BTreeSet::new();
    let mut i = 0;
    while let Some(p) = find(&chars, i, "crate::") {
        i = p + "crate::".len();
        if p > 0 && (is_ident(chars[p - 1]) || chars[p - 1] == '$') {
            continue;
        }
        paths_at(&chars, &mut i, Vec::new(), &mut out);
    }
    out
}

fn find(chars: &[char], from: usize, needle: &str) -> Option<usize> {
    let needle: Vec<char> = needle.chars().collect();
    (from..chars.len().saturating_sub(needle.len() - 1)).find(|&k| chars[k..].starts_with(&needle))
}

/// Reads `a::b::{c, d::e}` at `i` into full paths under `prefix`.
fn paths_at(chars: &[char], i: &mut usize, prefix: Vec<String>, out: &mut BTreeSet<Vec<String>>) {
    let mut path = prefix;
    loop {
        while *i < chars.len() && chars[*i].is_whitespace() {
            *i += 1;
        }
        if chars.get(*i) == Some(&'{') {
            *i += 1;
            loop {
                paths_at(chars, i, path.clone(), out);
                while *i < chars.len() && chars[*i].is_whitespace() {
                    *i += 1;
                }
                match chars.get(*i) {
                    Some(',') => *i += 1,
                    Some('}') => {
                        *i += 1;
                        return;
                    }
                    _ => return,
                }
                while *i < chars.len() && chars[*i].is_whitespace() {
                    *i += 1;
                }
                if chars.get(*i) == Some(&'}') {
                    *i += 1;
                    return;
                }
            }
        }
        let start = *i;
        while *i < chars.len() && is_ident(chars[*i]) {
            *i += 1;
        }
        if *i == start {
            break;
        }
        path.push(chars[start..*i].iter().collect());
        if chars[*i..].starts_with(&[':', ':']) {
            *i += 2;
        } else {
            break;
        }
    }
    if !path.is_empty() {
        out.insert(path);
    }
}

/// Pairs of files whose modules name each other.
fn cycles(
    modules: &BTreeMap<Vec<String>, String>,
    uses: &BTreeMap<String, BTreeSet<Vec<String>>>,
) -> Vec<(String, String)> {
    // Each path resolves to the file of its longest module prefix.
    let resolve = |path: &Vec<String>| -> Option<&String> {
        (0..=path.len())
            .rev()
            .find_map(|n| modules.get(&path[..n].to_vec()))
    };
    let mut edges: BTreeSet<(String, String)> = BTreeSet::new();
    for (file, paths) in uses {
        for path in paths {
            if let Some(target) = resolve(path)
                && target != file
            {
                edges.insert((file.clone(), target.clone()));
            }
        }
    }
    edges
        .iter()
        .filter(|(a, b)| a < b && edges.contains(&(b.clone(), a.clone())))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_is_found_across_continued_lines_and_in_raw_strings() {
        let src = "fn a() {\n    let q = \"SELECT id \\\n        FROM plans\";\n    // \"DELETE FROM x\"\n    let r = r#\"UPDATE t SET a = 1\"#;\n    let s = \"Select one from the list\";\n    let c = '\"';\n    let q = '\\'';\n    let t = \"INSERT INTO t (a) VALUES ($1)\";\n}\n";
        let scanned = scan(src);
        let found: Vec<usize> = scanned
            .literals
            .iter()
            .filter(|(_, l)| sql_in(l).is_some())
            .map(|(line, _)| *line)
            .collect();
        assert_eq!(found, vec![2, 5, 9]);
        assert_eq!(
            sql_in("SELECT id \\\n        FROM plans").as_deref(),
            Some("SELECT id FROM plans")
        );
        assert_eq!(scanned.code.lines().count(), src.lines().count());
    }

    #[test]
    fn functions_are_measured_from_signature_to_closing_brace() {
        let src = "fn short(a: [u8; 2]) -> u8 {\n    a[0]\n}\ntrait T {\n    fn decl(&self);\n}\nfn outer<'a>(x: &'a str) {\n    let f: fn() = || {};\n    fn inner() {\n    }\n}\n";
        let found = functions(&scan(src).code);
        let named: Vec<(&str, usize, usize)> = found
            .iter()
            .map(|(n, l, len)| (n.as_str(), *l, *len))
            .collect();
        assert_eq!(
            named,
            vec![("short", 1, 3), ("outer", 7, 5), ("inner", 9, 2)]
        );
    }

    #[test]
    fn crate_paths_expand_groups_and_cycles_are_pairs() {
        let a = crate_paths(
            &scan("use crate::b::{x, y::z};\nfn f() { crate::c::g(); $crate::d::h() }").code,
        );
        let want: BTreeSet<Vec<String>> = [vec!["b", "x"], vec!["b", "y", "z"], vec!["c", "g"]]
            .into_iter()
            .map(|p| p.into_iter().map(str::to_owned).collect())
            .collect();
        assert_eq!(a, want);
        let modules: BTreeMap<Vec<String>, String> = [("a", "a.rs"), ("b", "b.rs"), ("c", "c.rs")]
            .into_iter()
            .map(|(m, f)| (vec![m.to_owned()], f.to_owned()))
            .collect();
        let path = |p: &[&str]| p.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let uses: BTreeMap<String, BTreeSet<Vec<String>>> = [
            ("a.rs", vec![path(&["b", "x"]), path(&["c"])]),
            ("b.rs", vec![path(&["a", "f"])]),
            ("c.rs", vec![]),
        ]
        .into_iter()
        .map(|(f, p)| (f.to_owned(), p.into_iter().collect()))
        .collect();
        assert_eq!(
            cycles(&modules, &uses),
            vec![("a.rs".to_owned(), "b.rs".to_owned())]
        );
    }
}
