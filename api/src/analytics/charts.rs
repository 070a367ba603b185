//! Inline SVG charts and HTML tables for the dashboard: no JavaScript, no
//! external assets. Every chart is an `<svg role="img">` with a `<title>` and a
//! `<desc>`, followed by the same numbers as a table.
//!
//! Amounts are printed from their `Decimal`s; floats only place things on the
//! canvas.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::templates::escape;

/// The accent colours of the dashboard.
pub mod palette {
    pub const INDIGO: &str = "#4f46e5";
    pub const TEAL: &str = "#0d9488";
    pub const SKY: &str = "#0284c7";
    pub const AMBER: &str = "#d97706";
    pub const ROSE: &str = "#e11d48";
    pub const INK: &str = "#0f172a";
    pub const GRID: &str = "#e2e8f0";
    pub const MUTED: &str = "#64748b";
}

/// Formats amounts of one currency for people: symbol, thousands separators.
#[derive(Debug, Clone)]
pub struct Money {
    symbol: String,
}

impl Money {
    /// For an ISO code.
    pub fn new(code: &str) -> Self {
        let symbol = match code {
            "EUR" => "€".to_owned(),
            "USD" => "$".to_owned(),
            "GBP" => "£".to_owned(),
            "JPY" => "¥".to_owned(),
            other => format!("{other} "),
        };
        Self { symbol }
    }

    /// `€12,345.00`, `−€5.00`: every digit of the amount.
    pub fn full(&self, v: Decimal) -> String {
        let negative = v.is_sign_negative() && !v.is_zero();
        let text = v.abs().to_string();
        let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
        let grouped = group(int);
        let body = if frac.is_empty() {
            grouped
        } else {
            format!("{grouped}.{frac}")
        };
        format!("{}{}{body}", if negative { "−" } else { "" }, self.symbol)
    }

    /// `€12.3k`, `€1.2M`, `€950`: for axes and tight places.
    pub fn short(&self, v: Decimal) -> String {
        let negative = v.is_sign_negative() && !v.is_zero();
        let a = v.abs();
        let (scaled, suffix) = if a >= Decimal::from(1_000_000) {
            (a / Decimal::from(1_000_000), "M")
        } else if a >= Decimal::from(1_000) {
            (a / Decimal::from(1_000), "k")
        } else {
            (a, "")
        };
        let digits = if suffix.is_empty() || scaled >= Decimal::from(100) {
            0
        } else {
            1
        };
        let rounded = scaled.round_dp(digits).normalize();
        format!(
            "{}{}{}{suffix}",
            if negative { "−" } else { "" },
            self.symbol,
            rounded
        )
    }
}

fn group(int: &str) -> String {
    let bytes: Vec<char> = int.chars().collect();
    let mut out = String::new();
    for (i, c) in bytes.iter().enumerate() {
        if i > 0 && (bytes.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(*c);
    }
    out
}

/// A ratio as a percentage with two decimals: `"0.0512"` → `5.12 %`.
pub fn percent(v: Option<Decimal>) -> String {
    v.map_or("—".to_owned(), |r| {
        format!("{} %", (r * Decimal::from(100)).round_dp(2))
    })
}

/// `2027-01` → `Jan 27`.
pub fn month_label(month: &str) -> String {
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, m) = month.split_once('-').unwrap_or((month, "1"));
    let name = m
        .parse::<usize>()
        .ok()
        .and_then(|i| NAMES.get(i.wrapping_sub(1)))
        .copied()
        .unwrap_or("?");
    format!("{name} {}", y.get(2..).unwrap_or(y))
}

fn f(v: Decimal) -> f64 {
    v.to_f64().unwrap_or(0.0)
}

/// A "nice" axis: (lowest tick, step, tick count) covering `[lo, hi]`.
fn nice_axis(lo: Decimal, hi: Decimal) -> (Decimal, Decimal, usize) {
    let span = (hi - lo).max(Decimal::ONE);
    let raw = span / Decimal::from(4);
    let mut magnitude = Decimal::ONE;
    while magnitude * Decimal::from(10) <= raw {
        magnitude *= Decimal::from(10);
    }
    while magnitude > raw && magnitude > Decimal::new(1, 2) {
        magnitude /= Decimal::from(10);
    }
    let step = [1, 2, 5, 10]
        .into_iter()
        .map(|k| magnitude * Decimal::from(k))
        .find(|s| *s >= raw)
        .unwrap_or(magnitude * Decimal::from(10));
    let start = (lo / step).floor() * step;
    let mut count = 1;
    while start + step * Decimal::from(count - 1) < hi {
        count += 1;
    }
    (start, step, count.max(2) as usize)
}

/// The canvas every chart shares.
struct Frame {
    width: f64,
    height: f64,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    lo: Decimal,
    hi: Decimal,
}

impl Frame {
    fn new(lo: Decimal, hi: Decimal, width: f64) -> (Self, Decimal, usize) {
        let (start, step, count) = nice_axis(lo, hi);
        let frame = Self {
            width,
            height: 240.0,
            left: 64.0,
            right: 24.0,
            top: 12.0,
            bottom: 28.0,
            lo: start,
            hi: start + step * Decimal::from(count as i64 - 1),
        };
        (frame, step, count)
    }

    fn plot_width(&self) -> f64 {
        self.width - self.left - self.right
    }

    fn y(&self, v: Decimal) -> f64 {
        let span = f(self.hi - self.lo).max(1e-9);
        let h = self.height - self.top - self.bottom;
        self.top + h * (1.0 - (f(v - self.lo) / span))
    }

    /// Grid lines and y labels.
    fn grid(&self, step: Decimal, count: usize, money: &Money) -> String {
        let mut out = String::new();
        for i in 0..count {
            let v = self.lo + step * Decimal::from(i as i64);
            let y = self.y(v);
            out.push_str(&format!(
                r#"<line x1="{l}" x2="{r}" y1="{y:.1}" y2="{y:.1}" stroke="{g}" stroke-width="1"/><text x="{tx}" y="{ty:.1}" text-anchor="end" class="axis">{label}</text>"#,
                l = self.left,
                r = self.width - self.right,
                g = if v.is_zero() { palette::MUTED } else { palette::GRID },
                tx = self.left - 8.0,
                ty = y + 4.0,
                label = escape(&money.short(v)),
            ));
        }
        out
    }

    /// Month labels under the x positions; thinned out when there are many.
    fn x_labels(&self, labels: &[String], x: impl Fn(usize) -> f64) -> String {
        let every = labels.len().div_ceil(12).max(1);
        let mut out = String::new();
        for (i, label) in labels.iter().enumerate() {
            if i % every == 0 {
                out.push_str(&format!(
                    r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" class="axis">{}</text>"#,
                    x(i),
                    self.height - 8.0,
                    escape(&month_label(label))
                ));
            }
        }
        out
    }

    fn open(&self, id: &str, title: &str, desc: &str) -> String {
        format!(
            r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{t}</title><desc id="{id}-d">{d}</desc>"#,
            w = self.width,
            h = self.height,
            t = escape(title),
            d = escape(desc),
        )
    }
}

/// One line of a line chart.
pub struct Line<'a> {
    pub name: &'a str,
    pub color: &'a str,
    pub dashed: bool,
    /// (month, value); `None` leaves a gap (the line starts later).
    pub points: Vec<Option<Decimal>>,
}

/// The canvas width of a chart in half a row.
pub const NARROW: f64 = 640.0;

/// A line chart over `months`, each line aligned to them, `width` canvas units
/// wide ([`NARROW`] for half a row).
pub fn line_chart(
    id: &str,
    title: &str,
    desc: &str,
    months: &[String],
    lines: &[Line<'_>],
    money: &Money,
    width: f64,
) -> String {
    let values = lines
        .iter()
        .flat_map(|l| l.points.iter().flatten().copied());
    let hi = values.clone().max().unwrap_or(Decimal::ONE);
    let lo = values.min().unwrap_or_default().min(Decimal::ZERO);
    let (frame, step, count) = Frame::new(lo, hi, width);
    let n = months.len().max(2);
    let x = |i: usize| frame.left + frame.plot_width() * i as f64 / (n - 1) as f64;
    let mut out = frame.open(id, title, desc);
    out.push_str(&frame.grid(step, count, money));
    for line in lines {
        let pts: Vec<String> = line
            .points
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", x(i), frame.y(v))))
            .collect();
        if pts.is_empty() {
            continue;
        }
        if !line.dashed {
            let first_x = line.points.iter().position(Option::is_some).map_or(0.0, x);
            let last_x = line.points.iter().rposition(Option::is_some).map_or(0.0, x);
            let base = frame.y(Decimal::ZERO.max(frame.lo));
            out.push_str(&format!(
                r#"<polygon points="{first_x:.1},{base:.1} {} {last_x:.1},{base:.1}" fill="{}" fill-opacity="0.08"/>"#,
                pts.join(" "),
                line.color
            ));
        }
        out.push_str(&format!(
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round"{}><title>{}</title></polyline>"#,
            pts.join(" "),
            line.color,
            if line.dashed { r#" stroke-dasharray="6 5""# } else { "" },
            escape(line.name)
        ));
        for (i, v) in line.points.iter().enumerate() {
            if let Some(v) = v {
                out.push_str(&format!(
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{}"><title>{}: {}</title></circle>"#,
                    x(i),
                    frame.y(*v),
                    line.color,
                    escape(&month_label(&months[i])),
                    escape(&money.full(*v))
                ));
            }
        }
    }
    out.push_str(&frame.x_labels(months, x));
    out.push_str("</svg>");
    out
}

/// One stacked series of a bar chart.
pub struct Stack<'a> {
    pub name: &'a str,
    pub color: &'a str,
    pub values: Vec<Decimal>,
}

/// Bars per month: positive series stacked up from zero, negative ones down, and
/// a marker at each month's sum (net).
#[expect(
    clippy::needless_range_loop,
    reason = "one index walks every stack's values"
)]
pub fn stacked_bars(
    id: &str,
    title: &str,
    desc: &str,
    months: &[String],
    stacks: &[Stack<'_>],
    money: &Money,
) -> String {
    let n = months.len().max(1);
    let sum = |i: usize, positive: bool| -> Decimal {
        stacks
            .iter()
            .map(|s| s.values.get(i).copied().unwrap_or_default())
            .filter(|v| (*v > Decimal::ZERO) == positive)
            .sum()
    };
    let hi = (0..n).map(|i| sum(i, true)).max().unwrap_or_default();
    let lo = (0..n).map(|i| sum(i, false)).min().unwrap_or_default();
    let (frame, step, count) = Frame::new(lo.min(Decimal::ZERO), hi.max(Decimal::ONE), NARROW);
    let slot = frame.plot_width() / n as f64;
    let bar = (slot * 0.62).min(36.0);
    let x = |i: usize| frame.left + slot * (i as f64 + 0.5);
    let mut out = frame.open(id, title, desc);
    out.push_str(&frame.grid(step, count, money));
    for i in 0..n {
        let (mut up, mut down) = (Decimal::ZERO, Decimal::ZERO);
        for s in stacks {
            let v = s.values.get(i).copied().unwrap_or_default();
            if v.is_zero() {
                continue;
            }
            let (from, to) = if v > Decimal::ZERO {
                up += v;
                (up - v, up)
            } else {
                down += v;
                (down - v, down)
            };
            let (y1, y2) = (frame.y(from), frame.y(to));
            out.push_str(&format!(
                r#"<rect x="{:.1}" y="{:.1}" width="{bar:.1}" height="{:.1}" fill="{}" rx="2"><title>{} {}: {}</title></rect>"#,
                x(i) - bar / 2.0,
                y1.min(y2),
                (y1 - y2).abs().max(0.5),
                s.color,
                escape(&month_label(&months[i])),
                escape(s.name),
                escape(&money.full(v))
            ));
        }
        let net = up + down;
        out.push_str(&format!(
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="3" fill="{}" rx="1.5"><title>{} net new: {}</title></rect>"#,
            x(i) - bar / 2.0 - 3.0,
            frame.y(net) - 1.5,
            bar + 6.0,
            palette::INK,
            escape(&month_label(&months[i])),
            escape(&money.full(net))
        ));
    }
    out.push_str(&frame.x_labels(months, x));
    out.push_str("</svg>");
    out
}

/// Horizontal bars, one per label, longest first as given.
pub fn horizontal_bars(
    id: &str,
    title: &str,
    desc: &str,
    rows: &[(String, Decimal)],
    color: &str,
    money: &Money,
) -> String {
    let row_h = 30.0;
    let height = (rows.len().max(1) as f64) * row_h + 8.0;
    let (left, width) = (170.0, 640.0);
    let max = rows
        .iter()
        .map(|(_, v)| *v)
        .max()
        .unwrap_or(Decimal::ONE)
        .max(Decimal::new(1, 2));
    let mut out = format!(
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        escape(title),
        escape(desc)
    );
    for (i, (label, v)) in rows.iter().enumerate() {
        let y = 4.0 + i as f64 * row_h;
        let w = (width - left - 90.0) * f(*v) / f(max);
        let short: String = label.chars().take(24).collect();
        out.push_str(&format!(
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" class="label">{}</text><rect x="{left}" y="{:.1}" width="{:.1}" height="18" rx="3" fill="{color}"><title>{}: {}</title></rect><text x="{:.1}" y="{:.1}" class="value">{}</text>"#,
            left - 10.0,
            y + 14.0,
            escape(&short),
            y + 1.0,
            w.max(1.0),
            escape(label),
            escape(&money.full(*v)),
            left + w.max(1.0) + 8.0,
            y + 14.0,
            escape(&money.short(*v)),
        ));
    }
    out.push_str("</svg>");
    out
}

/// The background of a heat-map cell for a share (0 → pale, 1 → full teal).
pub fn heat(value: Option<Decimal>) -> (String, &'static str) {
    match value {
        None => ("transparent".to_owned(), palette::MUTED),
        Some(v) => {
            let share = f(v).clamp(0.0, 1.0);
            let alpha = 0.08 + 0.87 * share;
            let ink = if alpha > 0.55 {
                "#ffffff"
            } else {
                palette::INK
            };
            (format!("rgba(13,148,136,{alpha:.2})"), ink)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn amounts_read_like_money() {
        let eur = Money::new("EUR");
        assert_eq!(eur.full(dec!(12345.00)), "€12,345.00");
        assert_eq!(eur.full(dec!(-5.00)), "−€5.00");
        assert_eq!(eur.short(dec!(12345)), "€12.3k");
        assert_eq!(eur.short(dec!(950)), "€950");
        assert_eq!(eur.short(dec!(2500000)), "€2.5M");
        assert_eq!(Money::new("CHF").full(dec!(1000.5)), "CHF 1,000.5");
        assert_eq!(percent(Some(dec!(0.0512))), "5.12 %");
        assert_eq!(month_label("2027-01"), "Jan 27");
    }

    #[test]
    fn axes_are_round_and_cover_the_data() {
        let (start, step, count) = nice_axis(dec!(0), dec!(1234));
        assert_eq!((start, step), (dec!(0), dec!(500)));
        assert!(start + step * Decimal::from(count as i64 - 1) >= dec!(1234));
        let (start, _, _) = nice_axis(dec!(-120), dec!(300));
        assert!(start <= dec!(-120));
    }

    #[test]
    fn charts_carry_a_title_and_escape_text() {
        let svg = horizontal_bars(
            "r",
            "Reasons <b>",
            "desc",
            &[("<script>".to_owned(), dec!(10))],
            palette::ROSE,
            &Money::new("EUR"),
        );
        assert!(svg.contains("<title id=\"r-t\">Reasons &lt;b&gt;</title>"));
        assert!(!svg.contains("<script>"));
    }
}
