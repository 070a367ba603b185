//! A small drawing surface over printpdf: A4 pages measured in points from the
//! top-left corner, text that can be measured, aligned and wrapped, filled
//! rectangles and rules. The layout code speaks only this.

use std::collections::{BTreeMap, BTreeSet};

use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFont, PdfFontHandle,
    PdfPage, PdfSaveOptions, Point, Pt, Rect, Rgb, TextItem,
};

use super::PdfError;
use super::fonts::{Weight, face};

/// A4 in points.
pub const PAGE_WIDTH: f32 = 595.28;
pub const PAGE_HEIGHT: f32 = 841.89;

/// A colour, 0.0–1.0 per channel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Colour(pub f32, pub f32, pub f32);

impl Colour {
    /// From `0xRRGGBB`.
    pub const fn hex(rgb: u32) -> Self {
        Self(
            ((rgb >> 16) & 0xff) as f32 / 255.0,
            ((rgb >> 8) & 0xff) as f32 / 255.0,
            (rgb & 0xff) as f32 / 255.0,
        )
    }

    fn pdf(self) -> Color {
        Color::Rgb(Rgb::new(self.0, self.1, self.2, None))
    }
}

/// How text is set.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub size: f32,
    pub weight: Weight,
    pub colour: Colour,
}

impl Style {
    pub const fn new(size: f32, weight: Weight, colour: Colour) -> Self {
        Self {
            size,
            weight,
            colour,
        }
    }
}

/// Where `x` is on a line of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

enum Item {
    Text {
        x: f32,
        baseline: f32,
        style: Style,
        text: String,
    },
    Rect {
        x: f32,
        top: f32,
        width: f32,
        height: f32,
        fill: Colour,
    },
    Rule {
        x1: f32,
        x2: f32,
        y: f32,
        thickness: f32,
        colour: Colour,
    },
}

/// Pages being drawn. Coordinates are points from the top-left corner.
#[derive(Default)]
pub struct Canvas {
    pages: Vec<Vec<Item>>,
}

impl Canvas {
    /// A canvas with one empty page.
    pub fn new() -> Self {
        Self {
            pages: vec![Vec::new()],
        }
    }

    /// Starts a new page; drawing continues there.
    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
    }

    /// The number of pages so far.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Draws on page `index` (0-based) instead of the last one, e.g. footers.
    pub fn on_page(&mut self, index: usize) -> PageRef<'_> {
        let index = index.min(self.pages.len() - 1);
        PageRef {
            items: &mut self.pages[index],
        }
    }

    fn current(&mut self) -> PageRef<'_> {
        let last = self.pages.len() - 1;
        self.on_page(last)
    }

    /// The width of `text` in `style`.
    pub fn width(text: &str, style: Style) -> f32 {
        face(style.weight)
            .map(|f| f.width(text, style.size))
            .unwrap_or(0.0)
    }

    /// Sets one line of text; `x` is its left or right end.
    pub fn text(&mut self, x: f32, baseline: f32, text: &str, style: Style, align: Align) {
        self.current().text(x, baseline, text, style, align);
    }

    /// A filled rectangle.
    pub fn rect(&mut self, x: f32, top: f32, width: f32, height: f32, fill: Colour) {
        self.current().items.push(Item::Rect {
            x,
            top,
            width,
            height,
            fill,
        });
    }

    /// A horizontal rule.
    pub fn rule(&mut self, x1: f32, x2: f32, y: f32, thickness: f32, colour: Colour) {
        self.current().rule(x1, x2, y, thickness, colour);
    }

    /// Breaks `text` into lines no wider than `max_width`, at spaces where it can
    /// and inside a word only when the word alone is too wide.
    pub fn wrap(text: &str, max_width: f32, style: Style) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.lines() {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if Self::width(&candidate, style) <= max_width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // A word wider than the column is cut where it must be.
                let mut piece = String::new();
                for c in word.chars() {
                    piece.push(c);
                    if Self::width(&piece, style) > max_width && piece.chars().count() > 1 {
                        piece.pop();
                        lines.push(std::mem::take(&mut piece));
                        piece.push(c);
                    }
                }
                line = piece;
            }
            lines.push(line);
        }
        if lines.is_empty() {
            lines.push(String::new());
        }
        lines
    }

    /// The finished PDF. `created` (the document's date) is written as its
    /// creation and modification date, and the trailer id is derived from
    /// `identifier`, so one document always gives the same bytes.
    pub fn render(
        self,
        title: &str,
        author: &str,
        identifier: &str,
        created: printpdf::OffsetDateTime,
    ) -> Result<Vec<u8>, PdfError> {
        let mut used: BTreeMap<Weight, BTreeSet<char>> = BTreeMap::new();
        for page in &self.pages {
            for item in page {
                if let Item::Text { style, text, .. } = item {
                    used.entry(style.weight).or_default().extend(text.chars());
                }
            }
        }
        let mut doc = PdfDocument::new(title);
        let info = &mut doc.metadata.info;
        info.creation_date = created;
        info.modification_date = created;
        info.metadata_date = created;
        info.author = author.to_owned();
        info.creator = "Renewly".to_owned();
        info.producer = "Renewly".to_owned();
        info.identifier = identifier.to_owned();
        // Fixed resource names (printpdf would pick random ones).
        for (weight, chars) in &used {
            let program = face(*weight)?.subset(chars)?;
            doc.resources
                .fonts
                .map
                .insert(font_id(*weight), PdfFont::new(program));
        }
        let pages = self
            .pages
            .into_iter()
            .map(|items| {
                let ops = items.into_iter().flat_map(ops).collect();
                PdfPage::new(Mm::from(Pt(PAGE_WIDTH)), Mm::from(Pt(PAGE_HEIGHT)), ops)
            })
            .collect();
        let mut warnings = Vec::new();
        let bytes = doc
            .with_pages(pages)
            .save(&PdfSaveOptions::default(), &mut warnings);
        if !bytes.starts_with(b"%PDF") {
            return Err(PdfError::Render(format!("{warnings:?}")));
        }
        Ok(stable_trailer_id(bytes, identifier))
    }
}

/// Drawing on one page.
pub struct PageRef<'a> {
    items: &'a mut Vec<Item>,
}

impl PageRef<'_> {
    /// Sets one line of text; `x` is its left or right end.
    pub fn text(&mut self, x: f32, baseline: f32, text: &str, style: Style, align: Align) {
        if text.is_empty() {
            return;
        }
        let x = match align {
            Align::Left => x,
            Align::Right => x - Canvas::width(text, style),
        };
        self.items.push(Item::Text {
            x,
            baseline,
            style,
            text: text.to_owned(),
        });
    }

    /// A horizontal rule.
    pub fn rule(&mut self, x1: f32, x2: f32, y: f32, thickness: f32, colour: Colour) {
        self.items.push(Item::Rule {
            x1,
            x2,
            y,
            thickness,
            colour,
        });
    }
}

fn font_id(weight: Weight) -> FontId {
    FontId(
        match weight {
            Weight::Regular => "DejaVuSans",
            Weight::Bold => "DejaVuSansBold",
        }
        .to_owned(),
    )
}

fn point(x: f32, top: f32) -> Point {
    Point {
        x: Pt(x),
        y: Pt(PAGE_HEIGHT - top),
    }
}

fn ops(item: Item) -> Vec<Op> {
    match item {
        Item::Text {
            x,
            baseline,
            style,
            text,
        } => vec![
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(font_id(style.weight)),
                size: Pt(style.size),
            },
            Op::SetFillColor {
                col: style.colour.pdf(),
            },
            Op::SetTextCursor {
                pos: point(x, baseline),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text)],
            },
            Op::EndTextSection,
        ],
        Item::Rect {
            x,
            top,
            width,
            height,
            fill,
        } => vec![
            Op::SetFillColor { col: fill.pdf() },
            Op::DrawRectangle {
                rectangle: Rect {
                    x: Pt(x),
                    y: Pt(PAGE_HEIGHT - top - height),
                    width: Pt(width),
                    height: Pt(height),
                    mode: Some(PaintMode::Fill),
                    winding_order: None,
                },
            },
        ],
        Item::Rule {
            x1,
            x2,
            y,
            thickness,
            colour,
        } => vec![
            Op::SetOutlineColor { col: colour.pdf() },
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::DrawLine {
                line: Line {
                    points: vec![
                        LinePoint {
                            p: point(x1, y),
                            bezier: false,
                        },
                        LinePoint {
                            p: point(x2, y),
                            bezier: false,
                        },
                    ],
                    is_closed: false,
                },
            },
        ],
    }
}

/// printpdf writes a random `/ID` in the trailer. It is replaced, at the same
/// length so no offset moves, by one derived from the document's identifier.
fn stable_trailer_id(mut bytes: Vec<u8>, identifier: &str) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let Some(at) = find_last(&bytes, b"/ID") else {
        return bytes;
    };
    let digest = hex::encode(Sha256::digest(identifier.as_bytes()));
    let mut fill = digest.bytes().cycle();
    let mut inside = false;
    for b in bytes[at + 3..].iter_mut() {
        match *b {
            b'(' => inside = true,
            b')' => inside = false,
            b']' if !inside => break,
            _ if inside => *b = fill.next().unwrap_or(b'0'),
            _ => {}
        }
    }
    bytes
}

fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}
