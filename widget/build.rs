//! Puts a minified copy of `src/style.css` into `OUT_DIR` with only the rules
//! this build can use: comments and indentation are left out of the wasm the
//! browser downloads, and so are the rules for classes that none of the compiled
//! sources names (the portal's rules in the checkout bundle and the other way
//! round; see the `checkout` and `portal` features).

use std::collections::BTreeSet;
use std::path::Path;
use std::{env, fs};

#[path = "build/css.rs"]
mod css;

use css::{class_names, minify, purge};

fn main() {
    println!("cargo::rerun-if-changed=src");
    let css = fs::read_to_string("src/style.css").unwrap_or_else(|e| panic!("src/style.css: {e}"));
    let out = env::var("OUT_DIR").unwrap_or_else(|e| panic!("OUT_DIR: {e}"));
    let mut sources = Vec::new();
    compiled_sources(Path::new("src"), &mut sources);
    let used: BTreeSet<String> = sources.iter().flat_map(|text| class_names(text)).collect();
    let css = purge(&minify(&css), &used);
    fs::write(Path::new(&out).join("style.min.css"), css)
        .unwrap_or_else(|e| panic!("style.min.css: {e}"));
}

/// The text of the `.rs` files under `dir` this build compiles: a module
/// declared right after `#[cfg(feature = "…")]` is left out, with its folder,
/// when that feature is off.
fn compiled_sources(dir: &Path, out: &mut Vec<String>) {
    let mut off = Vec::new();
    let mut files = Vec::new();
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "rs") {
            let text =
                fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let mut lines = text.lines().map(str::trim).peekable();
            while let Some(line) = lines.next() {
                let Some(feature) = line
                    .strip_prefix("#[cfg(feature = \"")
                    .and_then(|rest| rest.strip_suffix("\")]"))
                else {
                    continue;
                };
                let module = lines.peek().and_then(|next| {
                    next.strip_prefix("pub mod ")
                        .or_else(|| next.strip_prefix("mod "))?
                        .strip_suffix(';')
                });
                let enabled =
                    env::var_os(format!("CARGO_FEATURE_{}", feature.to_uppercase())).is_some();
                if let (Some(module), false) = (module, enabled) {
                    off.push(module.to_owned());
                }
            }
            files.push((path, Some(text)));
        } else if path.is_dir() {
            files.push((path, None));
        }
    }
    for (path, text) in files {
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        if stem.is_some_and(|s| off.contains(&s)) {
            continue;
        }
        match text {
            Some(text) => out.push(text),
            None => compiled_sources(&path, out),
        }
    }
}
