//! The widget's published files: `renewly.js` (the loader, a stable URL merchants
//! embed) next to each bundle's wasm-bindgen glue and wasm under content-hashed
//! names, so the API can serve those with year-long immutable cache headers. Each
//! file also gets `.gz` (zopfli: smaller than `gzip -9`, readable by every gzip
//! decoder) and `.br` siblings the API serves to browsers that accept them.
//!
//! A page downloads one bundle: the loader picks the smallest that has every
//! element on the page ([`BUNDLES`]).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::Result;

pub const LOADER: &str = "renewly.js";

/// One build of the widget.
pub struct Bundle {
    /// `renewly_<name>.js` and `renewly_<name>_bg.wasm` before hashing.
    pub name: &'static str,
    /// The widget's cargo features.
    pub features: &'static str,
    /// What pages it is for.
    pub elements: &'static str,
    /// What a page with this bundle may download (loader, glue, wasm; gzip as
    /// served) before `cargo xtask test` fails, so that growth is a decision
    /// rather than an accident. One family of elements: under 150 KB (153 600
    /// bytes), the goal (README, "Widget"); the full bundle: its size with a
    /// little room.
    pub gzip_budget: usize,
}

impl Bundle {
    /// The glue's name as wasm-bindgen writes it and the loader names it.
    pub fn glue(&self) -> String {
        format!("{}.js", self.out_name())
    }

    /// The wasm's name as wasm-bindgen writes it and the loader names it.
    pub fn wasm(&self) -> String {
        format!("{}_bg.wasm", self.out_name())
    }

    /// wasm-bindgen's `--out-name`.
    pub fn out_name(&self) -> String {
        format!("renewly_{}", self.name)
    }
}

/// The bundles, in the order the size report lists them.
pub const BUNDLES: [Bundle; 3] = [
    Bundle {
        name: "checkout",
        features: "checkout",
        elements: "pricing, checkout",
        gzip_budget: 150 * 1024,
    },
    Bundle {
        name: "portal",
        features: "portal",
        elements: "portal",
        gzip_budget: 150 * 1024,
    },
    Bundle {
        name: "all",
        features: "checkout,portal",
        elements: "pricing, checkout, portal",
        gzip_budget: 190 * 1024,
    },
];

/// The published names of one bundle.
pub struct PublishedBundle {
    pub bundle: &'static Bundle,
    pub glue: String,
    pub wasm: String,
}

/// The published file names in `dist`.
pub struct Published {
    pub loader: String,
    pub bundles: Vec<PublishedBundle>,
}

/// `stem-<16 hex of sha256>.ext`.
fn hashed(name: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}-{hash}.{ext}"),
        None => format!("{name}-{hash}"),
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

pub fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// gzip through zopfli: a standard gzip stream, a few percent smaller than
/// `gzip -9`, at the cost of build time.
pub fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    zopfli::compress(
        zopfli::Options::default(),
        zopfli::Format::Gzip,
        bytes,
        &mut out,
    )
    .map_err(|e| e.to_string())?;
    Ok(out)
}

pub fn brotli(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).map_err(|e| e.to_string())?;
    Ok(out)
}

/// Writes `name`, `name.gz` and `name.br` into `dist`.
fn write_compressed(dist: &Path, name: &str, bytes: &[u8]) -> Result {
    let path = dist.join(name);
    write(&path, bytes)?;
    write(
        &PathBuf::from(format!("{}.gz", path.display())),
        &gzip(bytes)?,
    )?;
    write(
        &PathBuf::from(format!("{}.br", path.display())),
        &brotli(bytes)?,
    )
}

/// Publishes what wasm-bindgen wrote into `staging` for every bundle to `dist`
/// (see the module docs), removing earlier builds' files.
pub fn publish(staging: &Path, dist: &Path, loader: &Path) -> Result<Published> {
    std::fs::create_dir_all(dist).map_err(|e| format!("cannot create {}: {e}", dist.display()))?;
    let mut loader_out = String::from_utf8(read(loader)?).map_err(|e| e.to_string())?;
    let mut published = Published {
        loader: LOADER.to_owned(),
        bundles: Vec::new(),
    };
    let mut keep = vec![LOADER.to_owned()];
    for bundle in &BUNDLES {
        let wasm = read(&staging.join(bundle.wasm()))?;
        let glue =
            String::from_utf8(read(&staging.join(bundle.glue()))?).map_err(|e| e.to_string())?;
        let glue = slim(&glue).into_bytes();
        let names = PublishedBundle {
            bundle,
            glue: hashed(&bundle.glue(), &glue),
            wasm: hashed(&bundle.wasm(), &wasm),
        };
        for (plain, hashed) in [(bundle.glue(), &names.glue), (bundle.wasm(), &names.wasm)] {
            let quoted = format!("\"{plain}\"");
            if !loader_out.contains(&quoted) {
                return Err(format!("{} must name {quoted}", loader.display()));
            }
            loader_out = loader_out.replace(&quoted, &format!("\"{hashed}\""));
        }
        write_compressed(dist, &names.glue, &glue)?;
        write_compressed(dist, &names.wasm, &wasm)?;
        keep.push(names.glue.clone());
        keep.push(names.wasm.clone());
        published.bundles.push(names);
    }
    write_compressed(dist, LOADER, slim(&loader_out).as_bytes())?;

    let keep: Vec<String> = keep
        .iter()
        .flat_map(|f| [f.clone(), format!("{f}.gz"), format!("{f}.br")])
        .collect();
    let entries =
        std::fs::read_dir(dist).map_err(|e| format!("cannot list {}: {e}", dist.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = name.starts_with("renewly");
        if ours && !keep.contains(&name) && entry.path().is_file() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    Ok(published)
}

/// A script (the glue, the loader) without its comments and indentation (about
/// a quarter of its bytes). Lines are only trimmed, never joined, so this is safe for any script
/// without a template literal spanning lines; a script with one is left whole.
fn slim(js: &str) -> String {
    let mut out = String::with_capacity(js.len());
    let mut in_comment = false;
    for line in js.lines() {
        let line = line.trim();
        if in_comment {
            in_comment = !line.contains("*/");
            continue;
        }
        if line.starts_with("/*") {
            in_comment = !line.contains("*/");
            continue;
        }
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        if line.matches('`').count() % 2 == 1 {
            return js.to_owned();
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The published names found in `dist` (for the size report).
pub fn find(dist: &Path) -> Result<Published> {
    let entries =
        std::fs::read_dir(dist).map_err(|e| format!("cannot list {}: {e}", dist.display()))?;
    let names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let pick = |prefix: String, ext: &str| {
        names
            .iter()
            .find(|n| n.starts_with(&prefix) && n.ends_with(ext))
            .cloned()
            .ok_or_else(|| format!("no {prefix}…{ext} in {}", dist.display()))
    };
    let mut bundles = Vec::new();
    for bundle in &BUNDLES {
        bundles.push(PublishedBundle {
            bundle,
            glue: pick(format!("{}-", bundle.out_name()), ".js")?,
            wasm: pick(format!("{}_bg-", bundle.out_name()), ".wasm")?,
        });
    }
    Ok(Published {
        loader: LOADER.to_owned(),
        bundles,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_glue_loses_comments_and_indentation_only() {
        let js = "/**\n * Docs with `code`.\n */\nexport function f(a) {\n    // why\n    return `${a} x`; // kept\n}\n/* one line */\n";
        assert_eq!(
            slim(js),
            "export function f(a) {\nreturn `${a} x`; // kept\n}\n"
        );
        let multi_line_template = "const s = `a\n    b`;\n";
        assert_eq!(slim(multi_line_template), multi_line_template);
    }

    #[test]
    fn hashed_names_change_with_the_content() {
        let a = hashed("renewly_checkout_bg.wasm", b"one");
        let b = hashed("renewly_checkout_bg.wasm", b"two");
        assert!(
            a.starts_with("renewly_checkout_bg-") && a.ends_with(".wasm"),
            "{a}"
        );
        assert_eq!(a.len(), "renewly_checkout_bg-".len() + 16 + ".wasm".len());
        assert_ne!(a, b);
        assert_eq!(a, hashed("renewly_checkout_bg.wasm", b"one"));
    }

    #[test]
    fn served_gzip_is_a_standard_gzip_stream() {
        use std::io::Read;
        let text = "renewly ".repeat(500);
        let packed = gzip(text.as_bytes()).unwrap();
        assert!(packed.len() < text.len() / 10, "{} bytes", packed.len());
        let mut back = String::new();
        flate2::read::GzDecoder::new(&packed[..])
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, text);
    }
}
