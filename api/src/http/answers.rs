//! What the server keeps in memory for the calls a widget makes on every page
//! load: the key's grant, the merchant's settings (for CORS) and the public
//! plans' bytes with their `ETag`.
//!
//! Each merchant and mode has an answer version in the database
//! ([`versions`]) that every change to those answers moves on. Kept answers are
//! used while the version they were built under is current. The version is read
//! again at most once per [`Config::answer_recheck`](crate::config::Config): a
//! change made by another process (another `renewly serve` on the same
//! PostgreSQL, the CLI) shows within that interval; a change made through this
//! server shows at once, because a successful write with a secret key forgets
//! the scope's answers ([`forget_after_writes`]). A key's grant is kept as long,
//! so a key revoked from the CLI stops working within the interval.
//!
//! Hand-written rather than a caching crate: the entries are few (one per
//! merchant and mode, a handful of bodies each), they expire by version rather
//! than by time or size, and a plain map under a mutex held for a lookup is
//! enough.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use renewly_types::Merchant;
use sha2::{Digest, Sha256};

use super::AppState;
use crate::db::Db;
use crate::store::merchants::{self, KeyGrant, KeyKind};
use crate::store::{Scope, versions};

/// Most merchants and modes kept; past it everything is forgotten at once.
const MAX_SCOPES: usize = 10_000;
/// Most bodies kept per merchant and mode (one per `?plans=` selection).
const MAX_BODIES: usize = 64;
/// Most key grants kept.
const MAX_KEYS: usize = 10_000;

/// A response body kept with its strong `ETag`.
#[derive(Debug)]
pub struct Answer {
    pub body: Bytes,
    pub etag: HeaderValue,
}

impl Answer {
    /// Keeps `body` with an `ETag` made of its SHA-256.
    pub fn new(body: Bytes) -> Self {
        let digest = hex::encode(Sha256::digest(&body));
        let etag = HeaderValue::from_str(&format!("\"{}\"", &digest[..32]))
            .unwrap_or_else(|_| HeaderValue::from_static("\"\""));
        Self { body, etag }
    }

    /// Whether an `If-None-Match` header names this answer.
    pub fn matches(&self, if_none_match: Option<&HeaderValue>) -> bool {
        let Some(Ok(tags)) = if_none_match.map(HeaderValue::to_str) else {
            return false;
        };
        let ours = self.etag.to_str().unwrap_or_default();
        tags.split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == "*" || t == ours)
    }
}

/// What is kept for one merchant and mode.
struct Kept {
    version: i64,
    /// When `version` was last read from the database.
    checked: Instant,
    merchant: Option<Arc<Merchant>>,
    bodies: HashMap<String, Arc<Answer>>,
}

/// A grant kept for a key, with when it was read.
struct KeptGrant {
    merchant_id: String,
    livemode: bool,
    kind: KeyKind,
    read: Instant,
}

/// A merchant's answer version as of now, and the count of writes it was
/// read after: an answer built from it may be kept only if no write came
/// between.
#[derive(Debug, Clone, Copy)]
pub struct Current {
    version: i64,
    writes: u64,
}

/// The kept answers of every merchant and mode.
pub struct Answers {
    recheck: Duration,
    /// Writes forgotten so far: an answer built while one happened is not kept.
    writes: AtomicU64,
    scopes: Mutex<HashMap<Scope, Kept>>,
    keys: Mutex<HashMap<String, KeptGrant>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves only a map of kept answers behind.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Answers {
    /// Kept answers that read the version again after `recheck`.
    pub fn new(recheck: Duration) -> Self {
        Self {
            recheck,
            writes: AtomicU64::new(0),
            scopes: Mutex::new(HashMap::new()),
            keys: Mutex::new(HashMap::new()),
        }
    }

    /// What `key` grants: the kept grant while it is fresh, else read.
    pub async fn grant(&self, db: &Db, key: &str) -> Result<Option<KeyGrant>, sqlx::Error> {
        let hash = merchants::hash_key(key);
        if let Some(k) = lock(&self.keys).get(&hash)
            && k.read.elapsed() < self.recheck
        {
            return Ok(Some(KeyGrant {
                scope: Scope {
                    merchant_id: k.merchant_id.clone(),
                    livemode: k.livemode,
                },
                kind: k.kind,
            }));
        }
        let grant = merchants::authenticate(db, key).await?;
        let mut keys = lock(&self.keys);
        match &grant {
            Some(g) => {
                if keys.len() >= MAX_KEYS {
                    keys.clear();
                }
                keys.insert(
                    hash,
                    KeptGrant {
                        merchant_id: g.scope.merchant_id.clone(),
                        livemode: g.scope.livemode,
                        kind: g.kind,
                        read: Instant::now(),
                    },
                );
            }
            // Unknown keys are not kept: they would let anyone fill the map.
            None => {
                keys.remove(&hash);
            }
        }
        Ok(grant)
    }

    /// The scope's answer version, read from the database when the kept one
    /// is older than the recheck interval (its answers are dropped when it
    /// moved on).
    pub async fn current(&self, db: &Db, scope: &Scope) -> Result<Current, sqlx::Error> {
        let writes = self.writes.load(Ordering::Acquire);
        if let Some(k) = lock(&self.scopes).get(scope)
            && k.checked.elapsed() < self.recheck
        {
            return Ok(Current {
                version: k.version,
                writes,
            });
        }
        let version = versions::get(db, scope).await?;
        let mut scopes = lock(&self.scopes);
        if scopes.len() >= MAX_SCOPES && !scopes.contains_key(scope) {
            scopes.clear();
        }
        let kept = scopes.entry(scope.clone()).or_insert_with(|| Kept {
            version,
            checked: Instant::now(),
            merchant: None,
            bodies: HashMap::new(),
        });
        if kept.version != version {
            kept.version = version;
            kept.merchant = None;
            kept.bodies.clear();
        }
        kept.checked = Instant::now();
        Ok(Current { version, writes })
    }

    /// Runs `f` on the scope's kept answers when they are of version `at`.
    fn with_kept<R>(
        &self,
        scope: &Scope,
        at: Current,
        f: impl FnOnce(&mut Kept) -> R,
    ) -> Option<R> {
        let mut scopes = lock(&self.scopes);
        let kept = scopes.get_mut(scope)?;
        (kept.version == at.version).then(|| f(kept))
    }

    /// Whether an answer built from `at` may be kept: no write was forgotten
    /// since.
    fn still(&self, at: Current) -> bool {
        self.writes.load(Ordering::Acquire) == at.writes
    }

    /// The merchant's settings in the scope's mode.
    pub async fn merchant(
        &self,
        db: &Db,
        scope: &Scope,
    ) -> Result<Option<Arc<Merchant>>, sqlx::Error> {
        let at = self.current(db, scope).await?;
        if let Some(Some(m)) = self.with_kept(scope, at, |k| k.merchant.clone()) {
            return Ok(Some(m));
        }
        let Some(m) = merchants::get_merchant(db, scope).await? else {
            return Ok(None);
        };
        let m = Arc::new(m);
        if self.still(at) {
            self.with_kept(scope, at, |k| k.merchant = Some(m.clone()));
        }
        Ok(Some(m))
    }

    /// The body kept under `name` for the scope, if current.
    pub fn body(&self, scope: &Scope, at: Current, name: &str) -> Option<Arc<Answer>> {
        self.with_kept(scope, at, |k| k.bodies.get(name).cloned())
            .flatten()
    }

    /// Keeps `answer` under `name`, when it was built from `at` and nothing
    /// was written since.
    pub fn keep(&self, scope: &Scope, at: Current, name: &str, answer: Arc<Answer>) {
        if !self.still(at) {
            return;
        }
        self.with_kept(scope, at, |k| {
            if k.bodies.len() >= MAX_BODIES {
                k.bodies.clear();
            }
            k.bodies.insert(name.to_owned(), answer);
        });
    }

    /// Forgets the scope's answers and the grants of every key of its
    /// merchant (a write may have revoked one, in either mode): it has just
    /// been written to.
    pub fn forget(&self, scope: &Scope) {
        self.writes.fetch_add(1, Ordering::AcqRel);
        lock(&self.scopes).remove(scope);
        lock(&self.keys).retain(|_, k| k.merchant_id != scope.merchant_id);
    }
}

/// After a request with a secret key that may have written (anything but
/// `GET`/`HEAD`/`OPTIONS`), forgets the kept answers of its merchant and mode,
/// so that the next read in this process sees the change. Cheap enough to do
/// for every write rather than per resource, which no new route can forget.
pub async fn forget_after_writes(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let writer = match *req.method() {
        Method::GET | Method::HEAD | Method::OPTIONS => None,
        _ => req
            .extensions()
            .get::<KeyGrant>()
            .filter(|g| g.kind == KeyKind::Secret)
            .map(|g| g.scope.clone()),
    };
    let response = next.run(req).await;
    if let Some(scope) = writer {
        state.answers.forget(&scope);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_etag_matches_itself_in_a_list_and_a_star() {
        let a = Answer::new(Bytes::from_static(b"{\"data\":[]}"));
        let tag = a.etag.to_str().unwrap().to_owned();
        assert!(
            tag.starts_with('"') && tag.ends_with('"') && tag.len() == 34,
            "{tag}"
        );
        let header = |s: &str| HeaderValue::from_str(s).unwrap();
        assert!(a.matches(Some(&header(&tag))));
        assert!(a.matches(Some(&header(&format!("\"x\", W/{tag}")))));
        assert!(a.matches(Some(&header("*"))));
        assert!(!a.matches(Some(&header("\"0123\""))));
        assert!(!a.matches(None));
        let other = Answer::new(Bytes::from_static(b"{\"data\":[1]}"));
        assert_ne!(other.etag, a.etag);
    }
}
