//! Handing out portal links: by the merchant with the secret key, and to the
//! customer by e-mail (a magic link asked for on the merchant's site).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use renewly_types::{CreatePortalSession, PortalLink, PortalLinkRequest, PortalSession, Problem};

use super::{create_session, portal_url};
use crate::db::Tx;
use crate::error::{ApiError, ApiResult};
use crate::http::AppState;
use crate::http::customers::{email_address, find_customer};
use crate::http::extract::{AnyKey, ApiJson, SecretKey, path_id};
use crate::ids::Kind;
use crate::mail::templates::MagicLink;
use crate::mail::{self, NewMessage, Recipient};
use crate::store::portal::{self as pstore, SessionRow};
use crate::store::{Scope, merchants};

/// Longest lifetime a merchant may give a link.
const MAX_HOURS: u32 = 720;
/// Magic links per e-mail address and merchant in an hour; more are silently
/// not sent (the answer stays the same, so it reveals nothing).
const LINKS_PER_HOUR: i64 = 5;
/// Link requests one client may make to one merchant per [`CLIENT_WINDOW`].
const REQUESTS_PER_CLIENT: u32 = 20;
const CLIENT_WINDOW: Duration = Duration::from_secs(15 * 60);

fn session_wire(row: SessionRow, token: Option<String>, url: Option<String>) -> PortalSession {
    PortalSession {
        id: row.id,
        object: "portal_session".to_owned(),
        livemode: row.livemode,
        customer: row.customer_id,
        url,
        token,
        created: row.created,
        expires_at: row.expires_at,
        revoked_at: row.revoked_at,
    }
}

/// Creates a portal link for a customer. Hand the `url` to the customer (or the
/// `token` to `<renewly-portal token="…">`); it is shown only now.
#[utoipa::path(post, path = "/v1/customers/{id}/portal_sessions", tag = "customers",
    request_body = CreatePortalSession,
    params(("id" = String, Path, description = "cus_…")),
    responses((status = 201, body = PortalSession), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn create_portal_session(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CreatePortalSession>,
) -> ApiResult<(StatusCode, Json<PortalSession>)> {
    let customer = find_customer(&state.db, &scope, &id).await?;
    let ttl = match body.expires_in_hours {
        None => state.config.portal_session_ttl,
        Some(h) if (1..=MAX_HOURS).contains(&h) => Duration::from_secs(u64::from(h) * 3600),
        Some(_) => {
            return Err(ApiError::invalid(
                "expires_in_hours",
                format!("'expires_in_hours' must be from 1 to {MAX_HOURS}"),
            ));
        }
    };
    let (session_id, token, _) = create_session(&state.db, &scope, &customer.id, ttl).await?;
    let row = pstore::get_session(&state.db, &scope, &session_id)
        .await?
        .ok_or_else(|| ApiError::not_found("portal_session", session_id.clone()))?;
    let url = portal_url(&state, &token);
    Ok((
        StatusCode::CREATED,
        Json(session_wire(row, Some(token), Some(url))),
    ))
}

/// Revokes a portal link at once (e.g. it was forwarded by mistake).
#[utoipa::path(post, path = "/v1/portal_sessions/{id}/revoke", tag = "customers",
    params(("id" = String, Path, description = "ps_…")),
    responses((status = 200, body = PortalSession), (status = 404, body = Problem)),
    security(("secret_key" = [])))]
pub async fn revoke_portal_session(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
) -> ApiResult<Json<PortalSession>> {
    path_id(Kind::PortalSession, "portal_session", &id)?;
    let row = pstore::revoke(&state.db, &scope, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("portal_session", id.clone()))?;
    Ok(Json(session_wire(row, None, None)))
}

/// E-mails a one-time sign-in link to this address if a customer has it. The
/// answer is the same 202 either way, so the endpoint tells nobody who is a
/// customer; an address gets at most a few links an hour, and a client that
/// floods the endpoint gets 429. The link opens the hosted portal once, where it
/// is exchanged for a session that covers every customer record with this
/// address (a shopper who checked out twice sees both).
#[utoipa::path(post, path = "/v1/public/portal/link", tag = "public", request_body = PortalLinkRequest,
    responses((status = 202, body = PortalLink), (status = 422, body = Problem), (status = 429, body = Problem)),
    security(("publishable_key" = []), ("secret_key" = [])))]
pub async fn request_link(
    State(state): State<AppState>,
    AnyKey(scope): AnyKey,
    client: ClientIp,
    ApiJson(body): ApiJson<PortalLinkRequest>,
) -> ApiResult<(StatusCode, Json<PortalLink>)> {
    if !client_may_ask(&scope.merchant_id, client.0) {
        return Err(ApiError::RateLimited);
    }
    let email = email_address("email", &body.email)?;
    send_links(&state, &scope, &email).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(PortalLink {
            object: "portal_link".to_owned(),
            sent: true,
        }),
    ))
}

/// Enqueues the magic-link e-mail for the oldest customer with this address
/// (nothing for an unknown one). The message holds a placeholder: the link
/// itself is made when it is delivered, so the outbox holds no usable token.
async fn send_links(state: &AppState, scope: &Scope, email: &str) -> Result<(), ApiError> {
    let merchant = merchants::get_merchant(&state.db, scope)
        .await?
        .ok_or_else(|| ApiError::not_found("merchant", scope.merchant_id.clone()))?;
    let ttl = state.config.portal_session_ttl;
    let since = (chrono::Utc::now() - chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut tx = Tx::begin(&state.db).await?;
    if pstore::links_sent_since(&mut tx, scope, email, &since).await? >= LINKS_PER_HOUR {
        tracing::info!(merchant = %scope.merchant_id, "magic link not sent: hourly limit of the address reached");
        return Ok(());
    }
    let found = pstore::customers_with_email(&mut tx, scope, email, 1).await?;
    for (customer_id, to, name, locale) in found {
        let link = MagicLink {
            merchant_name: merchant.name.clone(),
            customer_name: name,
            url: mail::MAGIC_LINK.to_owned(),
            valid_minutes: u32::try_from(ttl.as_secs() / 60).unwrap_or(u32::MAX),
        };
        let msg = NewMessage::magic_link(scope, &Recipient::new(to, locale), &link)
            .for_customer(&customer_id);
        mail::enqueue(&mut tx, &msg).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The client's address: the peer, or the first `X-Forwarded-For` hop when the
/// peer is a proxy on this machine (a remote peer could forge the header).
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse::<IpAddr>().ok());
        Ok(Self(match forwarded {
            Some(ip) if peer.is_loopback() => ip,
            _ => peer,
        }))
    }
}

/// Requests per (merchant, client) in the current window.
struct Window {
    started: Instant,
    count: u32,
}

static CLIENTS: LazyLock<Mutex<HashMap<(String, IpAddr), Window>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Counts a link request of `ip` to `merchant`; `false` once the client made
/// [`REQUESTS_PER_CLIENT`] in the window. Kept in memory: a restart forgets it,
/// which the per-address limit in the database does not.
fn client_may_ask(merchant: &str, ip: IpAddr) -> bool {
    let Ok(mut clients) = CLIENTS.lock() else {
        return true;
    };
    let now = Instant::now();
    if clients.len() > 10_000 {
        clients.retain(|_, w| now.duration_since(w.started) < CLIENT_WINDOW);
    }
    let w = clients.entry((merchant.to_owned(), ip)).or_insert(Window {
        started: now,
        count: 0,
    });
    if now.duration_since(w.started) >= CLIENT_WINDOW {
        *w = Window {
            started: now,
            count: 0,
        };
    }
    w.count += 1;
    w.count <= REQUESTS_PER_CLIENT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_may_ask_a_merchant_a_limited_number_of_times() {
        let ip = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7));
        for _ in 0..REQUESTS_PER_CLIENT {
            assert!(client_may_ask("mer_limit_test", ip));
        }
        assert!(!client_may_ask("mer_limit_test", ip));
        assert!(client_may_ask("mer_other_test", ip), "per merchant");
        assert!(client_may_ask(
            "mer_limit_test",
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 8))
        ));
    }
}
