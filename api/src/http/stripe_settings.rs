//! A merchant's Stripe keys per mode, set through `PATCH /v1/merchant`
//! `{"stripe": {...}}` and shown (never a secret) by `GET /v1/merchant`.

use renewly_types::{Merchant, MerchantStripe, StripeKeys};

use super::AppState;
use crate::config::Secret;
use crate::error::{ApiError, ApiResult};
use crate::payments::stripe::KeyCheck;
use crate::store::Scope;
use crate::store::stripe::{self, StripeConfig};

/// Fills in what is shown of the mode's Stripe settings.
pub async fn show(state: &AppState, scope: &Scope, m: &mut Merchant) -> ApiResult<()> {
    m.stripe = stripe::get(&state.db, scope)
        .await?
        .map(|c| MerchantStripe {
            publishable_key: c.publishable_key,
            secret_key_last4: c.secret_key_last4,
            webhook_secret_set: c.webhook_secret_sealed.is_some(),
            webhook_url: format!(
                "{}/v1/webhooks/stripe/{}",
                super::portal::base_url(state),
                scope.merchant_id
            ),
        });
    Ok(())
}

/// Sets the mode's Stripe keys once Stripe accepted them, or removes them
/// (`Some(None)`); `None` leaves them as they are.
pub async fn apply(
    state: &AppState,
    scope: &Scope,
    change: Option<&Option<StripeKeys>>,
) -> ApiResult<()> {
    let Some(keys) = change else {
        return Ok(());
    };
    let Some(keys) = keys else {
        stripe::remove(&state.db, scope).await?;
        return Ok(());
    };
    let mode = if scope.livemode { "live" } else { "test" };
    let secret = keys.secret_key.trim();
    if !(secret.starts_with(&format!("sk_{mode}_")) || secret.starts_with(&format!("rk_{mode}_"))) {
        return Err(ApiError::Invalid {
            param: "stripe.secret_key".to_owned(),
            code: "stripe_key_mode_mismatch",
            detail: format!(
                "stripe.secret_key must be a {mode}-mode secret key (sk_{mode}_…) to match the \
                 {mode} key this request was made with"
            ),
        });
    }
    let publishable = keys.publishable_key.trim();
    if !publishable.starts_with(&format!("pk_{mode}_")) {
        return Err(ApiError::Invalid {
            param: "stripe.publishable_key".to_owned(),
            code: "stripe_key_mode_mismatch",
            detail: format!(
                "stripe.publishable_key must be a {mode}-mode publishable key (pk_{mode}_…) to \
                 match the {mode} key this request was made with"
            ),
        });
    }
    let webhook = keys.webhook_secret.as_deref().map(str::trim);
    if webhook.is_some_and(|w| !w.starts_with("whsec_")) {
        return Err(ApiError::invalid(
            "stripe.webhook_secret",
            "stripe.webhook_secret must be the endpoint's signing secret (whsec_…)",
        ));
    }
    let vault = state.provider.vault();
    if let Some(reason) = vault.unavailable() {
        return Err(ApiError::Invalid {
            param: "stripe".to_owned(),
            code: "master_key_missing",
            detail: format!("Stripe keys cannot be stored safely on this server: {reason}"),
        });
    }
    let client = state.provider.stripe_client(&Secret::new(secret))?;
    match client.check_key().await {
        Ok(()) => {}
        Err(KeyCheck::Rejected) => {
            return Err(ApiError::Invalid {
                param: "stripe.secret_key".to_owned(),
                code: "stripe_key_rejected",
                detail: "Stripe rejected this secret key; copy it again from the Stripe \
                         dashboard (Developers → API keys)"
                    .to_owned(),
            });
        }
        Err(KeyCheck::Provider(e)) => return Err(e.into()),
    }
    let seal = |field: &str, value: &str| {
        vault
            .seal(&stripe::context(scope, field), value)
            .map_err(|e| ApiError::Internal(e.into()))
    };
    let config = StripeConfig {
        publishable_key: publishable.to_owned(),
        secret_key_sealed: seal("secret_key", secret)?,
        secret_key_last4: secret
            .get(secret.len().saturating_sub(4)..)
            .unwrap_or_default()
            .to_owned(),
        webhook_secret_sealed: webhook.map(|w| seal("webhook_secret", w)).transpose()?,
    };
    stripe::save(&state.db, scope, &config).await?;
    Ok(())
}
