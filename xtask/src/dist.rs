//! The widget's published files: `renewly.js` (the loader, a stable URL merchants
//! embed) next to the wasm-bindgen glue and the wasm under content-hashed names, so
//! the API can serve those two with year-long immutable cache headers. Each file
//! also gets `.gz` and `.br` siblings the API serves to browsers that accept them.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::Result;

/// The names wasm-bindgen writes and the loader refers to.
pub const GLUE: &str = "renewly_widget.js";
pub const WASM: &str = "renewly_widget_bg.wasm";
pub const LOADER: &str = "renewly.js";

/// The published file names in `dist`.
pub struct Published {
    pub loader: String,
    pub glue: String,
    pub wasm: String,
}

impl Published {
    /// `(file, what)` in download order.
    pub fn files(&self) -> [(&str, &str); 3] {
        [
            (self.loader.as_str(), "loader"),
            (self.glue.as_str(), "glue"),
            (self.wasm.as_str(), "wasm"),
        ]
    }
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

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

pub fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).map_err(|e| e.to_string())?;
    enc.finish().map_err(|e| e.to_string())
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

/// Publishes what wasm-bindgen wrote into `staging` to `dist` (see the module
/// docs), removing earlier builds' files.
pub fn publish(staging: &Path, dist: &Path, loader: &Path) -> Result<Published> {
    let wasm = read(&staging.join(WASM))?;
    let glue = String::from_utf8(read(&staging.join(GLUE))?).map_err(|e| e.to_string())?;
    let glue = slim(&glue).into_bytes();
    let published = Published {
        loader: LOADER.to_owned(),
        glue: hashed(GLUE, &glue),
        wasm: hashed(WASM, &wasm),
    };
    let loader_src = String::from_utf8(read(loader)?).map_err(|e| e.to_string())?;
    if !loader_src.contains(&format!("\"{GLUE}\"")) || !loader_src.contains(&format!("\"{WASM}\""))
    {
        return Err(format!(
            "{} must name \"{GLUE}\" and \"{WASM}\"",
            loader.display()
        ));
    }
    let loader_out = loader_src
        .replace(&format!("\"{GLUE}\""), &format!("\"{}\"", published.glue))
        .replace(&format!("\"{WASM}\""), &format!("\"{}\"", published.wasm));

    std::fs::create_dir_all(dist).map_err(|e| format!("cannot create {}: {e}", dist.display()))?;
    let keep: Vec<String> = published
        .files()
        .iter()
        .flat_map(|(f, _)| [f.to_string(), format!("{f}.gz"), format!("{f}.br")])
        .collect();
    for (name, bytes) in [
        (&published.loader, loader_out.as_bytes()),
        (&published.glue, &glue[..]),
        (&published.wasm, &wasm[..]),
    ] {
        let path = dist.join(name);
        write(&path, bytes)?;
        write(
            &PathBuf::from(format!("{}.gz", path.display())),
            &gzip(bytes)?,
        )?;
        write(
            &PathBuf::from(format!("{}.br", path.display())),
            &brotli(bytes)?,
        )?;
    }
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

/// The glue without its comments and indentation (about a quarter of its
/// bytes). Lines are only trimmed, never joined, so this is safe for any script
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
    let pick = |prefix: &str, ext: &str| {
        names
            .iter()
            .find(|n| n.starts_with(prefix) && n.ends_with(ext))
            .cloned()
            .ok_or_else(|| format!("no {prefix}…{ext} in {}", dist.display()))
    };
    Ok(Published {
        loader: LOADER.to_owned(),
        glue: pick("renewly_widget-", ".js")?,
        wasm: pick("renewly_widget_bg-", ".wasm")?,
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
        let a = hashed("renewly_widget_bg.wasm", b"one");
        let b = hashed("renewly_widget_bg.wasm", b"two");
        assert!(
            a.starts_with("renewly_widget_bg-") && a.ends_with(".wasm"),
            "{a}"
        );
        assert_eq!(a.len(), "renewly_widget_bg-".len() + 16 + ".wasm".len());
        assert_ne!(a, b);
        assert_eq!(a, hashed("renewly_widget_bg.wasm", b"one"));
    }
}
