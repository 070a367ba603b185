//! Request extractors whose every failure is a problem+json naming the field.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::ids::{Kind, is_id_of};
use crate::store::Page;
use crate::store::Scope;
use crate::store::merchants::{KeyGrant, KeyKind};

/// A JSON body. Malformed JSON → 400 `invalid_json`; a missing, unknown or
/// mistyped field → 422 with the field's path in `param`; too large → 413.
/// An empty body reads as `{}`, and any content type is accepted (curl's `-d`
/// sends a form type).
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| match e {
            BytesRejection::FailedToBufferBody(inner) if inner.status().as_u16() == 413 => {
                ApiError::PayloadTooLarge
            }
            other => ApiError::InvalidJson(other.body_text()),
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses a JSON body with the error classes of [`ApiJson`].
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    if let Some(param) = nul_in_json(text) {
        return Err(nul_error(param));
    }
    let de = &mut serde_json::Deserializer::from_slice(text);
    let result: Result<T, _> = serde_path_to_error::deserialize(de);
    let err = match result {
        Ok(value) => return Ok(value),
        Err(err) => err,
    };
    let path = dotted(&err.path().to_string());
    let inner = err.into_inner();
    match inner.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => Err(
            ApiError::InvalidJson(format!("The body is not valid JSON: {inner}")),
        ),
        serde_json::error::Category::Io | serde_json::error::Category::Data => {
            Err(field_error(&path, &inner.to_string()))
        }
    }
}

/// PostgreSQL's text cannot hold the NUL character, and no field has a use for
/// it: a `\u0000` in any string (or key) of the body is refused naming where
/// it is. The body is read a second time only when the escape appears at all.
fn nul_in_json(text: &[u8]) -> Option<String> {
    let escape = text.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000"));
    if !escape {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(text).ok()?;
    nul_path(&value, "")
}

fn nul_path(value: &serde_json::Value, path: &str) -> Option<String> {
    let at = |field: &str| {
        if path.is_empty() {
            field.to_owned()
        } else {
            format!("{path}.{field}")
        }
    };
    match value {
        serde_json::Value::String(s) if s.contains('\0') => Some(path.to_owned()),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_path(v, &at(&i.to_string()))),
        serde_json::Value::Object(fields) => fields.iter().find_map(|(k, v)| {
            if k.contains('\0') {
                Some(at(&k.replace('\0', "\\u0000")))
            } else {
                nul_path(v, &at(k))
            }
        }),
        _ => None,
    }
}

fn nul_error(param: String) -> ApiError {
    ApiError::invalid(
        param.clone(),
        format!("'{param}' must not contain the NUL character (\\u0000)"),
    )
}

/// `items[0].price` → `items.0.price`, the form every `param` uses.
fn dotted(path: &str) -> String {
    path.replace("].", ".").replace('[', ".").replace(']', "")
}

/// Turns a serde message at `path` into a 422 naming the field.
fn field_error(path: &str, message: &str) -> ApiError {
    let join = |field: &str| {
        if path == "." || path.is_empty() {
            field.to_owned()
        } else {
            format!("{path}.{field}")
        }
    };
    let quoted = |m: &str| m.split('`').nth(1).map(str::to_owned);
    let message = message.split(" at line ").next().unwrap_or(message);
    if let Some(field) = message.strip_prefix("missing field ").and_then(quoted) {
        return ApiError::missing(join(&field));
    }
    if let Some(field) = message.strip_prefix("unknown field ").and_then(quoted) {
        // The path already ends at the unknown field.
        let param = if path.rsplit('.').next() == Some(field.as_str()) {
            path.to_owned()
        } else {
            join(&field)
        };
        return ApiError::Invalid {
            detail: format!("Unknown field '{param}'"),
            param,
            code: "unknown_field",
        };
    }
    if let Some(field) = message.strip_prefix("duplicate field ").and_then(quoted) {
        let param = join(&field);
        return ApiError::Invalid {
            detail: format!("Field '{param}' is given more than once"),
            param,
            code: "invalid_field",
        };
    }
    let param = if path == "." {
        String::new()
    } else {
        path.to_owned()
    };
    ApiError::Invalid {
        detail: if param.is_empty() {
            format!("The body is not what this endpoint expects: {message}")
        } else {
            format!("Invalid value for '{param}': {message}")
        },
        param,
        code: "invalid_field",
    }
}

/// Query parameters; a bad one → 422 naming it.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        if let Some((name, _)) = form_urlencoded::parse(query.as_bytes())
            .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        {
            return Err(nul_error(name.replace('\0', "\\u0000")));
        }
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|err| {
                let path = err.path().to_string();
                field_error(&path, &err.into_inner().to_string())
            })
    }
}

/// The query of every list endpoint.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// How many objects to return, 1 to 100 (default 10).
    pub limit: Option<String>,
    /// The id of the last object of the previous page.
    pub starting_after: Option<String>,
}

impl ListQuery {
    /// Validates the paging parameters for ids of `kind`.
    pub fn page(&self, kind: Kind) -> Result<Page, ApiError> {
        let limit = match &self.limit {
            None => 10,
            Some(raw) => match raw.parse::<i64>() {
                Ok(n) if (1..=100).contains(&n) => n,
                _ => {
                    return Err(ApiError::invalid(
                        "limit",
                        "limit must be an integer from 1 to 100",
                    ));
                }
            },
        };
        if let Some(cursor) = &self.starting_after {
            if !is_id_of(kind, cursor) {
                return Err(ApiError::invalid(
                    "starting_after",
                    format!("starting_after must be a {}_… id", kind.prefix()),
                ));
            }
        }
        Ok(Page {
            limit,
            starting_after: self.starting_after.clone(),
        })
    }
}

/// The scope of a request made with a secret key; a publishable key gets 403.
pub struct SecretKey(pub Scope);

impl<S: Send + Sync> FromRequestParts<S> for SecretKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let grant = parts
            .extensions
            .get::<KeyGrant>()
            .ok_or_else(|| ApiError::Unauthorized("Missing API key".to_owned()))?;
        match grant.kind {
            KeyKind::Secret => Ok(Self(grant.scope.clone())),
            KeyKind::Publishable => Err(ApiError::SecretKeyRequired),
        }
    }
}

/// The scope of a request made with any key of the merchant (public endpoints).
pub struct AnyKey(pub Scope);

impl<S: Send + Sync> FromRequestParts<S> for AnyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<KeyGrant>()
            .map(|g| Self(g.scope.clone()))
            .ok_or_else(|| ApiError::Unauthorized("Missing API key".to_owned()))
    }
}

/// An id from the path, checked to be of the expected kind so that a wrong
/// kind of id is a plain 404.
pub fn path_id(kind: Kind, resource: &'static str, id: &str) -> Result<(), ApiError> {
    if is_id_of(kind, id) {
        Ok(())
    } else {
        Err(ApiError::not_found(resource, id))
    }
}
