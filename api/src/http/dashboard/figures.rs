//! The dashboard's figures as the page template shows them: each chart drawn
//! as SVG by [`crate::analytics::charts`] (marked safe), its numbers as a table,
//! every amount already formatted.

use minijinja::Value;
use renewly_types::MovementMonth;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::analytics::charts::{
    Line, Money, NARROW, Stack, heat, horizontal_bars, line_chart, month_label, palette, percent,
    stacked_bars,
};
use crate::analytics::service::Overview;
use crate::templates::safe;

/// A chart with its key and the same numbers as a table.
#[derive(Serialize)]
pub struct Chart {
    pub svg: Value,
    pub legend: Vec<Key>,
    pub table: Table,
}

/// One entry of a chart's key.
#[derive(Serialize)]
pub struct Key {
    pub name: &'static str,
    pub color: &'static str,
    pub dashed: bool,
}

/// A folded-away table: the first cell of a row is its heading.
#[derive(Serialize)]
pub struct Table {
    pub caption: &'static str,
    pub head: &'static [&'static str],
    pub rows: Vec<Vec<String>>,
}

/// MRR at each month end.
pub fn mrr(o: &Overview, money: &Money) -> Chart {
    let months: Vec<String> = o.kpis.months.iter().map(|m| m.month.clone()).collect();
    let line = Line {
        name: "MRR",
        color: palette::INDIGO,
        dashed: false,
        points: o.kpis.months.iter().map(|m| Some(m.mrr)).collect(),
    };
    let desc = match (o.kpis.months.first(), o.kpis.months.last()) {
        (Some(a), Some(b)) => format!(
            "MRR at each month end, from {} in {} to {} in {}.",
            money.full(a.mrr),
            month_label(&a.month),
            money.full(b.mrr),
            month_label(&b.month)
        ),
        _ => "No months.".to_owned(),
    };
    let svg = line_chart(
        "mrr",
        "Monthly recurring revenue",
        &desc,
        &months,
        &[line],
        money,
        NARROW,
    );
    let rows = o
        .kpis
        .months
        .iter()
        .map(|m| {
            vec![
                month_label(&m.month),
                money.full(m.mrr),
                money.full(m.arr),
                m.active_subscriptions.to_string(),
                m.paying_customers.to_string(),
            ]
        })
        .collect();
    Chart {
        svg: safe(svg),
        legend: Vec::new(),
        table: Table {
            caption: "MRR per month",
            head: &["Month", "MRR", "ARR", "Subscriptions", "Customers"],
            rows,
        },
    }
}

/// A movement series: label, colour, and how to read it from a month.
type Series = (&'static str, &'static str, fn(&MovementMonth) -> Decimal);

const SERIES: [Series; 5] = [
    ("New", palette::INDIGO, |m| m.new),
    ("Expansion", palette::TEAL, |m| m.expansion),
    ("Reactivation", palette::SKY, |m| m.reactivation),
    ("Contraction", palette::AMBER, |m| m.contraction),
    ("Churn", palette::ROSE, |m| m.churn),
];

/// Gains above zero and losses below, per month.
pub fn movements(o: &Overview, money: &Money) -> Chart {
    let mv = &o.movements.months;
    let months: Vec<String> = mv.iter().map(|m| m.month.clone()).collect();
    let stacks: Vec<Stack<'_>> = SERIES
        .iter()
        .map(|(name, color, get)| Stack {
            name,
            color,
            values: mv.iter().map(get).collect(),
        })
        .collect();
    let desc = movements_desc(o, money);
    let svg = stacked_bars("mov", "MRR movements", &desc, &months, &stacks, money);
    let mut legend: Vec<Key> = SERIES
        .iter()
        .map(|(name, color, _)| Key {
            name,
            color,
            dashed: false,
        })
        .collect();
    legend.push(Key {
        name: "Net new",
        color: palette::INK,
        dashed: true,
    });
    let rows = mv
        .iter()
        .map(|m| {
            let mut row = vec![month_label(&m.month)];
            row.extend(SERIES.iter().map(|(_, _, get)| money.full(get(m))));
            row.push(money.full(m.net_new));
            row
        })
        .collect();
    Chart {
        svg: safe(svg),
        legend,
        table: Table {
            caption: "Movements per month",
            head: &[
                "Month",
                "New",
                "Expansion",
                "Reactivation",
                "Contraction",
                "Churn",
                "Net new",
            ],
            rows,
        },
    }
}

/// The movements chart's description: the totals over the range.
fn movements_desc(o: &Overview, money: &Money) -> String {
    let t = &o.movements.totals;
    format!(
        "Per month, gains above zero and losses below. Over the range: new {}, expansion {}, \
         reactivation {}, contraction {}, churn {}, net new {}.",
        money.full(t.new),
        money.full(t.expansion),
        money.full(t.reactivation),
        money.full(t.contraction),
        money.full(t.churn),
        money.full(t.net_new)
    )
}

/// The retention heat map.
#[derive(Serialize)]
pub struct Cohorts {
    pub sub: &'static str,
    /// Months after the first payment shown as columns.
    pub width: usize,
    pub rows: Vec<CohortRow>,
}

#[derive(Serialize)]
pub struct CohortRow {
    pub cohort: String,
    pub customers: i64,
    pub starting_mrr: String,
    /// `None` past the cohort's last month.
    pub cells: Vec<Option<HeatCell>>,
}

#[derive(Serialize)]
pub struct HeatCell {
    pub background: String,
    pub ink: &'static str,
    pub text: String,
}

pub fn cohorts(o: &Overview, money: &Money) -> Cohorts {
    let c = &o.cohorts;
    let width = c
        .cohorts
        .iter()
        .map(|r| r.retention.len())
        .max()
        .unwrap_or(0);
    let rows = c
        .cohorts
        .iter()
        .map(|row| CohortRow {
            cohort: month_label(&row.cohort),
            customers: row.customers,
            starting_mrr: money.full(row.starting_mrr),
            cells: (0..width)
                .map(|n| {
                    row.retention.get(n).map(|v| {
                        let (background, ink) = heat(*v);
                        let text = v.map_or("—".to_owned(), |x| {
                            format!("{}%", (x * Decimal::from(100)).round_dp(0))
                        });
                        HeatCell {
                            background,
                            ink,
                            text,
                        }
                    })
                })
                .collect(),
        })
        .collect();
    let sub = match c.metric.as_str() {
        "mrr" => "Share of each cohort's starting MRR still there (over 100 % with expansion)",
        _ => "Share of each cohort's customers still paying",
    };
    Cohorts { sub, width, rows }
}

/// MRR lost per close reason; `None` when nothing ended in the range.
pub fn reasons(o: &Overview, money: &Money) -> Option<Chart> {
    let reasons = &o.churn_reasons.reasons;
    let largest = reasons.first()?;
    let bars: Vec<(String, Decimal)> = reasons
        .iter()
        .map(|r| (r.reason.clone(), r.mrr_lost))
        .collect();
    let total: Decimal = reasons.iter().map(|r| r.mrr_lost).sum();
    let desc = format!(
        "{} reasons; {} MRR lost in all; largest: {}.",
        reasons.len(),
        money.full(total),
        largest.reason
    );
    let svg = horizontal_bars(
        "why",
        "MRR lost per close reason",
        &desc,
        &bars,
        palette::ROSE,
        money,
    );
    let rows = reasons
        .iter()
        .map(|r| {
            vec![
                r.reason.clone(),
                r.subscriptions.to_string(),
                r.churned_customers.to_string(),
                money.full(r.mrr_lost),
                percent(r.share),
            ]
        })
        .collect();
    Some(Chart {
        svg: safe(svg),
        legend: Vec::new(),
        table: Table {
            caption: "Close reasons",
            head: &[
                "Reason",
                "Subscriptions",
                "Customers lost",
                "MRR lost",
                "Share",
            ],
            rows,
        },
    })
}

/// One salesperson's row.
#[derive(Serialize)]
pub struct Salesperson {
    pub name: String,
    pub new: String,
    pub expansion: String,
    pub reactivation: String,
    pub contraction: String,
    pub churn: String,
    pub net_new: String,
    pub mrr: String,
    pub negative: bool,
    /// The net-new bar, up to 80 px for the largest.
    pub bar_width: Decimal,
}

pub fn salespeople(o: &Overview, money: &Money) -> Vec<Salesperson> {
    let rows = &o.salespeople.salespeople;
    let max = rows
        .iter()
        .map(|r| r.net_new.abs())
        .max()
        .unwrap_or(Decimal::ONE)
        .max(Decimal::ONE);
    rows.iter()
        .map(|r| Salesperson {
            name: r.name.clone(),
            new: money.full(r.new),
            expansion: money.full(r.expansion),
            reactivation: money.full(r.reactivation),
            contraction: money.full(r.contraction),
            churn: money.full(r.churn),
            net_new: money.full(r.net_new),
            mrr: money.full(r.mrr),
            negative: r.net_new < Decimal::ZERO,
            bar_width: (r.net_new.abs() / max * Decimal::from(80)).round_dp(0),
        })
        .collect()
}

/// The projection, with the expected growth in words.
#[derive(Serialize)]
pub struct Forecast {
    #[serde(flatten)]
    pub chart: Chart,
    pub mrr_growth: String,
    pub mrr_growth_rate: String,
    pub contract_growth: String,
    pub method: String,
}

pub fn forecast(o: &Overview, money: &Money) -> Forecast {
    let f = &o.forecast;
    let months: Vec<String> = f
        .history
        .iter()
        .chain(f.months.iter())
        .map(|m| m.month.clone())
        .collect();
    let desc = forecast_desc(o, money);
    let svg = line_chart(
        "fc",
        "MRR forecast",
        &desc,
        &months,
        &forecast_lines(o, months.len()),
        money,
        NARROW,
    );
    let rows = f
        .months
        .iter()
        .map(|m| {
            vec![
                month_label(&m.month),
                money.full(m.mrr),
                m.active_subscriptions.to_string(),
            ]
        })
        .collect();
    Forecast {
        chart: Chart {
            svg: safe(svg),
            legend: vec![
                Key {
                    name: "Actual",
                    color: palette::INDIGO,
                    dashed: false,
                },
                Key {
                    name: "Expected",
                    color: palette::TEAL,
                    dashed: true,
                },
            ],
            table: Table {
                caption: "Expected MRR and contracts",
                head: &["Month", "Expected MRR", "Expected contracts"],
                rows,
            },
        },
        mrr_growth: money.full(f.expected_annual_mrr_growth),
        mrr_growth_rate: percent(f.expected_annual_mrr_growth_rate),
        contract_growth: format!("{:+}", f.expected_annual_contract_growth.round_dp(0)),
        method: f.method.clone(),
    }
}

/// The forecast chart's description: the average it projects and where it ends.
fn forecast_desc(o: &Overview, money: &Money) -> String {
    let f = &o.forecast;
    let end = f.months.last();
    format!(
        "Actual MRR, then the projection: {} a month on average over {}; {} expected by {}.",
        money.full(f.average_net_new_mrr),
        f.basis_months.first().map_or(String::new(), |m| format!(
            "the 6 months from {}",
            month_label(m)
        )),
        end.map_or("—".to_owned(), |m| money.full(m.mrr)),
        end.map_or("—".to_owned(), |m| month_label(&m.month))
    )
}

/// Actual MRR over the history, then the expected MRR from the last actual month on.
fn forecast_lines(o: &Overview, len: usize) -> [Line<'static>; 2] {
    let f = &o.forecast;
    let h = f.history.len();
    let actual = Line {
        name: "Actual MRR",
        color: palette::INDIGO,
        dashed: false,
        points: f
            .history
            .iter()
            .map(|m| Some(m.mrr))
            .chain(f.months.iter().map(|_| None))
            .collect(),
    };
    let expected = Line {
        name: "Expected MRR",
        color: palette::TEAL,
        dashed: true,
        points: (0..len)
            .map(|i| {
                if i + 1 == h {
                    f.history.last().map(|m| m.mrr)
                } else if i >= h {
                    f.months.get(i - h).map(|m| m.mrr)
                } else {
                    None
                }
            })
            .collect(),
    };
    [actual, expected]
}
