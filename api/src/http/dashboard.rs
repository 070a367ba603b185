//! `/dashboard`: the merchant's analytics as one server-rendered page with inline
//! SVG charts (no JavaScript, no external assets).
//!
//! Sign-in posts the secret API key once (never in a URL); the answer is a random
//! session token in an `HttpOnly`, `SameSite=Strict` cookie scoped to
//! `/dashboard`, stored hashed and valid for 12 hours or until the key is revoked.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use renewly_types::KpiMonth;
use rust_decimal::Decimal;

use super::AppState;
use crate::analytics::charts::{
    Line, Money, NARROW, Stack, esc, heat, horizontal_bars, line_chart, month_label, palette,
    percent, stacked_bars,
};
use crate::analytics::cohorts::Metric;
use crate::analytics::service::{Overview, Report, ReportQuery, overview};
use crate::analytics::sessions::{self, SESSION_HOURS, SignInError};
use crate::analytics::store::{plan_names, user_names};
use crate::db::Db;
use crate::error::ApiError;
use crate::store::Scope;
use crate::store::merchants::get_merchant;

/// The session cookie's name.
pub const COOKIE: &str = "renewly_dashboard";

/// The dashboard's routes: outside `/v1` and its API-key middleware.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(dashboard))
        .route("/dashboard/login", get(login_page).post(login))
        .route("/dashboard/logout", post(logout))
}

/// Headers every dashboard answer carries: no caching, no framing, nothing loaded
/// from elsewhere, no scripts at all.
fn page(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

fn redirect(to: &'static str, cookie: Option<String>) -> Response {
    let mut r = page(StatusCode::SEE_OTHER, String::new());
    r.headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static(to));
    if let Some(c) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        r.headers_mut().insert(header::SET_COOKIE, c);
    }
    r
}

fn failure(e: &ApiError) -> Response {
    tracing::error!(error = %e, "dashboard failed");
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        shell(
            "Something went wrong",
            "<main class=\"narrow\"><h1>Something went wrong</h1><p>It has been logged; please \
             reload the page.</p></main>",
        ),
    )
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty())
}

fn cookie(state: &AppState, value: &str, max_age: i64) -> String {
    let secure = state
        .config
        .base_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"));
    format!(
        "{COOKIE}={value}; Path=/dashboard; Max-Age={max_age}; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

/// `GET /dashboard/login`.
async fn login_page() -> Response {
    page(StatusCode::OK, login_html(None))
}

#[derive(serde::Deserialize)]
struct LoginForm {
    #[serde(default)]
    key: String,
}

/// `POST /dashboard/login` with `key=sk_…` (form-encoded).
async fn login(State(state): State<AppState>, body: Bytes) -> Response {
    let key = serde_urlencoded::from_bytes::<LoginForm>(&body)
        .map(|f| f.key)
        .unwrap_or_default();
    if key.trim().is_empty() {
        return page(
            StatusCode::UNPROCESSABLE_ENTITY,
            login_html(Some("Enter your secret API key.")),
        );
    }
    match sessions::sign_in(&state.db, &key).await {
        Ok(Ok(token)) => redirect(
            "/dashboard",
            Some(cookie(&state, &token, SESSION_HOURS * 3600)),
        ),
        Ok(Err(SignInError::UnknownKey)) => page(
            StatusCode::UNAUTHORIZED,
            login_html(Some("That key is not valid (or it was revoked).")),
        ),
        Ok(Err(SignInError::NotSecret)) => page(
            StatusCode::UNAUTHORIZED,
            login_html(Some(
                "A publishable key (pk_…) cannot open the dashboard: use a secret key (sk_…).",
            )),
        ),
        Err(e) => failure(&ApiError::from(e)),
    }
}

/// `POST /dashboard/logout`.
async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = session_token(&headers) {
        if let Err(e) = sessions::sign_out(&state.db, &token).await {
            return failure(&ApiError::from(e));
        }
    }
    redirect("/dashboard/login", Some(cookie(&state, "", 0)))
}

/// The dashboard's query: a report's parameters and the cohort metric.
#[derive(Debug, Default, serde::Deserialize)]
struct DashboardQuery {
    #[serde(flatten)]
    report: ReportQuery,
    metric: Option<String>,
}

/// `GET /dashboard`: the page, or the sign-in form without a live session.
async fn dashboard(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(token) = session_token(&headers) else {
        return redirect("/dashboard/login", None);
    };
    let scope = match sessions::scope_of(&state.db, &token).await {
        Ok(Some(scope)) => scope,
        Ok(None) => return redirect("/dashboard/login", Some(cookie(&state, "", 0))),
        Err(e) => return failure(&ApiError::from(e)),
    };
    let q: DashboardQuery =
        serde_urlencoded::from_str(query.as_deref().unwrap_or_default()).unwrap_or_default();
    let metric = q
        .metric
        .as_deref()
        .and_then(Metric::parse)
        .unwrap_or(Metric::Customers);
    match render(&state.db, &scope, &q.report, metric).await {
        Ok(html) => page(StatusCode::OK, html),
        Err(e) => failure(&e),
    }
}

/// The dashboard of `scope` as HTML (also used by `renewly bench analytics --html`).
pub async fn render_for(db: &Db, scope: &Scope, query: &ReportQuery) -> Result<String, ApiError> {
    render(db, scope, query, Metric::Customers).await
}

async fn render(
    db: &Db,
    scope: &Scope,
    query: &ReportQuery,
    metric: Metric,
) -> Result<String, ApiError> {
    // A bad parameter is shown above the default report rather than answered 422.
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
    let filters = Filters {
        query,
        metric,
        plans: plan_names(db, scope).await?,
        users: user_names(db, scope).await?,
    };
    Ok(dashboard_html(
        &merchant,
        scope.livemode,
        &overview,
        &filters,
        notice.as_deref(),
    ))
}

const STYLE: &str = r#"
:root{--indigo:#4f46e5;--teal:#0d9488;--ink:#0f172a;--muted:#64748b;--line:#e2e8f0;--bg:#f8fafc;--card:#fff;--rose:#e11d48}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
a{color:var(--indigo)}
header.top{display:flex;align-items:center;gap:16px;padding:14px 28px;background:var(--card);border-bottom:1px solid var(--line)}
.brand{font-weight:700;font-size:17px;letter-spacing:-.01em}.brand span{color:var(--indigo)}
.who{color:var(--muted)}.badge{font-size:12px;font-weight:600;padding:2px 8px;border-radius:999px;background:#ccfbf1;color:#115e59}
.badge.live{background:#e0e7ff;color:#3730a3}
header.top form{margin-left:auto}
button,.button{font:inherit;font-weight:600;border:0;border-radius:8px;padding:8px 14px;background:var(--indigo);color:#fff;cursor:pointer}
button.ghost{background:transparent;color:var(--ink);border:1px solid var(--line)}
button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{outline:3px solid #a5b4fc;outline-offset:2px}
main{max-width:1240px;margin:0 auto;padding:24px 28px 48px}
main.narrow{max-width:420px;padding-top:12vh}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:0}
.sub{color:var(--muted);margin:0;font-size:13px}
form.filters{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-end;margin:16px 0 20px;padding:14px 16px;background:var(--card);border:1px solid var(--line);border-radius:12px}
label{display:flex;flex-direction:column;gap:4px;font-size:12px;font-weight:600;color:var(--muted)}
input,select{font:inherit;color:var(--ink);padding:7px 10px;border:1px solid #cbd5e1;border-radius:8px;background:#fff;min-width:120px}
.notice{padding:10px 14px;border-radius:10px;background:#fff1f2;color:#9f1239;border:1px solid #fecdd3;margin:0 0 16px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:12px;margin-bottom:20px}
.tile{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:14px 16px}
.tile .k{font-size:12px;font-weight:600;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.tile .v{font-size:20px;font-weight:700;margin-top:2px;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.tile .d{font-size:12px;color:var(--muted)}.up{color:#047857}.down{color:var(--rose)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:16px;margin-bottom:16px}
figure{margin:0;background:var(--card);border:1px solid var(--line);border-radius:12px;padding:16px 18px}
figure.wide{margin-bottom:16px}
figcaption{margin-bottom:10px}
svg.chart{width:100%;height:auto;display:block}
svg .axis{font-size:12px;fill:var(--muted)}svg .label{font-size:12px;fill:var(--ink)}svg .value{font-size:12px;fill:var(--muted)}
.legend{display:flex;flex-wrap:wrap;gap:14px;font-size:12px;color:var(--muted);margin:6px 0 0;padding:0;list-style:none}
.legend i{display:inline-block;width:10px;height:10px;border-radius:3px;margin-right:6px;vertical-align:-1px}
.legend i.dash{height:3px;border-radius:0;width:16px;vertical-align:3px}
details{margin-top:10px}summary{cursor:pointer;color:var(--indigo);font-size:13px;font-weight:600}
table{width:100%;border-collapse:collapse;font-size:13px;font-variant-numeric:tabular-nums}
th,td{padding:6px 8px;text-align:right;border-bottom:1px solid var(--line);white-space:nowrap}
th:first-child,td:first-child{text-align:left}
thead th{color:var(--muted);font-weight:600;font-size:12px}
.scroll{overflow-x:auto}
table.heat td.cell{text-align:center;min-width:52px;border:2px solid #fff;border-radius:4px}
.neg{color:var(--rose)}
.bar{display:inline-block;height:8px;border-radius:4px;background:var(--teal);vertical-align:middle;margin-right:6px}
.bar.neg{background:var(--rose)}
footer{color:var(--muted);font-size:12px;margin-top:24px}
.login{background:var(--card);border:1px solid var(--line);border-radius:14px;padding:28px}
.login form{display:flex;flex-direction:column;gap:14px;margin-top:18px}
.login input{width:100%}
.error{padding:10px 12px;border-radius:8px;background:#fff1f2;color:#9f1239;border:1px solid #fecdd3}
@media (max-width:640px){.grid{grid-template-columns:1fr}main{padding:16px}header.top{padding:12px 16px}}
"#;

fn shell(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width,initial-scale=1\"><meta name=\"robots\" content=\"noindex\">\
         <title>{} · Renewly</title><style>{STYLE}</style></head><body>{body}</body></html>",
        esc(title)
    )
}

fn login_html(error: Option<&str>) -> String {
    let error = error.map_or(String::new(), |e| {
        format!("<p class=\"error\" role=\"alert\">{}</p>", esc(e))
    });
    shell(
        "Sign in",
        &format!(
            "<main class=\"narrow\"><div class=\"login\"><div class=\"brand\">Renewly \
             <span>Analytics</span></div><h1 style=\"margin-top:14px\">Sign in</h1>\
             <p class=\"sub\">With a secret API key (sk_test_… or sk_live_…). It is sent once and \
             never stored in the browser; you stay signed in for {SESSION_HOURS} hours.</p>\
             <form method=\"post\" action=\"/dashboard/login\">{error}<label for=\"key\">Secret API key\
             <input id=\"key\" name=\"key\" type=\"password\" autocomplete=\"off\" spellcheck=\"false\" \
             required placeholder=\"sk_test_…\"></label><button type=\"submit\">Sign in</button>\
             </form></div></main>"
        ),
    )
}

/// What the filter bar offers.
struct Filters<'a> {
    query: &'a ReportQuery,
    metric: Metric,
    plans: Vec<(String, String)>,
    users: Vec<(String, String)>,
}

fn select(name: &str, label: &str, current: Option<&str>, options: &[(String, String)]) -> String {
    let mut out = format!(
        "<label>{label}<select name=\"{name}\"><option value=\"\">All</option>",
        label = esc(label)
    );
    for (id, text) in options {
        let selected = if current == Some(id.as_str()) {
            " selected"
        } else {
            ""
        };
        out.push_str(&format!(
            "<option value=\"{}\"{selected}>{}</option>",
            esc(id),
            esc(text)
        ));
    }
    out.push_str("</select></label>");
    out
}

fn filter_bar(o: &Overview, f: &Filters<'_>) -> String {
    let q = f.query;
    let value = |v: &str| format!("value=\"{}\"", esc(v));
    let metrics = [
        ("customers".to_owned(), "Customers".to_owned()),
        ("mrr".to_owned(), "MRR".to_owned()),
    ];
    let metric_select = metrics
        .iter()
        .map(|(v, t)| {
            let sel = if v == f.metric.as_str() {
                " selected"
            } else {
                ""
            };
            format!("<option value=\"{v}\"{sel}>{t}</option>")
        })
        .collect::<String>();
    format!(
        "<form class=\"filters\" method=\"get\" action=\"/dashboard\" aria-label=\"Report filters\">\
         <label>From<input type=\"month\" name=\"from\" {}></label>\
         <label>To<input type=\"month\" name=\"to\" {}></label>\
         <label>Currency<input name=\"currency\" maxlength=\"3\" size=\"4\" {}></label>\
         {}{}\
         <label>Country<input name=\"country\" maxlength=\"2\" size=\"3\" placeholder=\"NL\" {}></label>\
         <label>Cohorts by<select name=\"metric\">{metric_select}</select></label>\
         <button type=\"submit\">Apply</button></form>",
        value(&o.movements.from),
        value(&o.movements.to),
        value(&o.movements.currency),
        select("plan", "Plan", q.plan.as_deref(), &f.plans),
        select(
            "salesperson",
            "Salesperson",
            q.salesperson.as_deref(),
            &f.users
        ),
        value(q.country.as_deref().unwrap_or_default()),
    )
}

fn tile(label: &str, value: &str, delta: Option<(String, bool)>) -> String {
    let delta = delta.map_or(String::new(), |(text, good)| {
        format!(
            "<div class=\"d {}\">{}</div>",
            if good { "up" } else { "down" },
            esc(&text)
        )
    });
    format!(
        "<div class=\"tile\"><div class=\"k\">{}</div><div class=\"v\">{}</div>{delta}</div>",
        esc(label),
        esc(value)
    )
}

fn change(now: Decimal, before: Decimal, money: &Money, higher_is_good: bool) -> (String, bool) {
    let d = now - before;
    let sign = if d >= Decimal::ZERO { "+" } else { "" };
    let text = format!("{sign}{} vs last month", money.full(d)).replace("+−", "−");
    (text, (d >= Decimal::ZERO) == higher_is_good)
}

fn tiles(o: &Overview, money: &Money) -> String {
    let Some(k) = o.kpis.months.last() else {
        return String::new();
    };
    let prev = o.kpis.months.iter().rev().nth(1);
    let count_change = |now: i64, before: Option<i64>| {
        before.map(|b| {
            let d = now - b;
            (format!("{d:+} vs last month"), d >= 0)
        })
    };
    let opt = |v: Option<Decimal>| v.map_or("—".to_owned(), |x| money.full(x));
    let k: &KpiMonth = k;
    let mut out = String::from("<section class=\"tiles\" aria-label=\"Key figures\">");
    out.push_str(&tile(
        &format!("MRR · {}", month_label(&k.month)),
        &money.full(k.mrr),
        prev.map(|p| change(k.mrr, p.mrr, money, true)),
    ));
    out.push_str(&tile("ARR", &money.full(k.arr), None));
    out.push_str(&tile(
        "Net new MRR",
        &money.full(k.net_new_mrr),
        Some((
            format!("{} over the range", money.full(o.movements.totals.net_new)),
            o.movements.totals.net_new >= Decimal::ZERO,
        )),
    ));
    out.push_str(&tile(
        "Active subscriptions",
        &k.active_subscriptions.to_string(),
        count_change(k.active_subscriptions, prev.map(|p| p.active_subscriptions)),
    ));
    out.push_str(&tile(
        "Paying customers",
        &k.paying_customers.to_string(),
        count_change(k.paying_customers, prev.map(|p| p.paying_customers)),
    ));
    out.push_str(&tile("ARPA", &opt(k.arpa), None));
    out.push_str(&tile("Gross MRR churn", &percent(k.gross_mrr_churn), None));
    out.push_str(&tile("Net MRR churn", &percent(k.net_mrr_churn), None));
    out.push_str(&tile(
        "Logo churn",
        &percent(k.logo_churn),
        Some((
            format!("{} customers churned", k.churned_customers),
            k.churned_customers == 0,
        )),
    ));
    out.push_str(&tile("LTV", &opt(k.ltv), None));
    out.push_str(&tile("Net revenue", &money.full(k.net_revenue), None));
    out.push_str(&tile(
        "Non-recurring revenue",
        &money.full(k.non_recurring_revenue),
        None,
    ));
    out.push_str("</section>");
    out
}

fn legend(items: &[(&str, &str, bool)]) -> String {
    let mut out = String::from("<ul class=\"legend\">");
    for (name, color, dashed) in items {
        out.push_str(&format!(
            "<li><i class=\"{}\" style=\"background:{color}\"></i>{}</li>",
            if *dashed { "dash" } else { "" },
            esc(name)
        ));
    }
    out.push_str("</ul>");
    out
}

fn table(caption: &str, head: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut out = format!(
        "<details><summary>Show as table</summary><div class=\"scroll\"><table><caption class=\"sub\" \
         style=\"text-align:left\">{}</caption><thead><tr>",
        esc(caption)
    );
    for h in head {
        out.push_str(&format!("<th scope=\"col\">{}</th>", esc(h)));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            if i == 0 {
                out.push_str(&format!("<th scope=\"row\">{}</th>", esc(cell)));
            } else {
                out.push_str(&format!("<td>{}</td>", esc(cell)));
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div></details>");
    out
}

fn figure(class: &str, title: &str, sub: &str, body: &str) -> String {
    format!(
        "<figure class=\"{class}\"><figcaption><h2>{}</h2><p class=\"sub\">{}</p></figcaption>{body}</figure>",
        esc(title),
        esc(sub)
    )
}

fn mrr_figure(o: &Overview, money: &Money) -> String {
    let months: Vec<String> = o.kpis.months.iter().map(|m| m.month.clone()).collect();
    let line = Line {
        name: "MRR",
        color: palette::INDIGO,
        dashed: false,
        points: o.kpis.months.iter().map(|m| Some(m.mrr)).collect(),
    };
    let (first, last) = (o.kpis.months.first(), o.kpis.months.last());
    let desc = match (first, last) {
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
    figure(
        "",
        "MRR",
        "At each month end: the sum of every movement up to then",
        &format!(
            "{svg}{}",
            table(
                "MRR per month",
                &["Month", "MRR", "ARR", "Subscriptions", "Customers"],
                rows
            )
        ),
    )
}

/// A movement series: label, colour, and how to read it from a month.
type Series<'a> = (
    &'a str,
    &'a str,
    fn(&renewly_types::MovementMonth) -> Decimal,
);

fn movements_figure(o: &Overview, money: &Money) -> String {
    let mv = &o.movements.months;
    let months: Vec<String> = mv.iter().map(|m| m.month.clone()).collect();
    let series: [Series<'_>; 5] = [
        ("New", palette::INDIGO, |m| m.new),
        ("Expansion", palette::TEAL, |m| m.expansion),
        ("Reactivation", palette::SKY, |m| m.reactivation),
        ("Contraction", palette::AMBER, |m| m.contraction),
        ("Churn", palette::ROSE, |m| m.churn),
    ];
    let stacks: Vec<Stack<'_>> = series
        .iter()
        .map(|(name, color, get)| Stack {
            name,
            color,
            values: mv.iter().map(get).collect(),
        })
        .collect();
    let t = &o.movements.totals;
    let desc = format!(
        "Per month, gains above zero and losses below. Over the range: new {}, expansion {}, \
         reactivation {}, contraction {}, churn {}, net new {}.",
        money.full(t.new),
        money.full(t.expansion),
        money.full(t.reactivation),
        money.full(t.contraction),
        money.full(t.churn),
        money.full(t.net_new)
    );
    let svg = stacked_bars("mov", "MRR movements", &desc, &months, &stacks, money);
    let mut keys: Vec<(&str, &str, bool)> =
        series.iter().map(|(n, c, _)| (*n, *c, false)).collect();
    keys.push(("Net new", palette::INK, true));
    let rows = mv
        .iter()
        .map(|m| {
            vec![
                month_label(&m.month),
                money.full(m.new),
                money.full(m.expansion),
                money.full(m.reactivation),
                money.full(m.contraction),
                money.full(m.churn),
                money.full(m.net_new),
            ]
        })
        .collect();
    figure(
        "",
        "MRR movements",
        "New, expansion and reactivation up; contraction and churn down",
        &format!(
            "{svg}{}{}",
            legend(&keys),
            table(
                "Movements per month",
                &[
                    "Month",
                    "New",
                    "Expansion",
                    "Reactivation",
                    "Contraction",
                    "Churn",
                    "Net new"
                ],
                rows
            )
        ),
    )
}

fn cohort_figure(o: &Overview, money: &Money) -> String {
    let c = &o.cohorts;
    let width = c
        .cohorts
        .iter()
        .map(|r| r.retention.len())
        .max()
        .unwrap_or(0);
    let mut out = String::from(
        "<div class=\"scroll\"><table class=\"heat\"><caption class=\"sub\" style=\"text-align:left\">\
         Rows: the month of each customer's first payment. Columns: months later.</caption>\
         <thead><tr><th scope=\"col\">Cohort</th><th scope=\"col\">Customers</th><th scope=\"col\">Starting MRR</th>",
    );
    for n in 0..width {
        out.push_str(&format!("<th scope=\"col\">M{n}</th>"));
    }
    out.push_str("</tr></thead><tbody>");
    for row in &c.cohorts {
        out.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td>",
            esc(&month_label(&row.cohort)),
            row.customers,
            esc(&money.full(row.starting_mrr))
        ));
        for n in 0..width {
            match row.retention.get(n) {
                Some(v) => {
                    let (bg, ink) = heat(*v);
                    let text = v.map_or("—".to_owned(), |x| {
                        format!("{}%", (x * Decimal::from(100)).round_dp(0))
                    });
                    out.push_str(&format!(
                        "<td class=\"cell\" style=\"background:{bg};color:{ink}\">{text}</td>"
                    ));
                }
                None => out.push_str("<td></td>"),
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    let sub = match c.metric.as_str() {
        "mrr" => "Share of each cohort's starting MRR still there (over 100 % with expansion)",
        _ => "Share of each cohort's customers still paying",
    };
    figure("wide", "Cohort retention", sub, &out)
}

fn reasons_figure(o: &Overview, money: &Money) -> String {
    let reasons = &o.churn_reasons.reasons;
    let body = if reasons.is_empty() {
        "<p class=\"sub\">No subscription ended in this range.</p>".to_owned()
    } else {
        let bars: Vec<(String, Decimal)> = reasons
            .iter()
            .map(|r| (r.reason.clone(), r.mrr_lost))
            .collect();
        let total: Decimal = reasons.iter().map(|r| r.mrr_lost).sum();
        let svg = horizontal_bars(
            "why",
            "MRR lost per close reason",
            &format!(
                "{} reasons; {} MRR lost in all; largest: {}.",
                reasons.len(),
                money.full(total),
                reasons[0].reason
            ),
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
        format!(
            "{svg}{}",
            table(
                "Close reasons",
                &[
                    "Reason",
                    "Subscriptions",
                    "Customers lost",
                    "MRR lost",
                    "Share"
                ],
                rows
            )
        )
    };
    figure(
        "",
        "Churn reasons",
        "Subscriptions that ended in the range, by the reason given",
        &body,
    )
}

fn salespeople_figure(o: &Overview, money: &Money) -> String {
    let rows = &o.salespeople.salespeople;
    let max = rows
        .iter()
        .map(|r| r.net_new.abs())
        .max()
        .unwrap_or(Decimal::ONE)
        .max(Decimal::ONE);
    let mut out = String::from(
        "<div class=\"scroll\"><table><caption class=\"sub\" style=\"text-align:left\">Movements in the range \
         and MRR at its end</caption><thead><tr><th scope=\"col\">Salesperson</th><th scope=\"col\">New</th>\
         <th scope=\"col\">Expansion</th><th scope=\"col\">Reactivation</th><th scope=\"col\">Contraction</th>\
         <th scope=\"col\">Churn</th><th scope=\"col\">Net new</th><th scope=\"col\">MRR</th></tr></thead><tbody>",
    );
    for r in rows {
        let share = (r.net_new.abs() / max * Decimal::from(80)).round_dp(0);
        let neg = r.net_new < Decimal::ZERO;
        out.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td class=\"neg\">{}</td>\
             <td class=\"neg\">{}</td><td><span class=\"bar{}\" style=\"width:{share}px\" aria-hidden=\"true\"></span>{}</td><td>{}</td></tr>",
            esc(&r.name),
            esc(&money.full(r.new)),
            esc(&money.full(r.expansion)),
            esc(&money.full(r.reactivation)),
            esc(&money.full(r.contraction)),
            esc(&money.full(r.churn)),
            if neg { " neg" } else { "" },
            esc(&money.full(r.net_new)),
            esc(&money.full(r.mrr)),
        ));
    }
    if rows.is_empty() {
        out.push_str("<tr><td colspan=\"8\" class=\"sub\">No movements in this range.</td></tr>");
    }
    out.push_str("</tbody></table></div>");
    figure(
        "wide",
        "Salespeople",
        "Each salesperson's impact on MRR, largest net new first",
        &out,
    )
}

fn forecast_figure(o: &Overview, money: &Money) -> String {
    let f = &o.forecast;
    let months: Vec<String> = f
        .history
        .iter()
        .chain(f.months.iter())
        .map(|m| m.month.clone())
        .collect();
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
        points: (0..months.len())
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
    let end = f.months.last();
    let desc = format!(
        "Actual MRR, then the projection: {} a month on average over {}; {} expected by {}.",
        money.full(f.average_net_new_mrr),
        f.basis_months.first().map_or(String::new(), |m| format!(
            "the 6 months from {}",
            month_label(m)
        )),
        end.map_or("—".to_owned(), |m| money.full(m.mrr)),
        end.map_or("—".to_owned(), |m| month_label(&m.month))
    );
    let svg = line_chart(
        "fc",
        "MRR forecast",
        &desc,
        &months,
        &[actual, expected],
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
    let summary = format!(
        "<p class=\"sub\">Expected annual growth: <strong>{} MRR</strong> ({}) and <strong>{} \
         contracts</strong>.</p><p class=\"sub\">{}</p>",
        esc(&money.full(f.expected_annual_mrr_growth)),
        esc(&percent(f.expected_annual_mrr_growth_rate)),
        esc(&format!(
            "{:+}",
            f.expected_annual_contract_growth.round_dp(0)
        )),
        esc(&f.method)
    );
    figure(
        "",
        "Forecast",
        "Next 12 months, projected from the last 6 months' net new MRR and contracts",
        &format!(
            "{svg}{}{summary}{}",
            legend(&[
                ("Actual", palette::INDIGO, false),
                ("Expected", palette::TEAL, true)
            ]),
            table(
                "Expected MRR and contracts",
                &["Month", "Expected MRR", "Expected contracts"],
                rows
            )
        ),
    )
}

fn dashboard_html(
    merchant: &str,
    livemode: bool,
    o: &Overview,
    filters: &Filters<'_>,
    notice: Option<&str>,
) -> String {
    let money = Money::new(&o.movements.currency);
    let notice = notice.map_or(String::new(), |n| {
        format!("<p class=\"notice\" role=\"alert\">{}</p>", esc(n))
    });
    let body = format!(
        "<header class=\"top\"><div class=\"brand\">Renewly <span>Analytics</span></div>\
         <div class=\"who\">{}</div><span class=\"badge{}\">{}</span>\
         <form method=\"post\" action=\"/dashboard/logout\"><button class=\"ghost\" type=\"submit\">Sign out</button></form></header>\
         <main><h1>Revenue</h1><p class=\"sub\">{} to {}, in {}. Amounts exclude tax.</p>{}{notice}{}\
         <div class=\"grid\">{}{}</div>{}<div class=\"grid\">{}{}</div>{}\
         <footer>Definitions: MRR is the sum of every MRR movement up to a month's end; ARR = 12 × MRR; \
         ARPA = MRR ÷ paying customers; gross MRR churn = (churn + contraction) ÷ MRR at the start of the month; \
         net MRR churn also subtracts expansion and reactivation; logo churn = churned customers ÷ customers at \
         the start; LTV = ARPA ÷ the six-month average logo churn. The same figures are served by \
         <code>/v1/analytics/…</code>.</footer></main>",
        esc(merchant),
        if livemode { " live" } else { "" },
        if livemode { "Live" } else { "Test mode" },
        esc(&month_label(&o.movements.from)),
        esc(&month_label(&o.movements.to)),
        esc(&o.movements.currency),
        filter_bar(o, filters),
        tiles(o, &money),
        mrr_figure(o, &money),
        movements_figure(o, &money),
        cohort_figure(o, &money),
        forecast_figure(o, &money),
        reasons_figure(o, &money),
        salespeople_figure(o, &money),
    );
    shell("Analytics", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; renewly_dashboard=abc; b=2"),
        );
        assert_eq!(session_token(&h).as_deref(), Some("abc"));
        assert_eq!(session_token(&HeaderMap::new()), None);
    }

    #[test]
    fn the_login_form_posts_and_escapes_its_error() {
        let html = login_html(Some("<bad>"));
        assert!(html.contains("method=\"post\""));
        assert!(html.contains("&lt;bad&gt;"));
        assert!(!html.contains("<script"));
    }
}
