//! The stylesheet's build step (`build/css.rs`): minifying, and leaving out the
//! rules a bundle cannot use.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../build/css.rs"]
mod css;

use std::collections::BTreeSet;

use css::{class_names, minify, purge};

fn used(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

#[test]
fn minifying_drops_comments_and_spacing_but_not_meaning() {
    let css = "/* note */\n.rw-a  >  .rw-b {\n  color: red;\n  margin: 0 auto;\n}\n.rw-a :hover { content: \"a  b\"; }\n";
    assert_eq!(
        minify(css),
        ".rw-a>.rw-b{color: red;margin: 0 auto}.rw-a :hover{content: \"a  b\"}"
    );
}

#[test]
fn rules_for_classes_no_source_names_are_left_out() {
    let css = minify(
        ":host { all: initial; }
         .rw-plan, .rw-sub { padding: 1px; }
         .rw-sub h4 { margin: 0; }
         .rw-plan:not(.rw-sub) { color: red; }
         button { font: inherit; }
         @keyframes rw-spin { to { transform: rotate(360deg); } }
         @container rw-root (min-width: 700px) { .rw-sub { gap: 2px; } }
         @container rw-root (max-width: 400px) { .rw-plan { gap: 1px; } .rw-sub { gap: 3px; } }",
    );
    assert_eq!(
        purge(&css, &used(&["rw-plan"])),
        ":host{all: initial}.rw-plan{padding: 1px}.rw-plan:not(.rw-sub){color: red}\
         button{font: inherit}@keyframes rw-spin{to{transform: rotate(360deg)}}\
         @container rw-root (max-width: 400px){.rw-plan{gap: 1px}}"
    );
    assert_eq!(purge(&css, &used(&["rw-plan", "rw-sub"])), css);
}

#[test]
fn class_names_are_found_in_rust_sources() {
    let source =
        r#"html! { <div class={classes!("rw-plan", x.then_some("rw-featured"))} id="rw-email"> }"#;
    let names: Vec<String> = class_names(source).collect();
    assert_eq!(names, ["rw-plan", "rw-featured", "rw-email"]);
}

#[test]
fn every_rule_of_the_stylesheet_is_used_by_some_element() {
    let mut names = BTreeSet::new();
    let mut dirs = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                names.extend(class_names(&std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let css = minify(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/style.css")).unwrap(),
    );
    assert_eq!(
        purge(&css, &names),
        css,
        "a rule names a class no source uses"
    );
}
