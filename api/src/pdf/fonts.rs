//! The typeface of our documents: DejaVu Sans, shipped in `api/assets/fonts`
//! (Bitstream Vera licence, see `LICENSE-DejaVu.txt` there).
//!
//! The 14 built-in PDF fonts only cover Latin-1, and customers are called
//! Łukasz and Ðorđević. Each document embeds a subset of the face holding just
//! the glyphs it uses (a few kilobytes instead of 750).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use printpdf::ParsedFont;

use super::PdfError;

static REGULAR_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// A weight of the face.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Weight {
    Regular,
    Bold,
}

/// The metrics of one weight: which glyph draws a character and how wide it is.
pub struct Face {
    ttf: &'static [u8],
    glyphs: BTreeMap<u32, u16>,
    widths: BTreeMap<u16, u16>,
    units_per_em: f32,
}

static REGULAR: LazyLock<Option<Face>> = LazyLock::new(|| Face::parse(REGULAR_TTF));
static BOLD: LazyLock<Option<Face>> = LazyLock::new(|| Face::parse(BOLD_TTF));

/// The face of a weight, parsed once.
pub fn face(weight: Weight) -> Result<&'static Face, PdfError> {
    let face = match weight {
        Weight::Regular => &*REGULAR,
        Weight::Bold => &*BOLD,
    };
    face.as_ref()
        .ok_or_else(|| PdfError::Font("the embedded DejaVu Sans font does not parse".into()))
}

impl Face {
    fn parse(ttf: &'static [u8]) -> Option<Self> {
        let parsed = ParsedFont::from_bytes(ttf, 0, &mut Vec::new())?;
        Some(Self {
            ttf,
            glyphs: parsed.codepoint_to_glyph,
            widths: parsed.glyph_widths,
            units_per_em: f32::from(parsed.units_per_em.max(1)),
        })
    }

    fn glyph(&self, c: char) -> u16 {
        self.glyphs.get(&u32::from(c)).copied().unwrap_or(0)
    }

    /// The advance width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let units: u32 = text
            .chars()
            .map(|c| u32::from(self.widths.get(&self.glyph(c)).copied().unwrap_or(0)))
            .sum();
        units as f32 / self.units_per_em * size
    }

    /// A font program with only the glyphs of `chars` (plus `.notdef`), ready to
    /// embed. Characters the face lacks draw as `.notdef`.
    pub fn subset(&self, chars: &BTreeSet<char>) -> Result<ParsedFont, PdfError> {
        use allsorts::binary::read::ReadScope;
        use allsorts::font_data::FontData;
        use allsorts::subset::{CmapTarget, SubsetProfile, subset};

        let ids: BTreeSet<u16> = chars.iter().map(|c| self.glyph(*c)).collect();
        // `.notdef` must come first; the set is sorted, so 0 already does.
        let ids: Vec<u16> = std::iter::once(0)
            .chain(ids.into_iter().filter(|g| *g != 0))
            .collect();
        let font = ReadScope::new(self.ttf)
            .read::<FontData<'_>>()
            .map_err(|e| PdfError::Font(e.to_string()))?;
        let provider = font
            .table_provider(0)
            .map_err(|e| PdfError::Font(e.to_string()))?;
        let bytes = subset(&provider, &ids, &SubsetProfile::Pdf, CmapTarget::Unicode)
            .map_err(|e| PdfError::Font(e.to_string()))?;
        ParsedFont::from_bytes(&bytes, 0, &mut Vec::new())
            .ok_or_else(|| PdfError::Font("the font subset does not parse".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_weights_parse_and_measure() {
        let regular = face(Weight::Regular).unwrap();
        let bold = face(Weight::Bold).unwrap();
        let w = regular.width("Invoice", 10.0);
        assert!(w > 25.0 && w < 45.0, "{w}");
        assert!(bold.width("Invoice", 10.0) > w);
        assert!(regular.width("Łukasz Żółć", 10.0) > 0.0);
    }

    #[test]
    fn a_subset_keeps_the_characters_it_was_made_for() {
        let regular = face(Weight::Regular).unwrap();
        let chars: BTreeSet<char> = "Łukasz Ðorđević €".chars().collect();
        let sub = regular.subset(&chars).unwrap();
        for c in &chars {
            assert!(sub.lookup_glyph_index(u32::from(*c)).is_some(), "{c}");
        }
        assert!(
            sub.original_bytes.len() < 40_000,
            "{}",
            sub.original_bytes.len()
        );
    }
}
