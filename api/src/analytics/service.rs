//! The reports as the API and the dashboard serve them: parameters checked once,
//! sums read from the database, figures computed by the pure modules, rounded
//! for the wire.

use std::collections::{BTreeMap, HashMap};

use renewly_types::{
    ChurnReason, ChurnReasons, CohortRow, Cohorts, Forecast, ForecastMonth, KpiMonth, Kpis,
    MovementMonth, MrrMonth, MrrMovements, MrrSeries, Salespeople, SalespersonRow,
};
use rust_decimal::Decimal;

use super::breakdown::{churn_reasons as reasons_of, salespeople as salespeople_of};
use super::cohorts::{Metric, cohorts as cohorts_of};
use super::forecast::{BASIS_MONTHS, METHOD, project};
use super::fx::Rates;
use super::kpis::{LTV_WINDOW, Revenue, kpis as kpis_of};
use super::month::Month;
use super::present::{amount, ratio4};
use super::reports::{self, Filter, ReportError};
use super::series::{Bucket, MonthFigures, Movements, monthly};
use crate::billing::clock;
use crate::db::Db;
use crate::domain::country::Country;
use crate::domain::currency::Currency;
use crate::error::ApiError;
use crate::ids::{Kind, is_id_of};
use crate::store::merchants::get_merchant;
use crate::store::{Scope, exchange_rates};

/// Longest range a report may cover.
pub const MAX_MONTHS: i32 = 120;

/// The query of every analytics endpoint.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// First month, `YYYY-MM` (default: 11 months before `to`).
    pub from: Option<String>,
    /// Last month, `YYYY-MM` (default: the current month; the test clock's in test mode).
    pub to: Option<String>,
    /// ISO 4217 code to report in (default: the merchant's reporting currency).
    /// Other currencies are converted with `/v1/exchange_rates`.
    pub currency: Option<String>,
    /// Only subscriptions of this plan (`plan_…`).
    pub plan: Option<String>,
    /// Only subscriptions of this salesperson (`usr_…`).
    pub salesperson: Option<String>,
    /// Only customers billed in this country (ISO 3166-1 alpha-2).
    pub country: Option<String>,
}

/// A checked report request.
#[derive(Debug, Clone)]
pub struct Report {
    pub filter: Filter,
    pub from: Month,
    pub to: Month,
    rates: Rates,
}

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn month_param(param: &str, raw: Option<&str>) -> Result<Option<Month>, ApiError> {
    raw.map(|r| {
        Month::parse(r).ok_or_else(|| {
            ApiError::invalid(
                param,
                format!("'{param}' must be a month YYYY-MM, got '{r}'"),
            )
        })
    })
    .transpose()
}

impl Report {
    /// Checks the query: months, currency and filters; 422 naming the parameter.
    pub async fn prepare(db: &Db, scope: &Scope, q: &ReportQuery) -> Result<Self, ApiError> {
        let from = month_param("from", blank(&q.from))?;
        let to = month_param("to", blank(&q.to))?;
        let to = match to {
            Some(t) => t,
            None => Month::of(clock::today(db, scope).await?),
        };
        let from = from.unwrap_or_else(|| to.plus(-11));
        if from > to {
            return Err(ApiError::invalid(
                "from",
                format!("'from' ({from}) must not be after 'to' ({to})"),
            ));
        }
        if from.until(to) >= MAX_MONTHS {
            return Err(ApiError::invalid(
                "from",
                format!("A report covers at most {MAX_MONTHS} months"),
            ));
        }
        let currency = match blank(&q.currency) {
            Some(raw) => Currency::parse(raw).ok_or_else(|| {
                ApiError::invalid(
                    "currency",
                    format!("'{raw}' is not an ISO 4217 currency code"),
                )
            })?,
            None => {
                let merchant = get_merchant(db, scope).await?;
                merchant
                    .and_then(|m| Currency::parse(&m.reporting_currency))
                    .ok_or_else(|| {
                        ApiError::Internal(anyhow::anyhow!("merchant without reporting currency"))
                    })?
            }
        };
        let plan = blank(&q.plan)
            .map(|p| {
                is_id_of(Kind::Plan, p)
                    .then(|| p.to_owned())
                    .ok_or_else(|| ApiError::invalid("plan", "'plan' must be a plan_… id"))
            })
            .transpose()?;
        let salesperson = blank(&q.salesperson)
            .map(|p| {
                is_id_of(Kind::User, p)
                    .then(|| p.to_owned())
                    .ok_or_else(|| {
                        ApiError::invalid("salesperson", "'salesperson' must be a usr_… id")
                    })
            })
            .transpose()?;
        let country = blank(&q.country)
            .map(|c| {
                Country::parse(c)
                    .map(|c| c.as_str().to_owned())
                    .ok_or_else(|| {
                        ApiError::invalid("country", "'country' must be an ISO 3166-1 alpha-2 code")
                    })
            })
            .transpose()?;
        let rates = Rates::new(
            exchange_rates::all(db, scope)
                .await?
                .into_iter()
                .map(|r| (r.from, r.to, r.date, r.rate)),
        );
        Ok(Self {
            filter: Filter {
                scope: scope.clone(),
                currency,
                plan,
                salesperson,
                country,
            },
            from,
            to,
            rates,
        })
    }

    fn currency(&self) -> &Currency {
        &self.filter.currency
    }

    fn money(&self, v: Decimal) -> Decimal {
        amount(v, self.currency())
    }

    /// Every movement bucket up to the end of `to`.
    pub async fn movement_buckets(&self, db: &Db) -> Result<Vec<Bucket>, ApiError> {
        reports::movements(db, &self.filter, &self.rates, self.to)
            .await
            .map_err(report_error)
    }

    /// Figures from `first` (or earlier, as asked) to `to`.
    fn figures(&self, buckets: &[Bucket], first: Month) -> Vec<MonthFigures> {
        monthly(buckets, first.min(self.from), self.to)
    }
}

/// A missing exchange rate is the caller's to fix: 422 on `currency`.
fn report_error(e: ReportError) -> ApiError {
    match e {
        ReportError::MissingRate(m) => ApiError::invalid("currency", m.to_string()),
        ReportError::Db(e) => ApiError::from(e),
    }
}

fn movement_month(r: &Report, month: String, mv: &Movements, mrr: Decimal) -> MovementMonth {
    MovementMonth {
        month,
        new: r.money(mv.new),
        expansion: r.money(mv.expansion),
        contraction: r.money(mv.contraction),
        churn: r.money(mv.churn),
        reactivation: r.money(mv.reactivation),
        net_new: r.money(mv.net_new()),
        mrr: r.money(mrr),
    }
}

/// MRR, ARR and counts per month.
pub fn mrr_series(r: &Report, buckets: &[Bucket]) -> MrrSeries {
    let months = r
        .figures(buckets, r.from)
        .iter()
        .map(|f| MrrMonth {
            month: f.month.to_string(),
            mrr: r.money(f.mrr),
            arr: r.money(f.mrr * Decimal::from(12)),
            active_subscriptions: f.active_subscriptions,
            paying_customers: f.paying_customers,
        })
        .collect();
    MrrSeries {
        object: "mrr".to_owned(),
        currency: r.currency().code().to_owned(),
        from: r.from.to_string(),
        to: r.to.to_string(),
        months,
    }
}

/// Movements per month and over the range.
pub fn movements(r: &Report, buckets: &[Bucket]) -> MrrMovements {
    let figures = r.figures(buckets, r.from);
    let mut total = Movements::default();
    for f in &figures {
        total.absorb(&f.movements);
    }
    let end_mrr = figures.last().map(|f| f.mrr).unwrap_or_default();
    MrrMovements {
        object: "mrr_movements".to_owned(),
        currency: r.currency().code().to_owned(),
        from: r.from.to_string(),
        to: r.to.to_string(),
        months: figures
            .iter()
            .map(|f| movement_month(r, f.month.to_string(), &f.movements, f.mrr))
            .collect(),
        totals: movement_month(r, "total".to_owned(), &total, end_mrr),
    }
}

/// The revenue of posted invoices per month of the range.
pub async fn revenue(r: &Report, db: &Db) -> Result<BTreeMap<Month, Revenue>, ApiError> {
    let (net, extra) = tokio::try_join!(
        reports::net_revenue(db, &r.filter, &r.rates, r.from, r.to),
        reports::non_recurring_revenue(db, &r.filter, &r.rates, r.from, r.to),
    )
    .map_err(report_error)?;
    let mut out: BTreeMap<Month, Revenue> = BTreeMap::new();
    for (m, v) in net {
        out.entry(m).or_default().net += v;
    }
    for (m, v) in extra {
        out.entry(m).or_default().non_recurring += v;
    }
    Ok(out)
}

/// The movement buckets and the revenue, read at the same time.
pub async fn buckets_and_revenue(
    r: &Report,
    db: &Db,
) -> Result<(Vec<Bucket>, BTreeMap<Month, Revenue>), ApiError> {
    tokio::try_join!(r.movement_buckets(db), revenue(r, db))
}

/// KPIs per month.
pub fn kpis(r: &Report, buckets: &[Bucket], revenue: &BTreeMap<Month, Revenue>) -> Kpis {
    let figures = r.figures(buckets, r.from.plus(1 - LTV_WINDOW));
    let money = |v: Option<Decimal>| v.map(|x| r.money(x));
    let months = kpis_of(&figures, revenue, r.from)
        .into_iter()
        .map(|k| KpiMonth {
            month: k.month.to_string(),
            mrr: r.money(k.mrr),
            arr: r.money(k.arr),
            net_new_mrr: r.money(k.net_new_mrr),
            active_subscriptions: k.active_subscriptions,
            paying_customers: k.paying_customers,
            churned_customers: k.churned_customers,
            arpa: money(k.arpa),
            revenue_per_contract: money(k.revenue_per_contract),
            gross_mrr_churn: k.gross_mrr_churn.map(ratio4),
            net_mrr_churn: k.net_mrr_churn.map(ratio4),
            logo_churn: k.logo_churn.map(ratio4),
            ltv: money(k.ltv),
            net_revenue: r.money(k.revenue.net),
            non_recurring_revenue: r.money(k.revenue.non_recurring),
        })
        .collect();
    Kpis {
        object: "kpis".to_owned(),
        currency: r.currency().code().to_owned(),
        from: r.from.to_string(),
        to: r.to.to_string(),
        months,
    }
}

/// The cohort table.
pub async fn cohorts(r: &Report, db: &Db, metric: Metric) -> Result<Cohorts, ApiError> {
    let buckets = reports::by_cohort(db, &r.filter, &r.rates, r.from, r.to)
        .await
        .map_err(report_error)?;
    let rows = cohorts_of(&buckets, r.from, r.to, metric)
        .into_iter()
        .map(|c| CohortRow {
            cohort: c.cohort.to_string(),
            customers: c.customers,
            starting_mrr: r.money(c.starting_mrr),
            retention: c.retention.into_iter().map(|x| x.map(ratio4)).collect(),
        })
        .collect();
    Ok(Cohorts {
        object: "cohorts".to_owned(),
        metric: metric.as_str().to_owned(),
        currency: r.currency().code().to_owned(),
        from: r.from.to_string(),
        to: r.to.to_string(),
        cohorts: rows,
    })
}

/// MRR lost per close reason.
pub async fn churn_reasons(r: &Report, db: &Db) -> Result<ChurnReasons, ApiError> {
    let buckets = reports::by_close_reason(db, &r.filter, &r.rates, r.from, r.to)
        .await
        .map_err(report_error)?;
    let reasons = reasons_of(&buckets, r.from, r.to)
        .into_iter()
        .map(|t| ChurnReason {
            reason: t.reason.unwrap_or_else(|| "unspecified".to_owned()),
            subscriptions: t.subscriptions,
            churned_customers: t.churned_customers,
            mrr_lost: r.money(t.mrr_lost),
            share: t.share.map(ratio4),
        })
        .collect();
    Ok(ChurnReasons {
        object: "churn_reasons".to_owned(),
        currency: r.currency().code().to_owned(),
        from: r.from.to_string(),
        to: r.to.to_string(),
        reasons,
    })
}

/// Movements per salesperson.
pub async fn salespeople(r: &Report, db: &Db) -> Result<Salespeople, ApiError> {
    let buckets = reports::by_salesperson(db, &r.filter, &r.rates, r.to)
        .await
        .map_err(report_error)?;
    let names: HashMap<String, String> = crate::store::analytics::user_names(db, &r.filter.scope)
        .await?
        .into_iter()
        .collect();
    let rows = salespeople_of(&buckets, r.from, r.to)
        .into_iter()
        .map(|t| {
            let mv = &t.movements;
            SalespersonRow {
                name: t
                    .salesperson
                    .as_ref()
                    .map_or("Unassigned", |id| {
                        names.get(id).map_or(id.as_str(), String::as_str)
                    })
                    .to_owned(),
                salesperson: t.salesperson.clone(),
                new: r.money(mv.new),
                expansion: r.money(mv.expansion),
                contraction: r.money(mv.contraction),
                churn: r.money(mv.churn),
                reactivation: r.money(mv.reactivation),
                net_new: r.money(mv.net_new()),
                mrr: r.money(t.mrr),
            }
        })
        .collect();
    Ok(Salespeople {
        object: "salespeople".to_owned(),
        currency: r.currency().code().to_owned(),
        from: r.from.to_string(),
        to: r.to.to_string(),
        salespeople: rows,
    })
}

/// The 12-month projection after `to`, with the actual months of the range.
pub fn forecast(r: &Report, buckets: &[Bucket]) -> Forecast {
    let basis_start = r.to.plus(1 - BASIS_MONTHS);
    let figures = r.figures(buckets, basis_start);
    let point = |month: Month, mrr: Decimal, subs: i64| ForecastMonth {
        month: month.to_string(),
        mrr: r.money(mrr),
        active_subscriptions: subs,
    };
    let history = figures
        .iter()
        .filter(|f| f.month >= r.from)
        .map(|f| point(f.month, f.mrr, f.active_subscriptions))
        .collect();
    let basis: Vec<MonthFigures> = figures
        .iter()
        .filter(|f| f.month >= basis_start)
        .cloned()
        .collect();
    let projection = project(&basis);
    let (avg_mrr, avg_contracts, months, basis_months) = match &projection {
        Some(p) => (
            p.average_net_new_mrr,
            p.average_net_new_contracts,
            p.months.iter().map(|(m, v, n)| point(*m, *v, *n)).collect(),
            p.basis.iter().map(Month::to_string).collect(),
        ),
        None => (Decimal::ZERO, Decimal::ZERO, Vec::new(), Vec::new()),
    };
    let growth = avg_mrr * Decimal::from(12);
    let end_mrr = basis.last().map(|f| f.mrr).unwrap_or_default();
    Forecast {
        object: "forecast".to_owned(),
        currency: r.currency().code().to_owned(),
        from: r.from.to_string(),
        to: r.to.to_string(),
        method: METHOD.to_owned(),
        basis_months,
        average_net_new_mrr: r.money(avg_mrr),
        average_net_new_contracts: ratio4(avg_contracts),
        expected_annual_mrr_growth: r.money(growth),
        expected_annual_mrr_growth_rate: growth.checked_div(end_mrr).map(ratio4),
        expected_annual_contract_growth: ratio4(avg_contracts * Decimal::from(12)),
        history,
        months,
    }
}

/// Everything the dashboard shows, from one read of the movements.
#[derive(Debug, Clone)]
pub struct Overview {
    pub movements: MrrMovements,
    pub kpis: Kpis,
    pub cohorts: Cohorts,
    pub churn_reasons: ChurnReasons,
    pub salespeople: Salespeople,
    pub forecast: Forecast,
}

/// Builds every report of the dashboard (cohorts measured by `metric`), reading
/// the database with several queries at once.
pub async fn overview(r: &Report, db: &Db, metric: Metric) -> Result<Overview, ApiError> {
    let ((buckets, revenue), cohorts, churn_reasons, salespeople) = tokio::try_join!(
        buckets_and_revenue(r, db),
        cohorts(r, db, metric),
        churn_reasons(r, db),
        salespeople(r, db),
    )?;
    Ok(Overview {
        movements: movements(r, &buckets),
        kpis: kpis(r, &buckets, &revenue),
        cohorts,
        churn_reasons,
        salespeople,
        forecast: forecast(r, &buckets),
    })
}
