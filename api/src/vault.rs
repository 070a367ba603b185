//! Secrets at rest: a merchant's Stripe secret key and webhook signing secret are
//! sealed with ChaCha20-Poly1305 (ring) under the server's master key before they
//! reach the database, and opened only to call Stripe.
//!
//! The master key comes from `RENEWLY_MASTER_KEY` (32 bytes, hex or base64). On
//! SQLite without it, a key file `<database file>.master-key` (mode 0600) is made
//! beside the database on first start and read after that, so the database file
//! alone does not reveal the secrets. PostgreSQL is shared by several processes
//! that must agree on the key: there the variable is required to set Stripe
//! keys, and the server says so when it starts.

use std::fmt;
use std::path::{Path, PathBuf};

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

use crate::config::{Config, Secret, parse_master_key};

/// The prefix of a sealed value (the format's version).
const SEALED_PREFIX: &str = "v1:";

/// Seals and opens secrets under the master key, or explains why it cannot.
#[derive(Clone)]
pub struct Vault {
    key: Result<[u8; 32], String>,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("key", &self.key.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// Why a secret could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("{0}")]
    NoKey(String),
    #[error("a sealed secret could not be opened (a different master key?)")]
    Damaged,
}

impl Vault {
    /// The vault of a server with `config`: its master key, or the reason there
    /// is none (kept to answer with when a secret must be sealed).
    pub fn for_config(config: &Config) -> Self {
        Self {
            key: master_key(config),
        }
    }

    /// A vault with this key (tests).
    pub fn with_key(key: [u8; 32]) -> Self {
        Self { key: Ok(key) }
    }

    /// Why no secret can be sealed, when that is so.
    pub fn unavailable(&self) -> Option<&str> {
        self.key.as_ref().err().map(String::as_str)
    }

    fn cipher(&self) -> Result<LessSafeKey, VaultError> {
        let key = self
            .key
            .as_ref()
            .map_err(|e| VaultError::NoKey(e.clone()))?;
        let unbound = UnboundKey::new(&CHACHA20_POLY1305, key).map_err(|_| VaultError::Damaged)?;
        Ok(LessSafeKey::new(unbound))
    }

    /// Seals `secret`, bound to `context` (e.g. `merchant/livemode/field`): the
    /// sealed value opens only with the same context, so it cannot be moved to
    /// another merchant's row.
    pub fn seal(&self, context: &str, secret: &str) -> Result<String, VaultError> {
        let cipher = self.cipher()?;
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| VaultError::NoKey("no random numbers".to_owned()))?;
        let mut data = secret.as_bytes().to_vec();
        cipher
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut data,
            )
            .map_err(|_| VaultError::Damaged)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        Ok(format!("{SEALED_PREFIX}{}", hex::encode(out)))
    }

    /// Opens a value sealed by [`Self::seal`] with the same context.
    pub fn open(&self, context: &str, sealed: &str) -> Result<Secret, VaultError> {
        let cipher = self.cipher()?;
        let raw = sealed
            .strip_prefix(SEALED_PREFIX)
            .and_then(|h| hex::decode(h).ok())
            .ok_or(VaultError::Damaged)?;
        if raw.len() < NONCE_LEN {
            return Err(VaultError::Damaged);
        }
        let (nonce, body) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| VaultError::Damaged)?;
        let mut body = body.to_vec();
        let plain = cipher
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut body)
            .map_err(|_| VaultError::Damaged)?;
        String::from_utf8(plain.to_vec())
            .map(Secret::new)
            .map_err(|_| VaultError::Damaged)
    }
}

fn master_key(config: &Config) -> Result<[u8; 32], String> {
    if let Some(key) = &config.master_key {
        return Ok(*key.expose());
    }
    let Some(path) = sqlite_file(config.database_url.expose()) else {
        return Err(
            "Stripe keys are kept encrypted under the server's master key: set \
                    RENEWLY_MASTER_KEY (32 bytes, hex or base64) for every process that \
                    shares this PostgreSQL database"
                .to_owned(),
        );
    };
    let mut file = path.into_os_string();
    file.push(".master-key");
    key_file(Path::new(&file)).map_err(|e| {
        format!(
            "the master key file {} could not be read or made: {e}",
            Path::new(&file).display()
        )
    })
}

/// The database file of a `sqlite:` URL (none for an in-memory database).
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or("");
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// Reads the key file, or makes it (mode 0600) when there is none yet.
fn key_file(path: &Path) -> std::io::Result<[u8; 32]> {
    let invalid = || std::io::Error::other("it does not hold 64 hex digits");
    if let Ok(text) = std::fs::read_to_string(path) {
        return parse_master_key(&text).ok_or_else(invalid);
    }
    let mut key = [0u8; 32];
    SystemRandom::new()
        .fill(&mut key)
        .map_err(|_| std::io::Error::other("no random numbers"))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut f) => {
            use std::io::Write as _;
            f.write_all(hex::encode(key).as_bytes())?;
            f.sync_all()?;
            Ok(key)
        }
        // Another process made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            parse_master_key(&std::fs::read_to_string(path)?).ok_or_else(invalid)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use base64::Engine as _;

    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_in_its_context() {
        let vault = Vault::with_key([7; 32]);
        let sealed = vault.seal("mer_1/test/secret_key", "sk_test_abc").unwrap();
        assert!(!sealed.contains("sk_test"));
        let opened = vault.open("mer_1/test/secret_key", &sealed).unwrap();
        assert_eq!(opened.expose(), "sk_test_abc");
        assert!(vault.open("mer_2/test/secret_key", &sealed).is_err());
        assert!(
            Vault::with_key([8; 32])
                .open("mer_1/test/secret_key", &sealed)
                .is_err()
        );
    }

    #[test]
    fn a_key_file_is_made_once_with_mode_0600() {
        let dir = std::env::temp_dir().join(format!("renewly-vault-{}", ulid::Ulid::generate()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("k.master-key");
        let first = key_file(&path).unwrap();
        assert_eq!(key_file(&path).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn master_keys_are_read_as_hex_or_base64() {
        assert_eq!(parse_master_key(&"ab".repeat(32)), Some([0xab; 32]));
        let b64 = base64::engine::general_purpose::STANDARD.encode([1u8; 32]);
        assert_eq!(parse_master_key(&b64), Some([1; 32]));
        assert_eq!(parse_master_key("short"), None);
        assert_eq!(
            sqlite_file("sqlite:///tmp/x.db?mode=rwc"),
            Some(PathBuf::from("/tmp/x.db"))
        );
    }
}
