//! The dashboard page: the reports read for a scope, turned into what
//! `api/templates/dashboard/page.html` shows.

use renewly_types::KpiMonth;
use rust_decimal::Decimal;
use serde::Serialize;

use super::figures::{self, Chart, Cohorts, Forecast, Salesperson};
use crate::analytics::charts::{Money, month_label, percent};
use crate::analytics::cohorts::Metric;
use crate::analytics::service::{Overview, Report, ReportQuery, overview};
use crate::analytics::store::{plan_names, user_names};
use crate::db::Db;
use crate::error::ApiError;
use crate::store::Scope;
use crate::store::merchants::get_merchant;
use crate::templates;

/// The dashboard of `scope` as HTML. A bad parameter is shown above the default
/// report rather than answered 422.
pub async fn render(
    db: &Db,
    scope: &Scope,
    query: &ReportQuery,
    metric: Metric,
) -> Result<String, ApiError> {
    let (report, notice) = match Report::prepare(db, scope, query).await {
        Ok(r) => (r, None),
        Err(ApiError::Invalid { detail, .. }) => (
            Report::prepare(db, scope, &ReportQuery::default()).await?,
            Some(detail),
        ),
        Err(e) => return Err(e),
    };
    let (overview, notice) = match overview(&report, db, metric).await {
        Ok(o) => (o, notice),
        Err(ApiError::Invalid { detail, .. }) => {
            // A missing exchange rate: fall back to the reporting currency.
            let fallback = ReportQuery {
                currency: None,
                ..query.clone()
            };
            let r = Report::prepare(db, scope, &fallback).await?;
            (overview(&r, db, metric).await?, Some(detail))
        }
        Err(e) => return Err(e),
    };
    let merchant = get_merchant(db, scope)
        .await?
        .map_or_else(|| "Merchant".to_owned(), |m| m.name);
    let filters = Filters::new(
        &overview,
        query,
        metric,
        plan_names(db, scope).await?,
        user_names(db, scope).await?,
    );
    let page = Page::new(merchant, scope.livemode, &overview, filters, notice);
    templates::render("dashboard/page.html", &page).map_err(|e| ApiError::Internal(e.into()))
}

/// Everything the page shows.
#[derive(Serialize)]
pub(super) struct Page {
    merchant: String,
    livemode: bool,
    from: String,
    to: String,
    currency: String,
    notice: Option<String>,
    filters: Filters,
    tiles: Vec<Tile>,
    mrr: Chart,
    movements: Chart,
    cohorts: Cohorts,
    forecast: Forecast,
    reasons: Option<Chart>,
    salespeople: Vec<Salesperson>,
}

impl Page {
    pub(super) fn new(
        merchant: String,
        livemode: bool,
        o: &Overview,
        filters: Filters,
        notice: Option<String>,
    ) -> Self {
        let money = Money::new(&o.movements.currency);
        Self {
            merchant,
            livemode,
            from: month_label(&o.movements.from),
            to: month_label(&o.movements.to),
            currency: o.movements.currency.clone(),
            notice,
            filters,
            tiles: tiles(o, &money),
            mrr: figures::mrr(o, &money),
            movements: figures::movements(o, &money),
            cohorts: figures::cohorts(o, &money),
            forecast: figures::forecast(o, &money),
            reasons: figures::reasons(o, &money),
            salespeople: figures::salespeople(o, &money),
        }
    }
}

/// What the filter bar shows and offers.
#[derive(Serialize)]
pub(super) struct Filters {
    from: String,
    to: String,
    currency: String,
    country: String,
    plan: Option<String>,
    salesperson: Option<String>,
    metric: &'static str,
    /// `(id, name)` of the merchant's plans and salespeople.
    plans: Vec<(String, String)>,
    users: Vec<(String, String)>,
}

impl Filters {
    pub(super) fn new(
        o: &Overview,
        q: &ReportQuery,
        metric: Metric,
        plans: Vec<(String, String)>,
        users: Vec<(String, String)>,
    ) -> Self {
        Self {
            from: o.movements.from.clone(),
            to: o.movements.to.clone(),
            currency: o.movements.currency.clone(),
            country: q.country.clone().unwrap_or_default(),
            plan: q.plan.clone(),
            salesperson: q.salesperson.clone(),
            metric: metric.as_str(),
            plans,
            users,
        }
    }
}

/// A key figure, with its change when there is one.
#[derive(Serialize)]
struct Tile {
    label: String,
    value: String,
    delta: Option<Delta>,
}

#[derive(Serialize)]
struct Delta {
    text: String,
    /// Green when the change is good news.
    good: bool,
}

fn tile(label: impl Into<String>, value: String, delta: Option<Delta>) -> Tile {
    Tile {
        label: label.into(),
        value,
        delta,
    }
}

fn money_change(now: Decimal, before: Decimal, money: &Money, higher_is_good: bool) -> Delta {
    let d = now - before;
    let sign = if d >= Decimal::ZERO { "+" } else { "" };
    Delta {
        text: format!("{sign}{} vs last month", money.full(d)).replace("+−", "−"),
        good: (d >= Decimal::ZERO) == higher_is_good,
    }
}

fn count_change(now: i64, before: Option<i64>) -> Option<Delta> {
    before.map(|b| {
        let d = now - b;
        Delta {
            text: format!("{d:+} vs last month"),
            good: d >= 0,
        }
    })
}

/// The key figures of the last month of the range (none without months).
fn tiles(o: &Overview, money: &Money) -> Vec<Tile> {
    let Some(k) = o.kpis.months.last() else {
        return Vec::new();
    };
    let k: &KpiMonth = k;
    let prev = o.kpis.months.iter().rev().nth(1);
    let opt = |v: Option<Decimal>| v.map_or("—".to_owned(), |x| money.full(x));
    let net_new = o.movements.totals.net_new;
    vec![
        tile(
            format!("MRR · {}", month_label(&k.month)),
            money.full(k.mrr),
            prev.map(|p| money_change(k.mrr, p.mrr, money, true)),
        ),
        tile("ARR", money.full(k.arr), None),
        tile(
            "Net new MRR",
            money.full(k.net_new_mrr),
            Some(Delta {
                text: format!("{} over the range", money.full(net_new)),
                good: net_new >= Decimal::ZERO,
            }),
        ),
        tile(
            "Active subscriptions",
            k.active_subscriptions.to_string(),
            count_change(k.active_subscriptions, prev.map(|p| p.active_subscriptions)),
        ),
        tile(
            "Paying customers",
            k.paying_customers.to_string(),
            count_change(k.paying_customers, prev.map(|p| p.paying_customers)),
        ),
        tile("ARPA", opt(k.arpa), None),
        tile("Gross MRR churn", percent(k.gross_mrr_churn), None),
        tile("Net MRR churn", percent(k.net_mrr_churn), None),
        tile(
            "Logo churn",
            percent(k.logo_churn),
            Some(Delta {
                text: format!("{} customers churned", k.churned_customers),
                good: k.churned_customers == 0,
            }),
        ),
        tile("LTV", opt(k.ltv), None),
        tile("Net revenue", money.full(k.net_revenue), None),
        tile(
            "Non-recurring revenue",
            money.full(k.non_recurring_revenue),
            None,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{from_value, json};

    const HOSTILE: &str = "<script>alert(1)</script>";

    fn month(m: &str) -> serde_json::Value {
        json!({"month": m, "new": "10", "expansion": "0", "contraction": "0", "churn": "-5",
               "reactivation": "0", "net_new": "5", "mrr": "5"})
    }

    fn overview() -> Overview {
        let range = json!({"currency": "EUR", "from": "2026-01", "to": "2026-02"});
        let with = |extra: serde_json::Value| {
            let mut v = range.clone();
            v.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            v
        };
        Overview {
            movements: from_value(with(json!({"object": "mrr_movements",
                "months": [month("2026-01"), month("2026-02")], "totals": month("")})))
            .unwrap(),
            kpis: from_value(with(
                json!({"object": "kpis", "months": [{"month": "2026-02",
                "mrr": "5", "arr": "60", "net_new_mrr": "5", "active_subscriptions": 1,
                "paying_customers": 1, "churned_customers": 1, "arpa": "5",
                "revenue_per_contract": null, "gross_mrr_churn": null, "net_mrr_churn": null,
                "logo_churn": null, "ltv": null, "net_revenue": "5",
                "non_recurring_revenue": "0"}]}),
            ))
            .unwrap(),
            cohorts: from_value(with(json!({"object": "cohorts", "metric": "customers",
                "cohorts": [{"cohort": "2026-01", "customers": 2, "starting_mrr": "10",
                             "retention": ["1", "0.5"]}]})))
            .unwrap(),
            churn_reasons: from_value(with(json!({"object": "churn_reasons",
                "reasons": [{"reason": HOSTILE, "subscriptions": 1, "churned_customers": 1,
                             "mrr_lost": "5", "share": "1"}]})))
            .unwrap(),
            salespeople: from_value(with(json!({"object": "salespeople",
                "salespeople": [{"salesperson": "usr_1", "name": HOSTILE, "new": "10",
                    "expansion": "0", "contraction": "0", "churn": "-5", "reactivation": "0",
                    "net_new": "5", "mrr": "5"}]})))
            .unwrap(),
            forecast: from_value(with(json!({"object": "forecast", "method": "linear",
                "basis_months": ["2026-01"], "average_net_new_mrr": "5",
                "average_net_new_contracts": "1", "expected_annual_mrr_growth": "60",
                "expected_annual_mrr_growth_rate": "1", "expected_annual_contract_growth": "12",
                "history": [{"month": "2026-02", "mrr": "5", "active_subscriptions": 1}],
                "months": [{"month": "2026-03", "mrr": "10", "active_subscriptions": 2}]})))
            .unwrap(),
        }
    }

    #[test]
    fn a_hostile_name_is_escaped_everywhere_on_the_page() {
        let o = overview();
        let q = ReportQuery::default();
        let plans = vec![("plan_1".to_owned(), HOSTILE.to_owned())];
        let filters = Filters::new(&o, &q, Metric::Customers, plans, Vec::new());
        let page = Page::new(HOSTILE.into(), false, &o, filters, Some(HOSTILE.into()));
        let html = templates::render("dashboard/page.html", &page).unwrap();
        assert!(!html.contains("<script"), "{html}");
        let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;";
        // Header, notice, plan filter, reasons chart and table, salespeople.
        assert!(html.matches(escaped).count() >= 6, "{html}");
        assert!(html.contains("<svg") && html.contains("<title id=\"why-t\">"));
        assert!(html.contains("<form method=\"post\" action=\"/dashboard/logout\">"));
        assert!(html.contains("<th scope=\"col\">M1</th>"));
        assert!(html.contains("value=\"2026-01\""));
    }
}
