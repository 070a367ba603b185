//! The layout of an invoice: letterhead, parties, dates, lines, tax, totals,
//! status and the legal mentions.

use renewly_types::{Invoice, InvoiceLine, Merchant};
use rust_decimal::Decimal;

use super::canvas::{Align, Canvas, Colour, PAGE_HEIGHT, PAGE_WIDTH, Style};
use super::fonts::Weight::{Bold, Regular};
use crate::format::{self, Lang};
use crate::i18n::InvoicePdfWords;

const MARGIN: f32 = 48.0;
const RIGHT: f32 = PAGE_WIDTH - MARGIN;
/// Where the right-hand column (dates, totals) starts.
const COLUMN: f32 = 330.0;
/// Rows stop above the footer.
const BOTTOM: f32 = PAGE_HEIGHT - 72.0;

const INK: Colour = Colour::hex(0x1f2430);
const MUTED: Colour = Colour::hex(0x6b7280);
const ACCENT: Colour = Colour::hex(0x2f4b8a);
const HAIRLINE: Colour = Colour::hex(0xd8dce3);
const SHADE: Colour = Colour::hex(0xf2f4f8);
const GREEN: Colour = Colour::hex(0x15803d);
const GREEN_BG: Colour = Colour::hex(0xdcfce7);
const AMBER: Colour = Colour::hex(0xb45309);
const AMBER_BG: Colour = Colour::hex(0xfef3c7);
const GREY_BG: Colour = Colour::hex(0xe5e7eb);
const RED: Colour = Colour::hex(0xb91c1c);
const RED_BG: Colour = Colour::hex(0xfee2e2);

const BODY: Style = Style::new(9.0, Regular, INK);
const BODY_BOLD: Style = Style::new(9.0, Bold, INK);
const SMALL: Style = Style::new(8.0, Regular, MUTED);
const LABEL: Style = Style::new(7.5, Bold, MUTED);

/// Table columns: left edge, width, alignment.
const COLUMNS: [(f32, f32, Align); 7] = [
    (MARGIN, 150.0, Align::Left),
    (MARGIN + 150.0, 98.0, Align::Left),
    (MARGIN + 248.0, 34.0, Align::Right),
    (MARGIN + 282.0, 60.0, Align::Right),
    (MARGIN + 342.0, 52.0, Align::Right),
    (MARGIN + 394.0, 40.0, Align::Right),
    (MARGIN + 434.0, RIGHT - MARGIN - 434.0, Align::Right),
];

/// Draws the whole invoice.
pub fn draw(merchant: &Merchant, invoice: &Invoice, lang: Lang) -> Canvas {
    let words = &lang.strings().invoice_pdf;
    let mut page = Layout {
        canvas: Canvas::new(),
        merchant,
        invoice,
        lang,
        words,
    };
    let mut y = page.letterhead();
    y = page.parties(y + 22.0);
    y = page.lines(y + 26.0);
    page.totals(y + 14.0);
    page.footers();
    page.canvas
}

struct Layout<'a> {
    canvas: Canvas,
    merchant: &'a Merchant,
    invoice: &'a Invoice,
    lang: Lang,
    words: &'static InvoicePdfWords,
}

impl Layout<'_> {
    fn money(&self, amount: Decimal) -> String {
        format::money(amount, &self.invoice.currency, self.lang)
    }

    /// Merchant on the left, title, number and status on the right. Returns the
    /// lowest y used.
    fn letterhead(&mut self) -> f32 {
        let c = &mut self.canvas;
        c.rect(0.0, 0.0, PAGE_WIDTH, 6.0, ACCENT);
        let name_style = Style::new(15.0, Bold, INK);
        let mut left = 64.0;
        for line in Canvas::wrap(&self.merchant.name, COLUMN - MARGIN - 10.0, name_style) {
            c.text(MARGIN, left, &line, name_style, Align::Left);
            left += 18.0;
        }
        left -= 2.0;
        for line in format::address_lines(&self.merchant.address, self.lang) {
            c.text(MARGIN, left, &line, SMALL, Align::Left);
            left += 11.0;
        }
        if let Some(vat) = &self.merchant.vat_number {
            c.text(
                MARGIN,
                left,
                &format!("{} {vat}", self.words.vat.to_uppercase()),
                SMALL,
                Align::Left,
            );
            left += 11.0;
        }

        let title = Style::new(24.0, Bold, ACCENT);
        c.text(RIGHT, 68.0, self.words.invoice, title, Align::Right);
        c.text(
            RIGHT,
            86.0,
            &self.invoice.number,
            Style::new(11.0, Regular, INK),
            Align::Right,
        );
        let right = self.badge(96.0);
        left.max(right)
    }

    /// The status in a coloured pill under the number.
    fn badge(&mut self, top: f32) -> f32 {
        let (text, ink, fill) = match self.invoice.status.as_str() {
            "paid" => (self.words.status_paid.to_owned(), GREEN, GREEN_BG),
            "open" => (
                format!(
                    "{} · {} {}",
                    self.words.status_open,
                    self.money(self.invoice.amount_due),
                    self.words.due.to_lowercase()
                ),
                AMBER,
                AMBER_BG,
            ),
            "uncollectible" => (self.invoice.status.to_uppercase(), RED, RED_BG),
            other => (other.to_uppercase(), MUTED, GREY_BG),
        };
        let style = Style::new(8.5, Bold, ink);
        let width = Canvas::width(&text, style) + 16.0;
        self.canvas.rect(RIGHT - width, top, width, 17.0, fill);
        self.canvas
            .text(RIGHT - 8.0, top + 11.8, &text, style, Align::Right);
        top + 17.0
    }

    /// Bill-to on the left, the dates on the right. Returns the lowest y used.
    fn parties(&mut self, top: f32) -> f32 {
        let c = &mut self.canvas;
        c.rule(MARGIN, RIGHT, top, 0.6, HAIRLINE);
        let mut left = top + 22.0;
        c.text(MARGIN, left, self.words.bill_to, LABEL, Align::Left);
        left += 14.0;
        let to = &self.invoice.bill_to;
        let width = COLUMN - MARGIN - 20.0;
        let mut block: Vec<(String, Style)> = Vec::new();
        let name = to.name.as_deref().filter(|n| !n.trim().is_empty());
        let company = to.company.as_deref().filter(|n| !n.trim().is_empty());
        match (company, name) {
            (Some(company), Some(name)) => {
                block.push((company.to_owned(), Style::new(10.0, Bold, INK)));
                block.push((name.to_owned(), BODY));
            }
            (Some(one), None) | (None, Some(one)) => {
                block.push((one.to_owned(), Style::new(10.0, Bold, INK)));
            }
            (None, None) => block.push((to.email.clone(), Style::new(10.0, Bold, INK))),
        }
        for line in format::address_lines(&to.address, self.lang) {
            block.push((line, BODY));
        }
        if let Some(vat) = to.vat_number.as_deref().filter(|v| !v.trim().is_empty()) {
            block.push((format!("{} {vat}", self.words.vat.to_uppercase()), BODY));
        }
        if name.is_some() || company.is_some() {
            block.push((to.email.clone(), Style::new(9.0, Regular, MUTED)));
        }
        for (text, style) in block {
            for line in Canvas::wrap(&text, width, style) {
                c.text(MARGIN, left, &line, style, Align::Left);
                left += 12.5;
            }
        }

        let mut right = top + 22.0;
        let mut facts = vec![
            (self.words.number, self.invoice.number.clone()),
            (
                self.words.issue_date,
                format::date(&self.invoice.issue_date, self.lang),
            ),
            (
                self.words.due_date,
                format::date(&self.invoice.due_date, self.lang),
            ),
        ];
        if let (Some(s), Some(e)) = (&self.invoice.period_start, &self.invoice.period_end) {
            facts.push((self.words.period, format::period(s, e, self.lang)));
        }
        for (label, value) in facts {
            c.text(
                COLUMN,
                right,
                label,
                Style::new(9.0, Regular, MUTED),
                Align::Left,
            );
            c.text(RIGHT, right, &value, BODY_BOLD, Align::Right);
            right += 15.0;
        }
        left.max(right)
    }

    fn table_header(&mut self, top: f32) -> f32 {
        self.canvas.rect(MARGIN, top, RIGHT - MARGIN, 20.0, SHADE);
        for ((x, w, align), title) in COLUMNS.iter().zip(self.words.columns) {
            let x = match align {
                Align::Left => x + 6.0,
                Align::Right => x + w - 6.0,
            };
            self.canvas.text(x, top + 13.5, title, LABEL, *align);
        }
        top + 20.0
    }

    /// The line items, over as many pages as they need. Returns the y below them.
    fn lines(&mut self, top: f32) -> f32 {
        let mut y = self.table_header(top);
        for line in &self.invoice.lines {
            let cells = self.cells(line);
            let wrapped: Vec<Vec<String>> = cells
                .iter()
                .zip(COLUMNS)
                .map(|(text, (_, w, _))| Canvas::wrap(text, w - 12.0, BODY))
                .collect();
            let rows = wrapped.iter().map(Vec::len).max().unwrap_or(1) as f32;
            let height = rows * 11.5 + 12.0;
            if y + height > BOTTOM {
                y = self.continuation_page();
            }
            for (lines, (x, w, align)) in wrapped.iter().zip(COLUMNS) {
                let x = match align {
                    Align::Left => x + 6.0,
                    Align::Right => x + w - 6.0,
                };
                for (i, text) in lines.iter().enumerate() {
                    self.canvas
                        .text(x, y + 15.0 + i as f32 * 11.5, text, BODY, align);
                }
            }
            y += height;
            self.canvas.rule(MARGIN, RIGHT, y, 0.5, HAIRLINE);
        }
        y
    }

    fn cells(&self, line: &InvoiceLine) -> [String; 7] {
        let mut period = match (&line.period_start, &line.period_end) {
            (Some(s), Some(e)) => format::period(s, e, self.lang),
            _ => String::new(),
        };
        if Canvas::width(&period, BODY) > COLUMNS[1].1 - 12.0 {
            // Break after the dash rather than inside a date.
            period = period.replacen(" – ", " –\n", 1);
        }
        let discount = if line.discount.is_zero() {
            "–".to_owned()
        } else {
            format!("-{}", self.money(line.discount))
        };
        [
            line.description.clone(),
            period,
            line.quantity.to_string(),
            self.money(line.unit_amount),
            discount,
            format::rate(line.tax_rate, self.lang),
            self.money(line.net),
        ]
    }

    /// A new page that says whose invoice it continues. Returns the y to go on at.
    fn continuation_page(&mut self) -> f32 {
        self.canvas.new_page();
        self.canvas.rect(0.0, 0.0, PAGE_WIDTH, 6.0, ACCENT);
        let title = format!(
            "{} {} ({})",
            self.words.invoice, self.invoice.number, self.words.continued
        );
        self.canvas.text(
            MARGIN,
            48.0,
            &title,
            Style::new(11.0, Bold, INK),
            Align::Left,
        );
        self.table_header(64.0)
    }

    /// Subtotal, tax per rate, total, paid and due on the right; the status
    /// sentence and any legal mention on the left.
    fn totals(&mut self, top: f32) {
        let rows = self.tax_rows();
        let note = self
            .invoice
            .tax_note
            .as_deref()
            .filter(|n| !n.trim().is_empty());
        let left_width = COLUMN - MARGIN - 24.0;
        let note_lines = note
            .map(|n| Canvas::wrap(n, left_width - 20.0, SMALL))
            .unwrap_or_default();
        let status = self.status_sentence();
        let status_lines = Canvas::wrap(&status, left_width, BODY);
        let right_height = rows.len() as f32 * 17.0 + 90.0;
        let left_height = status_lines.len() as f32 * 12.5
            + if note_lines.is_empty() {
                0.0
            } else {
                note_lines.len() as f32 * 10.5 + 40.0
            };
        let mut y = top;
        if y + right_height.max(left_height) > BOTTOM {
            y = self.continuation_page() + 14.0;
        }
        self.figures(y, &rows);
        self.status_and_note(y, &status_lines, &note_lines, left_width);
    }

    /// Subtotal and the tax per rate: (label, amount).
    fn tax_rows(&self) -> Vec<(String, String)> {
        let inv = self.invoice;
        let mut rows = vec![(self.words.subtotal.to_owned(), self.money(inv.subtotal))];
        for b in &inv.tax_breakdown {
            // Names often carry the rate already ("VAT 21%").
            let name = if b.name.contains('%') {
                b.name.clone()
            } else {
                format!("{} {}", b.name, format::rate(b.rate, self.lang))
            };
            let label = format!("{name} {} {}", self.words.tax_on, self.money(b.net));
            rows.push((label, self.money(b.tax)));
        }
        if inv.tax_breakdown.is_empty() {
            rows.push((self.words.vat.to_owned(), self.money(inv.tax)));
        }
        rows
    }

    /// The right column: the rows, the total, what was paid and what is due.
    fn figures(&mut self, y: f32, rows: &[(String, String)]) {
        let inv = self.invoice;
        let (total, paid, due_amount) = (
            self.money(inv.total),
            format!("-{}", self.money(inv.amount_paid)),
            self.money(inv.amount_due),
        );
        let muted = Style::new(9.0, Regular, MUTED);
        let c = &mut self.canvas;
        let mut r = y + 12.0;
        for (label, value) in rows {
            c.text(COLUMN + 8.0, r, label, muted, Align::Left);
            c.text(RIGHT, r, value, BODY, Align::Right);
            r += 17.0;
        }
        c.rule(COLUMN, RIGHT, r - 8.0, 0.8, INK);
        r += 8.0;
        let big = Style::new(11.5, Bold, INK);
        c.text(COLUMN + 8.0, r, self.words.total, big, Align::Left);
        c.text(RIGHT, r, &total, big, Align::Right);
        r += 18.0;
        if !inv.amount_paid.is_zero() {
            c.text(COLUMN + 8.0, r, self.words.paid, muted, Align::Left);
            c.text(RIGHT, r, &paid, BODY, Align::Right);
            r += 14.0;
        }
        let (ink, fill) = if inv.amount_due.is_zero() {
            (GREEN, GREEN_BG)
        } else {
            (AMBER, AMBER_BG)
        };
        c.rect(COLUMN, r - 6.0, RIGHT - COLUMN, 24.0, fill);
        let due = Style::new(10.5, Bold, ink);
        c.text(COLUMN + 8.0, r + 10.0, self.words.due, due, Align::Left);
        c.text(RIGHT - 8.0, r + 10.0, &due_amount, due, Align::Right);
    }

    /// The left column: what to do, and the legal mention.
    fn status_and_note(&mut self, y: f32, status: &[String], note: &[String], width: f32) {
        let c = &mut self.canvas;
        let mut l = y + 12.0;
        for line in status {
            c.text(MARGIN, l, line, BODY, Align::Left);
            l += 12.5;
        }
        if note.is_empty() {
            return;
        }
        l += 8.0;
        let height = note.len() as f32 * 10.5 + 26.0;
        c.rect(MARGIN, l, width, height, SHADE);
        c.rect(MARGIN, l, 3.0, height, ACCENT);
        c.text(
            MARGIN + 12.0,
            l + 15.0,
            self.words.reverse_charge,
            LABEL,
            Align::Left,
        );
        let mut n = l + 28.0;
        for line in note {
            c.text(
                MARGIN + 12.0,
                n,
                line,
                Style::new(8.0, Regular, INK),
                Align::Left,
            );
            n += 10.5;
        }
    }

    fn status_sentence(&self) -> String {
        let inv = self.invoice;
        match inv.status.as_str() {
            "paid" => self.words.paid_on.replace(
                "{date}",
                &format::date(inv.paid_at.as_deref().unwrap_or(&inv.issue_date), self.lang),
            ),
            "open" if !inv.amount_due.is_zero() => self
                .words
                .pay_by
                .replace("{amount}", &self.money(inv.amount_due))
                .replace("{date}", &format::date(&inv.due_date, self.lang)),
            _ => self.words.thanks.to_owned(),
        }
    }

    /// The merchant's details and the page number at the foot of every page.
    fn footers(&mut self) {
        let pages = self.canvas.page_count();
        let mut parts = vec![self.merchant.name.clone()];
        if let Some(vat) = &self.merchant.vat_number {
            parts.push(format!("{} {vat}", self.words.vat.to_uppercase()));
        }
        parts.extend(format::address_lines(&self.merchant.address, self.lang));
        let foot = Style::new(7.5, Regular, MUTED);
        let y = PAGE_HEIGHT - 36.0;
        for i in 0..pages {
            let number = format!(
                "{} · {} {} {} {}",
                self.invoice.number,
                self.words.page,
                i + 1,
                self.words.of,
                pages
            );
            let mut page = self.canvas.on_page(i);
            page.rule(MARGIN, RIGHT, y - 12.0, 0.5, HAIRLINE);
            let room = RIGHT - MARGIN - Canvas::width(&number, foot) - 20.0;
            // As many of the merchant's details as fit, whole.
            let mut who = String::new();
            for part in &parts {
                let longer = if who.is_empty() {
                    part.clone()
                } else {
                    format!("{who} · {part}")
                };
                if Canvas::width(&longer, foot) > room {
                    break;
                }
                who = longer;
            }
            page.text(MARGIN, y, &who, foot, Align::Left);
            page.text(RIGHT, y, &number, foot, Align::Right);
        }
    }
}
