//! `/v1/customers`: the people and companies who buy from the merchant.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use renewly_types::{
    Address, CreateCustomer, Customer, List, MergeCustomer, Problem, UpdateCustomer,
};

use super::extract::{ApiJson, ApiQuery, ListQuery, SecretKey, path_id};
use super::merchant::address_input;
use super::{AppState, optional_text};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::ids::{Kind, is_id_of, new_id};
use crate::store::{Scope, customers, now, users};
use crate::vies::Reuse;

/// Filters of `GET /v1/customers`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerFilter {
    /// Only customers with this e-mail address (case-insensitive, exact).
    pub email: Option<String>,
}

/// Creates a customer.
#[utoipa::path(post, path = "/v1/customers", tag = "customers", request_body = CreateCustomer,
    responses((status = 201, body = Customer), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn create_customer(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiJson(body): ApiJson<CreateCustomer>,
) -> ApiResult<(StatusCode, Json<Customer>)> {
    let address = match &body.address {
        Some(a) => address_input("address", a)?,
        None => Address::default(),
    };
    let customer = Customer {
        id: new_id(Kind::Customer),
        object: "customer".to_owned(),
        livemode: scope.livemode,
        email: email_address("email", &body.email)?,
        name: optional_text("name", body.name.as_deref(), 200)?,
        company: optional_text("company", body.company.as_deref(), 200)?,
        vat_number: vat_number(
            "vat_number",
            body.vat_number.as_deref(),
            address.country.as_deref(),
        )?,
        vat_verification: None,
        address,
        locale: locale("locale", body.locale.as_deref().unwrap_or("en"))?,
        pricelist: pricelist(&state.db, &scope, body.pricelist.as_deref()).await?,
        salesperson: salesperson(&state.db, &scope, body.salesperson.as_deref()).await?,
        default_payment_method: None,
        created: now(),
    };
    let mut customer = customer;
    customers::insert_customer(&state.db, &scope, &customer).await?;
    verify_vat(&state, &scope, &mut customer, Reuse::FreshAnswer).await?;
    Ok((StatusCode::CREATED, Json(customer)))
}

/// Lists customers, newest first.
#[utoipa::path(get, path = "/v1/customers", tag = "customers", params(ListQuery, CustomerFilter),
    responses((status = 200, body = List<Customer>)), security(("secret_key" = [])))]
pub async fn list_customers(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiQuery(list): ApiQuery<ListQuery>,
    ApiQuery(q): ApiQuery<CustomerFilter>,
) -> ApiResult<Json<List<Customer>>> {
    let page = list.page(Kind::Customer)?;
    let email = q.email.as_deref().map(str::trim);
    let (data, has_more) = customers::list_customers(&state.db, &scope, email, &page).await?;
    Ok(Json(List::new(data, has_more)))
}

/// Retrieves a customer.
#[utoipa::path(get, path = "/v1/customers/{id}", tag = "customers",
    params(("id" = String, Path, description = "cus_…")),
    responses((status = 200, body = Customer), (status = 404, body = Problem)),
    security(("secret_key" = [])))]
pub async fn get_customer(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
) -> ApiResult<Json<Customer>> {
    find_customer(&state.db, &scope, &id).await.map(Json)
}

/// Changes a customer; `null` clears an optional field.
#[utoipa::path(patch, path = "/v1/customers/{id}", tag = "customers", request_body = UpdateCustomer,
    params(("id" = String, Path, description = "cus_…")),
    responses((status = 200, body = Customer), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn update_customer(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateCustomer>,
) -> ApiResult<Json<Customer>> {
    let mut c = find_customer(&state.db, &scope, &id).await?;
    if let Some(email) = &body.email {
        c.email = email_address("email", email)?;
    }
    if let Some(name) = &body.name {
        c.name = optional_text("name", name.as_deref(), 200)?;
    }
    if let Some(company) = &body.company {
        c.company = optional_text("company", company.as_deref(), 200)?;
    }
    if let Some(address) = &body.address {
        c.address = address_input("address", address)?;
    }
    revalidate_vat(&mut c, body.vat_number.as_ref(), body.address.is_some())?;
    if let Some(l) = &body.locale {
        c.locale = locale("locale", l)?;
    }
    if let Some(p) = &body.pricelist {
        c.pricelist = pricelist(&state.db, &scope, p.as_deref()).await?;
    }
    if let Some(s) = &body.salesperson {
        c.salesperson = salesperson(&state.db, &scope, s.as_deref()).await?;
    }
    customers::update_customer(&state.db, &scope, &c).await?;
    if body.vat_number.is_some() || body.address.is_some() {
        verify_vat(&state, &scope, &mut c, Reuse::FreshAnswer).await?;
    }
    Ok(Json(c))
}

/// Merges a duplicate customer into another: its subscriptions, invoices,
/// orders, cards and MRR history move to `into`, its portal links are revoked and
/// the duplicate is deleted. Anonymous checkouts always make a new customer, so
/// this is how a merchant joins the records of a shopper who bought twice.
#[utoipa::path(post, path = "/v1/customers/{id}/merge", tag = "customers", request_body = MergeCustomer,
    params(("id" = String, Path, description = "The duplicate to merge away (cus_…)")),
    responses((status = 200, body = Customer, description = "The customer that stays"),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn merge_customer(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MergeCustomer>,
) -> ApiResult<Json<Customer>> {
    path_id(Kind::Customer, "customer", &id)?;
    if !is_id_of(Kind::Customer, &body.into) {
        return Err(ApiError::invalid(
            "into",
            "'into' must be a customer id (cus_…)",
        ));
    }
    if body.into == id {
        return Err(ApiError::invalid(
            "into",
            "A customer cannot be merged into itself",
        ));
    }
    // The one that stays must exist: a 422 naming the field, not a 404 of the path.
    if customers::get_customer(&state.db, &scope, &body.into)
        .await?
        .is_none()
    {
        return Err(ApiError::invalid(
            "into",
            format!("No such customer: '{}'", body.into),
        ));
    }
    customers::merge_customers(&state.db, &scope, &id, &body.into)
        .await?
        .ok_or_else(|| ApiError::not_found("customer", id.clone()))?;
    Ok(Json(find_customer(&state.db, &scope, &body.into).await?))
}

/// The customer with this path id, or 404.
pub async fn find_customer(db: &Db, scope: &Scope, id: &str) -> ApiResult<Customer> {
    path_id(Kind::Customer, "customer", id)?;
    customers::get_customer(db, scope, id)
        .await?
        .ok_or_else(|| ApiError::not_found("customer", id))
}

/// An e-mail address: one `@`, a non-empty local part, a dotted domain, no
/// spaces, at most 254 characters. The domain is stored in lower case.
pub fn email_address(param: &str, raw: &str) -> ApiResult<String> {
    let e = raw.trim();
    if e.is_empty() {
        return Err(ApiError::invalid(
            param,
            format!("'{param}' must not be empty"),
        ));
    }
    if e.chars().count() > 254 {
        return Err(ApiError::invalid(
            param,
            format!("'{param}' must be at most 254 characters"),
        ));
    }
    let bad = || {
        ApiError::invalid(
            param,
            format!("'{e}' is not an e-mail address such as jane@example.com"),
        )
    };
    let (local, domain) = e.split_once('@').ok_or_else(bad)?;
    let domain_ok = domain.contains('.')
        && !domain.contains('@')
        && domain.split('.').all(|label| !label.is_empty());
    if local.is_empty() || !domain_ok || e.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

/// A VAT number of a customer billed in `country`, stored compact and
/// upper-cased (`NL 0044.95.445 b01` → `NL004495445B01`): an EU member state's
/// prefix, format and check digits (see [`crate::domain::vat`]). Blank clears.
pub fn vat_number(
    param: &str,
    raw: Option<&str>,
    country: Option<&str>,
) -> ApiResult<Option<String>> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    match crate::domain::vat::parse(raw, country) {
        Ok(n) => Ok(n.map(|n| n.as_str().to_owned())),
        Err(e) => Err(ApiError::invalid(
            param,
            format!("'{}' is not a valid VAT number: {e}", raw.trim()),
        )),
    }
}

/// Checks the customer's VAT number with VIES (or takes the answer kept for
/// it) and shows the answer on the customer. An outage is an `unverified`
/// answer, never an error.
pub async fn verify_vat(
    state: &AppState,
    scope: &Scope,
    c: &mut Customer,
    reuse: crate::vies::Reuse,
) -> ApiResult<()> {
    let Some(number) = c.vat_number.as_deref() else {
        c.vat_verification = None;
        return Ok(());
    };
    let requester = crate::store::merchants::get_merchant(&state.db, scope)
        .await?
        .and_then(|m| m.vat_number);
    c.vat_verification = crate::vies::verify(
        &state.db,
        &state.vies,
        scope,
        requester.as_deref(),
        number,
        reuse,
    )
    .await?;
    Ok(())
}

/// Applies a new VAT number, or checks the kept one against a new billing
/// country: a number must always match the country it is billed in.
pub fn revalidate_vat(
    c: &mut Customer,
    new: Option<&Option<String>>,
    address_changed: bool,
) -> ApiResult<()> {
    let raw = match new {
        Some(v) => v.clone(),
        None if address_changed => c.vat_number.clone(),
        None => return Ok(()),
    };
    c.vat_number = vat_number("vat_number", raw.as_deref(), c.address.country.as_deref())?;
    Ok(())
}

/// A well-formed BCP 47 language tag (`en`, `nl`, `en-GB`, `zh-Hant-TW`), in
/// canonical case.
pub fn locale(param: &str, raw: &str) -> ApiResult<String> {
    let t = raw.trim();
    let bad = || {
        ApiError::invalid(
            param,
            format!("'{raw}' is not a language tag such as en, nl or en-GB"),
        )
    };
    if t.len() > 35 {
        return Err(bad());
    }
    let mut subtags = t.split('-');
    let language = subtags.next().unwrap_or_default();
    if !(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(bad());
    }
    let mut out = language.to_ascii_lowercase();
    for sub in subtags {
        if sub.is_empty() || sub.len() > 8 || !sub.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(bad());
        }
        out.push('-');
        let alpha = sub.bytes().all(|b| b.is_ascii_alphabetic());
        if alpha && sub.len() == 2 {
            out.push_str(&sub.to_ascii_uppercase());
        } else if alpha && sub.len() == 4 {
            out.push_str(&sub[..1].to_ascii_uppercase());
            out.push_str(&sub[1..].to_ascii_lowercase());
        } else {
            out.push_str(&sub.to_ascii_lowercase());
        }
    }
    Ok(out)
}

/// An existing pricelist of this merchant and mode; blank clears.
async fn pricelist(db: &Db, scope: &Scope, raw: Option<&str>) -> ApiResult<Option<String>> {
    let Some(id) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if is_id_of(Kind::Pricelist, id) && customers::pricelist_exists(db, scope, id).await? {
        Ok(Some(id.to_owned()))
    } else {
        Err(ApiError::invalid(
            "pricelist",
            format!("No such pricelist: '{id}'"),
        ))
    }
}

/// An existing, active merchant user; blank clears.
async fn salesperson(db: &Db, scope: &Scope, raw: Option<&str>) -> ApiResult<Option<String>> {
    let Some(id) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let user = if is_id_of(Kind::User, id) {
        users::get_user(db, scope, id).await?
    } else {
        None
    };
    match user {
        Some(u) if u.active => Ok(Some(u.id)),
        Some(_) => Err(ApiError::invalid(
            "salesperson",
            format!("User '{id}' is deactivated"),
        )),
        None => Err(ApiError::invalid(
            "salesperson",
            format!("No such user: '{id}'"),
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn email_addresses_are_checked_and_their_domain_lower_cased() {
        assert_eq!(
            email_address("email", " Jane.Doe@Example.COM ").unwrap(),
            "Jane.Doe@example.com"
        );
        for bad in [
            "",
            "jane",
            "@example.com",
            "jane@",
            "jane@example",
            "jane@@example.com",
            "ja ne@example.com",
            "jane@example..com",
            "jane@.example.com",
            "a@b@c.com",
        ] {
            assert!(email_address("email", bad).is_err(), "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(email_address("email", &long).is_err());
    }

    #[test]
    fn vat_numbers_are_stored_compact() {
        assert_eq!(
            vat_number("v", Some(" nl 0044.95.445 b01 "), Some("NL")).unwrap(),
            Some("NL004495445B01".to_owned())
        );
        assert_eq!(vat_number("v", Some("  "), Some("NL")).unwrap(), None);
        assert!(vat_number("v", Some("NL-123"), None).is_err());
        assert!(vat_number("v", Some("DE136308783"), Some("NL")).is_err());
        assert!(vat_number("v", Some(&"1".repeat(33)), None).is_err());
    }

    #[test]
    fn locales_are_bcp47_tags_in_canonical_case() {
        assert_eq!(locale("l", "nl").unwrap(), "nl");
        assert_eq!(locale("l", "en-gb").unwrap(), "en-GB");
        assert_eq!(locale("l", "ZH-hant-tw").unwrap(), "zh-Hant-TW");
        assert_eq!(locale("l", "es-419").unwrap(), "es-419");
        for bad in [
            "",
            "e",
            "english",
            "en_GB",
            "en-",
            "en--GB",
            "en-GB-toolongsubtag",
        ] {
            assert!(locale("l", bad).is_err(), "{bad}");
        }
    }
}
