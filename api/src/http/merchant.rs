//! `GET`/`PATCH /v1/merchant`: the account behind the key.
//!
//! Every setting is per mode (see [`merchants`]): a test key reads and changes
//! test mode's settings, a live key live mode's. Country, currencies and time
//! zone are per mode too, not shared: they decide tax, prices and reports, and a
//! test key must never change what live mode bills with.

use axum::Json;
use axum::extract::State;
use renewly_types::{Address, Merchant, Problem, UpdateMerchant};

use super::customers::{email_address, vat_number};
use super::extract::{ApiJson, SecretKey};
use super::{AppState, optional_text, required_text};
use crate::domain::country::Country;
use crate::domain::currency::Currency;
use crate::error::{ApiError, ApiResult};
use crate::store::merchants;

/// The merchant of the key in use, with the settings of the key's mode.
///
/// Test mode and live mode each have their own settings.
#[utoipa::path(get, path = "/v1/merchant", tag = "merchant",
    responses((status = 200, body = Merchant), (status = 401, body = Problem)),
    security(("secret_key" = [])))]
pub async fn get_merchant(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
) -> ApiResult<Json<Merchant>> {
    let mut m = merchants::get_merchant(&state.db, &scope)
        .await?
        .ok_or_else(|| ApiError::not_found("merchant", scope.merchant_id.clone()))?;
    super::stripe_settings::show(&state, &scope, &mut m).await?;
    Ok(Json(m))
}

/// Changes the merchant's settings of the key's mode.
///
/// A test key changes test mode's settings only and a live key live mode's, so a
/// test key never changes what live mode uses. `test_email_recipients` exists in
/// test mode only. `stripe` sets the mode's Stripe keys (checked with Stripe
/// before they are stored, secrets encrypted) or, with `null`, removes them.
#[utoipa::path(patch, path = "/v1/merchant", tag = "merchant", request_body = UpdateMerchant,
    responses((status = 200, body = Merchant), (status = 422, body = Problem),
        (status = 502, description = "Stripe could not be reached to check the keys", body = Problem)),
    security(("secret_key" = [])))]
pub async fn update_merchant(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiJson(body): ApiJson<UpdateMerchant>,
) -> ApiResult<Json<Merchant>> {
    let mut m = merchants::get_merchant(&state.db, &scope)
        .await?
        .ok_or_else(|| ApiError::not_found("merchant", scope.merchant_id.clone()))?;
    if let Some(name) = &body.name {
        m.name = required_text("name", name, 200)?;
    }
    if let Some(country) = &body.country {
        m.country = country_code("country", country)?;
    }
    if let Some(c) = &body.default_currency {
        m.default_currency = currency_code("default_currency", c)?;
    }
    if let Some(c) = &body.reporting_currency {
        m.reporting_currency = currency_code("reporting_currency", c)?;
    }
    if let Some(vat) = &body.vat_number {
        m.vat_number = optional_text("vat_number", vat.as_deref(), 32)?;
    }
    if body.vat_number.is_some() || body.country.is_some() {
        // The merchant's own number goes on every invoice and is the requester
        // of each VIES check: the same prefix, format and check digits as a
        // customer's, for the merchant's country (a move re-checks it).
        m.vat_number = vat_number("vat_number", m.vat_number.as_deref(), Some(&m.country))?;
    }
    if let Some(address) = &body.address {
        m.address = address_input("address", address)?;
    }
    if let Some(tz) = &body.timezone {
        m.timezone = timezone("timezone", tz)?;
    }
    if let Some(prefix) = &body.invoice_prefix {
        let p = prefix.trim();
        if p.is_empty()
            || p.len() > 12
            || !p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(ApiError::invalid(
                "invoice_prefix",
                "invoice_prefix must be 1 to 12 letters, digits or dashes",
            ));
        }
        m.invoice_prefix = p.to_owned();
    }
    if let Some(origins) = &body.allowed_origins {
        m.allowed_origins = origins
            .iter()
            .enumerate()
            .map(|(i, o)| origin(&format!("allowed_origins.{i}"), o))
            .collect::<Result<_, _>>()?;
    }
    if let Some(recipients) = &body.test_email_recipients {
        if scope.livemode {
            return Err(ApiError::invalid(
                "test_email_recipients",
                "test_email_recipients is a test-mode setting; change it with a test key",
            ));
        }
        if recipients.len() > 50 {
            return Err(ApiError::invalid(
                "test_email_recipients",
                "test_email_recipients holds at most 50 addresses",
            ));
        }
        m.test_email_recipients = recipients
            .iter()
            .enumerate()
            .map(|(i, e)| email_address(&format!("test_email_recipients.{i}"), e))
            .collect::<Result<_, _>>()?;
    }
    super::stripe_settings::apply(&state, &scope, body.stripe.as_ref()).await?;
    merchants::save_merchant(&state.db, &scope, &m).await?;
    super::stripe_settings::show(&state, &scope, &mut m).await?;
    Ok(Json(m))
}

/// A country code, upper-cased, or 422 naming `param`.
pub fn country_code(param: &str, raw: &str) -> ApiResult<String> {
    Country::parse(raw)
        .map(|c| c.as_str().to_owned())
        .ok_or_else(|| {
            ApiError::invalid(
                param,
                format!("'{raw}' is not an ISO 3166-1 alpha-2 country code"),
            )
        })
}

/// A current ISO 4217 currency code, upper-cased, or 422 naming `param`.
pub fn currency_code(param: &str, raw: &str) -> ApiResult<String> {
    Currency::parse(raw)
        .map(|c| c.code().to_owned())
        .ok_or_else(|| {
            ApiError::invalid(
                param,
                format!("'{raw}' is not a current ISO 4217 currency code"),
            )
        })
}

/// A cleaned address: trimmed lines, blank ones dropped, country checked.
pub fn address_input(param: &str, a: &Address) -> ApiResult<Address> {
    let line = |field: &str, v: &Option<String>| {
        optional_text(&format!("{param}.{field}"), v.as_deref(), 200)
    };
    Ok(Address {
        line1: line("line1", &a.line1)?,
        line2: line("line2", &a.line2)?,
        city: line("city", &a.city)?,
        postal_code: line("postal_code", &a.postal_code)?,
        region: line("region", &a.region)?,
        country: match a.country.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(c) => Some(country_code(&format!("{param}.country"), c)?),
        },
    })
}

fn timezone(param: &str, raw: &str) -> ApiResult<String> {
    let tz = raw.trim();
    let well_formed = !tz.is_empty()
        && tz.len() <= 64
        && tz
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/_+-".contains(&b))
        && (tz == "UTC" || tz.contains('/'));
    if well_formed {
        Ok(tz.to_owned())
    } else {
        Err(ApiError::invalid(
            param,
            format!("'{raw}' is not an IANA time zone such as Europe/Amsterdam"),
        ))
    }
}

/// An origin `scheme://host[:port]` without path, as browsers send it.
fn origin(param: &str, raw: &str) -> ApiResult<String> {
    let bad = || {
        ApiError::invalid(
            param,
            format!("'{raw}' is not an origin such as https://shop.example.com"),
        )
    };
    let url = url::Url::parse(raw.trim()).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https")
        || url.host_str().is_none()
        || url.path() != "/"
        || url.query().is_some()
    {
        return Err(bad());
    }
    Ok(url.origin().ascii_serialization())
}
