//! The server's token file: one JSON file per account, under the user's config directory
//! (`$XDG_CONFIG_HOME/kommo-mcp/<host>.json`, `~/.config/...` on Linux,
//! `~/Library/Application Support/kommo-mcp/...` on macOS, `%APPDATA%\kommo-mcp\...` on
//! Windows), or `KOMMO_TOKEN_FILE`.
//!
//! Writes are atomic: a temp file in the same directory is written and fsynced, renamed over
//! the file, then the directory is fsynced. A crash at any point leaves either the old or the
//! new file, never a torn one. On unix the file is created with mode 0600 and the directory
//! with 0700.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::api::oauth::{now_unix, TokenStore, Tokens};
use crate::error::{Error, Result};

/// Format version written in the file.
const VERSION: u32 = 1;

/// What the file holds.
#[derive(Serialize, Deserialize)]
struct FileBody {
    version: u32,
    /// The account the tokens belong to.
    account: String,
    access_token: String,
    refresh_token: String,
    expires_at: i64,
    saved_at: i64,
}

/// The user's config directory for kommo-mcp, if one can be found.
pub fn config_dir() -> Option<PathBuf> {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    let base = if cfg!(windows) {
        env("APPDATA")
    } else if cfg!(target_os = "macos") {
        env("HOME").map(|h| h.join("Library").join("Application Support"))
    } else {
        env("XDG_CONFIG_HOME")
            .filter(|p| p.is_absolute())
            .or_else(|| env("HOME").map(|h| h.join(".config")))
    }?;
    Some(base.join("kommo-mcp"))
}

/// File name for an account: its host (and port, for loopback), e.g. `acme.kommo.com.json`.
pub fn file_name(account_url: &Url) -> String {
    let host = account_url.host_str().unwrap_or("account");
    let mut name: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Some(port) = account_url.port() {
        name.push_str(&format!("_{port}"));
    }
    format!("{name}.json")
}

/// The token file for an account: `override_path` (`KOMMO_TOKEN_FILE`) or the default one.
pub fn path_for(account_url: &Url, override_path: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(p) = override_path {
        return Ok(p);
    }
    config_dir().map(|d| d.join(file_name(account_url))).ok_or_else(|| Error::TokenStore {
        message: "cannot find the user's config directory (HOME / APPDATA is not set); set KOMMO_TOKEN_FILE to where the OAuth tokens should be kept".into(),
    })
}

/// A token file.
#[derive(Debug, Clone)]
pub struct TokenFile {
    path: PathBuf,
    account: String,
}

impl TokenFile {
    /// The token file at `path` for the account at `account_url`.
    pub fn new(path: PathBuf, account_url: &Url) -> Self {
        Self {
            path,
            account: account_url.as_str().trim_end_matches('/').to_string(),
        }
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the tokens; `Ok(None)` when the file does not exist.
    pub fn read(&self) -> Result<Option<Tokens>> {
        let bytes = match fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.error("could not be read", &e)),
        };
        let body: FileBody = serde_json::from_slice(&bytes).map_err(|_| Error::TokenStore {
            message: format!(
                "the token file {} is not valid; delete it and run `kommo-mcp auth` again",
                self.path.display()
            ),
        })?;
        if !body.account.is_empty() && body.account != self.account {
            return Err(Error::TokenStore {
                message: format!(
                    "the token file {} belongs to {}, not {}; set KOMMO_TOKEN_FILE to another file or run `kommo-mcp auth` for this account",
                    self.path.display(),
                    body.account,
                    self.account
                ),
            });
        }
        Ok(Some(Tokens {
            access_token: body.access_token,
            refresh_token: body.refresh_token,
            expires_at: body.expires_at,
        }))
    }

    /// Writes the tokens atomically (temp file, fsync, rename, fsync of the directory), owner-only.
    pub fn write(&self, tokens: &Tokens) -> Result<()> {
        let body = FileBody {
            version: VERSION,
            account: self.account.clone(),
            access_token: tokens.access_token.clone(),
            refresh_token: tokens.refresh_token.clone(),
            expires_at: tokens.expires_at,
            saved_at: now_unix(),
        };
        let mut bytes = serde_json::to_vec_pretty(&body).map_err(|e| Error::TokenStore {
            message: format!("could not encode the tokens: {e}"),
        })?;
        bytes.push(b'\n');
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        create_dir(&dir).map_err(|e| self.error("directory could not be created", &e))?;
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let file_name = self.path.file_name().and_then(|n| n.to_str()).unwrap_or("tokens.json");
        let tmp = dir.join(format!(
            ".{file_name}.{}.{}.tmp",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let result = (|| -> std::io::Result<()> {
            let mut f = open_private(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            drop(f);
            fs::rename(&tmp, &self.path)?;
            sync_dir(&dir);
            Ok(())
        })();
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(self.error("could not be written", &e));
        }
        Ok(())
    }

    fn error(&self, what: &str, e: &std::io::Error) -> Error {
        Error::TokenStore {
            message: format!("the token file {} {what}: {e}", self.path.display()),
        }
    }
}

#[cfg(unix)]
fn create_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn create_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)
}

#[cfg(unix)]
fn open_private(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> std::io::Result<fs::File> {
    fs::OpenOptions::new().write(true).create_new(true).open(path)
}

/// Makes the rename durable (unix; a no-op elsewhere).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

impl TokenStore for TokenFile {
    fn load(&self) -> BoxFuture<'_, Result<Option<Tokens>>> {
        let this = self.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || this.read())
                .await
                .map_err(|e| Error::TokenStore {
                    message: format!("reading the token file failed: {e}"),
                })?
        })
    }

    fn save<'a>(&'a self, tokens: &'a Tokens) -> BoxFuture<'a, Result<()>> {
        let this = self.clone();
        let tokens = tokens.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || this.write(&tokens))
                .await
                .map_err(|e| Error::TokenStore {
                    message: format!("writing the token file failed: {e}"),
                })?
        })
    }

    fn describe(&self) -> String {
        format!("the token file {}", self.path.display())
    }
}
