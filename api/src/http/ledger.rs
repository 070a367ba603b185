//! `/v1/ledger`: the double-entry ledger and its trial balance.

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use renewly_types::{LedgerEntry, List, TrialBalance, TrialBalanceRow};

use super::AppState;
use super::extract::{ApiQuery, ListQuery, SecretKey};
use crate::billing::clock;
use crate::domain::money::from_minor;
use crate::domain::month::parse_date;
use crate::error::{ApiError, ApiResult};
use crate::ids::Kind;
use crate::store::ledger::{self, EntryFilter};

/// Filters of the ledger.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerQuery {
    /// Only entries dated on or before this day (default: today).
    pub as_of: Option<String>,
    /// Only the entries of this invoice.
    pub invoice: Option<String>,
    /// Only this account.
    pub account: Option<String>,
}

async fn as_of(
    state: &AppState,
    scope: &crate::store::Scope,
    raw: Option<&str>,
) -> ApiResult<NaiveDate> {
    match raw {
        Some(raw) => parse_date(raw)
            .ok_or_else(|| ApiError::invalid("as_of", "as_of must be a date YYYY-MM-DD")),
        None => Ok(clock::today(&state.db, scope).await?),
    }
}

/// The double-entry ledger, newest first: posting (receivable / revenue or
/// deferred revenue / tax payable), monthly recognition of deferred revenue, and
/// payments (cash / receivable).
#[utoipa::path(get, path = "/v1/ledger", tag = "billing", params(ListQuery, LedgerQuery),
    responses((status = 200, body = List<LedgerEntry>)), security(("secret_key" = [])))]
pub async fn list_ledger(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiQuery(list): ApiQuery<ListQuery>,
    ApiQuery(q): ApiQuery<LedgerQuery>,
) -> ApiResult<Json<List<LedgerEntry>>> {
    let page = list.page(Kind::LedgerEntry)?;
    let as_of = as_of(&state, &scope, q.as_of.as_deref()).await?;
    let filter = EntryFilter {
        as_of,
        invoice: q.invoice,
        account: q.account,
    };
    let rows = ledger::list(&state.db, &scope, &filter, &page).await?;
    let (rows, more) = page.finish(rows);
    let data = rows
        .into_iter()
        .map(|r| {
            let cur = &r.cur;
            LedgerEntry {
                id: r.id,
                object: "ledger_entry".to_owned(),
                journal: r.journal,
                invoice: r.invoice_id,
                date: r.entry_date,
                account: r.account,
                debit: from_minor(r.debit_minor, cur),
                credit: from_minor(r.credit_minor, cur),
                currency: r.currency,
                memo: r.memo,
            }
        })
        .collect();
    Ok(Json(List::new(data, more)))
}

/// Every account's debits, credits and balance up to `as_of`.
#[utoipa::path(get, path = "/v1/ledger/trial_balance", tag = "billing", params(LedgerQuery),
    responses((status = 200, body = TrialBalance)), security(("secret_key" = [])))]
pub async fn trial_balance(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiQuery(q): ApiQuery<LedgerQuery>,
) -> ApiResult<Json<TrialBalance>> {
    let as_of = as_of(&state, &scope, q.as_of.as_deref()).await?;
    let rows = ledger::sums(&state.db, &scope, as_of).await?;
    let mut balanced = true;
    let mut per_currency: std::collections::BTreeMap<String, i64> = Default::default();
    let accounts = rows
        .into_iter()
        .map(|r| {
            let (account, code, debit, credit, cur) =
                (r.account, r.currency, r.debit_minor, r.credit_minor, r.cur);
            *per_currency.entry(code.clone()).or_default() += debit - credit;
            TrialBalanceRow {
                account,
                debit: from_minor(debit, &cur),
                credit: from_minor(credit, &cur),
                balance: from_minor(debit - credit, &cur),
                currency: code,
            }
        })
        .collect();
    for net in per_currency.values() {
        balanced &= *net == 0;
    }
    Ok(Json(TrialBalance {
        as_of: as_of.to_string(),
        accounts,
        balanced,
    }))
}
