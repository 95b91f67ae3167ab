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
    /// Seconds the access token was issued for; absent in files written before 0.2.0.
    #[serde(default)]
    lifetime: i64,
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
    ///
    /// First recovers from a writer killed mid-save (see [`TokenFile::recover_temp_files`]).
    pub fn read(&self) -> Result<Option<Tokens>> {
        self.recover_temp_files();
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
            lifetime: body.lifetime,
        }))
    }

    fn dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    fn name(&self) -> &str {
        self.path.file_name().and_then(|n| n.to_str()).unwrap_or("tokens.json")
    }

    /// Temp files `.<name>.<pid>.<n>.tmp` left by writers that died (SIGKILL, power loss)
    /// between writing the temp file and renaming it. A valid one saved later than the file (or
    /// when the file is missing or unreadable) holds the newest tokens, possibly the only
    /// working refresh token: the newest such one is renamed into place. The others are
    /// removed. Temp files of live processes (this one included) are never touched: their
    /// writer renames or removes them itself.
    fn recover_temp_files(&self) {
        let dir = self.dir();
        let prefix = format!(".{}.", self.name());
        let Ok(entries) = fs::read_dir(&dir) else {
            return;
        };
        let parse = |bytes: &[u8]| {
            serde_json::from_slice::<FileBody>(bytes)
                .ok()
                .filter(|b| b.account.is_empty() || b.account == self.account)
        };
        let main_saved = fs::read(&self.path).ok().and_then(|b| parse(&b)).map(|b| b.saved_at);
        let mut best: Option<(i64, PathBuf)> = None;
        let mut stale = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(pid) = name
                .to_str()
                .and_then(|n| n.strip_prefix(&prefix))
                .and_then(|rest| rest.strip_suffix(".tmp"))
                .and_then(|rest| rest.split_once('.'))
                .and_then(|(pid, n)| n.parse::<u64>().ok().and(pid.parse::<u32>().ok()))
            else {
                continue;
            };
            if pid == std::process::id() || process_alive(pid) {
                continue;
            }
            let path = entry.path();
            match fs::read(&path).ok().and_then(|b| parse(&b)) {
                Some(body)
                    if main_saved.is_none_or(|m| body.saved_at > m)
                        && best.as_ref().is_none_or(|(s, _)| body.saved_at > *s) =>
                {
                    if let Some((_, older)) = best.replace((body.saved_at, path)) {
                        stale.push(older);
                    }
                }
                _ => stale.push(path),
            }
        }
        if let Some((_, newest)) = best {
            if fs::rename(&newest, &self.path).is_ok() {
                sync_dir(&dir);
            } else {
                stale.push(newest);
            }
        }
        for path in stale {
            let _ = fs::remove_file(path);
        }
    }

    /// Checks that the file can be written (creates the directory, then creates and removes a
    /// private temp file next to the file), without touching the file. `kommo-mcp auth` runs
    /// this before it uses the single-use code.
    pub fn check_writable(&self) -> Result<()> {
        let dir = self.dir();
        create_dir(&dir).map_err(|e| self.error("directory could not be created", &e))?;
        let probe = dir.join(format!(".{}.{}.probe.tmp", self.name(), std::process::id()));
        let _ = fs::remove_file(&probe);
        let result = open_private(&probe).and_then(|mut f| f.write_all(b"{}\n"));
        let _ = fs::remove_file(&probe);
        result.map_err(|e| self.error("cannot be written", &e))?;
        if self.path.is_dir() {
            return Err(Error::TokenStore {
                message: format!(
                    "the token file {} is a directory; give a file path",
                    self.path.display()
                ),
            });
        }
        Ok(())
    }

    /// Writes the tokens atomically (temp file, fsync, rename, fsync of the directory), owner-only.
    pub fn write(&self, tokens: &Tokens) -> Result<()> {
        let body = FileBody {
            version: VERSION,
            account: self.account.clone(),
            access_token: tokens.access_token.clone(),
            refresh_token: tokens.refresh_token.clone(),
            expires_at: tokens.expires_at,
            lifetime: tokens.lifetime,
            saved_at: now_unix(),
        };
        let mut bytes = serde_json::to_vec_pretty(&body).map_err(|e| Error::TokenStore {
            message: format!("could not encode the tokens: {e}"),
        })?;
        bytes.push(b'\n');
        let dir = self.dir();
        create_dir(&dir).map_err(|e| self.error("directory could not be created", &e))?;
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let file_name = self.name();
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

/// True unless `pid` is known to be gone (unix: `kill(pid, 0)` fails with ESRCH). Elsewhere
/// every pid counts as alive, so temp files are never removed there.
fn process_alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return true;
        };
        if pid <= 0 {
            return true;
        }
        // SAFETY: signal 0 only checks that the process exists; nothing is sent.
        let rc = unsafe { libc::kill(pid, 0) };
        rc == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_token_file_is_named_for_the_host_and_port_under_the_config_dir() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert_eq!(file_name(&url("https://acme.kommo.com")), "acme.kommo.com.json");
        assert_eq!(file_name(&url("http://127.0.0.1:8123/")), "127.0.0.1_8123.json");
        assert_eq!(file_name(&url("http://[::1]:9000")), "___1__9000.json");
        let dir = config_dir();
        if cfg!(target_os = "linux") {
            let expected = std::env::var_os("XDG_CONFIG_HOME")
                .filter(|v| !v.is_empty() && Path::new(v).is_absolute())
                .map(PathBuf::from)
                .or_else(|| {
                    std::env::var_os("HOME")
                        .filter(|v| !v.is_empty())
                        .map(|h| PathBuf::from(h).join(".config"))
                })
                .map(|b| b.join("kommo-mcp"));
            assert_eq!(dir, expected);
        }
        if let Some(dir) = dir {
            assert_eq!(
                path_for(&url("https://acme.kommo.com"), None).unwrap(),
                dir.join("acme.kommo.com.json")
            );
        }
        let over = PathBuf::from("/elsewhere/t.json");
        assert_eq!(
            path_for(&url("https://acme.kommo.com"), Some(over.clone())).unwrap(),
            over
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_dead_writers_newer_temp_file_is_recovered_and_stale_ones_removed() {
        let dir = std::env::temp_dir().join(format!("kommo-tf-recover-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let account = Url::parse("https://acme.kommo.com").unwrap();
        let path = dir.join("acme.kommo.com.json");
        let file = TokenFile::new(path.clone(), &account);
        let tokens = |n: i64| Tokens {
            access_token: format!("a{n}"),
            refresh_token: format!("r{n}"),
            expires_at: n,
            lifetime: 0,
        };
        file.write(&tokens(1)).unwrap();
        let body = |n: i64, saved_at: i64| {
            serde_json::to_vec(&FileBody {
                version: VERSION,
                account: "https://acme.kommo.com".into(),
                access_token: format!("a{n}"),
                refresh_token: format!("r{n}"),
                expires_at: n,
                lifetime: 0,
                saved_at,
            })
            .unwrap()
        };
        // A pid that is not alive: a child that already exited.
        let dead = std::process::Command::new("true").spawn().and_then(|mut c| {
            let id = c.id();
            c.wait().map(|_| id)
        });
        let Ok(dead) = dead else { return };
        let later = now_unix() + 100;
        fs::write(dir.join(format!(".acme.kommo.com.json.{dead}.0.tmp")), body(2, later)).unwrap();
        fs::write(
            dir.join(format!(".acme.kommo.com.json.{dead}.1.tmp")),
            body(3, later + 1),
        )
        .unwrap();
        fs::write(
            dir.join(format!(".acme.kommo.com.json.{dead}.2.tmp")),
            b"{\"version\":1,\"acc",
        )
        .unwrap();
        fs::write(dir.join(format!(".acme.kommo.com.json.{dead}.3.tmp")), body(0, 1)).unwrap();
        // A live process's temp file (this one's) is left alone.
        let live = dir.join(format!(".acme.kommo.com.json.{}.9.tmp", std::process::id()));
        fs::write(&live, body(9, later + 5)).unwrap();
        assert_eq!(file.read().unwrap(), Some(tokens(3)));
        let left: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert_eq!(left, vec![live.file_name().unwrap().to_string_lossy().into_owned()]);
        let _ = fs::remove_dir_all(&dir);
    }
}
