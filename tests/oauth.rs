//! OAuth end to end against the sandbox: code exchange, expiry- and 401-driven refresh, one
//! refresh for many concurrent callers, rotation (a reused refresh token fails clearly), saving
//! before use, and a token file that survives SIGKILL mid-save.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use kommo_mcp::api::oauth::{now_unix, OAuthClient, TokenStore, Tokens};
use kommo_mcp::api::token_file::TokenFile;
use kommo_mcp::api::{Client, Query};
use kommo_mcp::config::{self, KommoConfig, RawConfig};
use kommo_mcp::error::Error;
use kommo_mcp::sandbox::oauth::{CLIENT_ID, CLIENT_SECRET, REDIRECT_URI};
use kommo_mcp::sandbox::{Sandbox, SandboxOptions};
use serde_json::Value;

/// A store that records every save and can be told to fail.
#[derive(Default)]
struct MemoryStore {
    saved: Mutex<Vec<Tokens>>,
    loaded: Mutex<Option<Tokens>>,
    fail_saves: AtomicUsize,
}

impl MemoryStore {
    fn saves(&self) -> Vec<Tokens> {
        self.saved.lock().unwrap().clone()
    }
}

impl TokenStore for MemoryStore {
    fn load(&self) -> BoxFuture<'_, kommo_mcp::error::Result<Option<Tokens>>> {
        Box::pin(async move { Ok(self.loaded.lock().unwrap().clone()) })
    }
    fn save<'a>(&'a self, tokens: &'a Tokens) -> BoxFuture<'a, kommo_mcp::error::Result<()>> {
        Box::pin(async move {
            if self.fail_saves.load(Ordering::SeqCst) > 0 {
                self.fail_saves.fetch_sub(1, Ordering::SeqCst);
                return Err(Error::TokenStore {
                    message: "disk full (test)".into(),
                });
            }
            self.saved.lock().unwrap().push(tokens.clone());
            Ok(())
        })
    }
    fn describe(&self) -> String {
        "the test store".into()
    }
}

async fn sandbox() -> Sandbox {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Sandbox::start(SandboxOptions::default()).await.expect("sandbox starts")
}

fn raw(sb: &Sandbox) -> RawConfig {
    RawConfig {
        base_url: Some(sb.base_url()),
        client_id: Some(CLIENT_ID.into()),
        client_secret: Some(CLIENT_SECRET.into()),
        redirect_uri: Some(REDIRECT_URI.into()),
        ..RawConfig::default()
    }
}

fn with_code(sb: &Sandbox, code: String) -> KommoConfig {
    config::validate(RawConfig {
        authorization_code: Some(code),
        ..raw(sb)
    })
    .expect("valid OAuth config")
}

/// Tokens from a fresh code exchange.
async fn exchange(sb: &Sandbox) -> Tokens {
    let cfg = with_code(sb, sb.mint_code());
    let oauth = cfg.oauth.as_ref().unwrap();
    OAuthClient::new(&cfg.account_url, oauth)
        .unwrap()
        .exchange_code(match oauth.grant.as_ref().unwrap() {
            config::Grant::AuthorizationCode(c) => c,
            _ => unreachable!(),
        })
        .await
        .expect("code exchange")
}

/// An OAuth config holding `tokens`, with the access token's expiry given.
fn with_tokens(sb: &Sandbox, tokens: &Tokens, expires_at: i64) -> KommoConfig {
    config::validate(RawConfig {
        access_token: Some(tokens.access_token.clone()),
        refresh_token: Some(tokens.refresh_token.clone()),
        expires_at: Some(expires_at),
        ..raw(sb)
    })
    .expect("valid OAuth config")
}

async fn account(client: &Client) -> kommo_mcp::error::Result<Value> {
    Ok(client.get::<Value>("account", &Query::new()).await?.unwrap_or_default())
}

fn api_requests(sb: &Sandbox) -> u64 {
    sb.stats().by_route.get("GET /api/v4/account").copied().unwrap_or(0)
}

#[tokio::test]
async fn authorization_code_is_exchanged_saved_and_used() {
    let sb = sandbox().await;
    let store = Arc::new(MemoryStore::default());
    let client = Client::with_store(&with_code(&sb, sb.mint_code()), Some(store.clone())).unwrap();
    let acc = account(&client).await.expect("account with the exchanged token");
    assert!(acc["id"].as_i64().is_some(), "{acc}");
    let stats = sb.oauth_stats();
    assert_eq!((stats.exchanges, stats.refreshes), (1, 0));
    let saves = store.saves();
    assert_eq!(saves.len(), 1, "the new pair is saved once");
    assert!(saves[0].expires_at > now_unix() + 86_000);
    assert!(saves[0].refresh_token.starts_with("def50"));
    // A second call reuses the token.
    account(&client).await.unwrap();
    assert_eq!(sb.oauth_stats().exchanges, 1);
}

#[tokio::test]
async fn a_def50_code_given_as_refresh_token_is_exchanged_first() {
    let sb = sandbox().await;
    let cfg = config::validate(RawConfig {
        refresh_token: Some(sb.mint_code()),
        ..raw(&sb)
    })
    .unwrap();
    let client = Client::new(&cfg).unwrap();
    account(&client).await.expect("the shortcut works");
    assert_eq!(sb.oauth_stats().exchanges, 1);
    assert_eq!(sb.oauth_stats().refreshes, 0);
}

#[tokio::test]
async fn a_real_refresh_token_starting_with_def50_still_refreshes() {
    let sb = sandbox().await;
    let tokens = exchange(&sb).await;
    let cfg = config::validate(RawConfig {
        refresh_token: Some(tokens.refresh_token.clone()),
        ..raw(&sb)
    })
    .unwrap();
    let client = Client::new(&cfg).unwrap();
    account(&client).await.expect("falls back to refresh_token");
    assert_eq!(sb.oauth_stats().refreshes, 1);
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_before_the_request() {
    let sb = sandbox().await;
    let tokens = exchange(&sb).await;
    let store = Arc::new(MemoryStore::default());
    let client = Client::with_store(&with_tokens(&sb, &tokens, now_unix() - 5), Some(store.clone())).unwrap();
    account(&client).await.unwrap();
    assert_eq!(sb.oauth_stats().refreshes, 1);
    assert_eq!(api_requests(&sb), 1, "no request was sent with the expired token");
    assert_eq!(store.saves().len(), 1);
    assert_ne!(
        store.saves()[0].refresh_token,
        tokens.refresh_token,
        "the refresh token rotated"
    );
}

#[tokio::test]
async fn tokens_are_refreshed_ahead_of_expiry() {
    let sb = sandbox().await;
    // 3 s lifetime: the margin is half of it (1 s), so the token is fresh for about 2 s and
    // refreshed while Kommo still takes it.
    sb.set_access_token_lifetime(Duration::from_secs(3));
    let client = Client::new(&with_code(&sb, sb.mint_code())).unwrap();
    account(&client).await.unwrap();
    account(&client).await.unwrap();
    assert_eq!(sb.oauth_stats().refreshes, 0);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    account(&client).await.unwrap();
    assert_eq!(sb.oauth_stats().refreshes, 1);
    assert_eq!(api_requests(&sb), 3, "no 401 round trip");
}

#[tokio::test]
async fn a_short_token_lifetime_refreshes_once_for_many_concurrent_calls() {
    let sb = sandbox().await;
    // Shorter than the 60 s margin: refreshed at half its lifetime, not on every request.
    sb.set_access_token_lifetime(Duration::from_secs(10));
    let client = Client::new(&with_code(&sb, sb.mint_code())).unwrap();
    let burst = || {
        futures::future::join_all((0..50).map(|_| {
            let c = client.clone();
            async move { account(&c).await }
        }))
    };
    for r in burst().await {
        assert!(r.is_ok_and(|v| v["id"].is_i64()));
    }
    assert_eq!(sb.oauth_stats().exchanges, 1);
    assert_eq!(sb.oauth_stats().refreshes, 0, "fresh: no refresh");
    // Past the margin (5 s before expiry), 50 concurrent calls share one refresh.
    tokio::time::sleep(Duration::from_millis(6100)).await;
    for r in burst().await {
        assert!(r.is_ok_and(|v| v["id"].is_i64()));
    }
    assert_eq!(sb.oauth_stats().refreshes, 1);
    assert_eq!(sb.oauth_stats().failures, 0);
}

#[tokio::test]
async fn a_store_attached_after_a_failed_refresh_is_loaded_not_overwritten() {
    let sb = sandbox().await;
    let good = exchange(&sb).await;
    let bogus = Tokens {
        access_token: "expired-access".into(),
        refresh_token: "not-a-refresh-token".into(),
        expires_at: 1,
        lifetime: 0,
    };
    let client = Client::new(&with_tokens(&sb, &bogus, 1)).unwrap();
    assert!(account(&client).await.is_err(), "the config's refresh token is refused");
    let store = Arc::new(MemoryStore::default());
    *store.loaded.lock().unwrap() = Some(good.clone());
    client.token_manager().unwrap().attach_store(store.clone());
    let acc = account(&client).await.expect("the store's tokens are used");
    assert!(acc["id"].is_i64());
    assert!(
        store.saves().is_empty(),
        "the config's dead tokens were not saved over the store's"
    );
    assert_eq!(sb.oauth_stats().refreshes, 0);
}

#[tokio::test]
async fn a_401_refreshes_once_and_retries_the_request() {
    let sb = sandbox().await;
    let client = Client::new(&with_code(&sb, sb.mint_code())).unwrap();
    account(&client).await.unwrap();
    sb.revoke_access_tokens();
    let acc = account(&client).await.expect("retried after refreshing");
    assert!(acc["id"].as_i64().is_some());
    assert_eq!(sb.oauth_stats().refreshes, 1);
    assert_eq!(api_requests(&sb), 3, "first call, the 401, the retry");
}

#[tokio::test]
async fn fifty_concurrent_calls_on_an_expired_token_make_exactly_one_refresh() {
    let sb = sandbox().await;
    let tokens = exchange(&sb).await;
    let store = Arc::new(MemoryStore::default());
    let client = Client::with_store(&with_tokens(&sb, &tokens, now_unix() - 1), Some(store.clone())).unwrap();
    let calls = (0..50).map(|_| {
        let c = client.clone();
        async move { account(&c).await }
    });
    let results = futures::future::join_all(calls).await;
    for r in &results {
        assert!(r.as_ref().is_ok_and(|v| v["id"].is_i64()), "{:?}", r.as_ref().err());
    }
    assert_eq!(sb.oauth_stats().refreshes, 1);
    assert_eq!(sb.oauth_stats().failures, 0);
    assert_eq!(store.saves().len(), 1);
    assert_eq!(api_requests(&sb), 50);
}

#[tokio::test]
async fn a_reused_refresh_token_fails_with_a_clear_message() {
    let sb = sandbox().await;
    let tokens = exchange(&sb).await;
    let cfg = with_tokens(&sb, &tokens, now_unix() + 3600);
    let oauth = OAuthClient::new(&cfg.account_url, cfg.oauth.as_ref().unwrap()).unwrap();
    oauth.refresh(&tokens.refresh_token).await.expect("first use works");
    let err = oauth.refresh(&tokens.refresh_token).await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(&err, Error::OAuth { status: 401, hint: Some(h), .. } if h == "Token has been revoked"));
    assert!(msg.contains("already used"), "{msg}");
    assert!(msg.contains("kommo-mcp auth"), "{msg}");
    assert!(!msg.contains(&tokens.refresh_token));

    // Through a client: the stale pair from an old config.
    let client = Client::new(&with_tokens(&sb, &tokens, now_unix() - 1)).unwrap();
    let msg = account(&client).await.unwrap_err().to_string();
    assert!(msg.contains("refresh token was already used"), "{msg}");
    assert!(!msg.contains(&tokens.refresh_token) && !msg.contains(&tokens.access_token));
}

#[tokio::test]
async fn kommo_oauth_hints_become_next_steps() {
    let sb = sandbox().await;
    let code = sb.mint_code();
    let cfg = with_code(&sb, code.clone());
    let ok = OAuthClient::new(&cfg.account_url, cfg.oauth.as_ref().unwrap()).unwrap();
    ok.exchange_code(&code).await.unwrap();
    let used = ok.exchange_code(&code).await.unwrap_err().to_string();
    assert!(
        used.contains("already used") && used.contains("Keys and scopes"),
        "{used}"
    );

    sb.set_code_lifetime(Duration::from_millis(0));
    let expired = ok.exchange_code(&sb.mint_code()).await.unwrap_err().to_string();
    assert!(
        expired.contains("expired") && expired.contains("20 minutes"),
        "{expired}"
    );
    sb.set_code_lifetime(Duration::from_secs(1200));

    for (key, value, expect) in [
        ("clientId", "wrong-id", "KOMMO_CLIENT_ID"),
        ("clientSecret", "wrong-secret-canary", "KOMMO_CLIENT_SECRET"),
        ("redirectUri", "https://wrong.example/cb", "KOMMO_REDIRECT_URI"),
    ] {
        let mut r = RawConfig {
            authorization_code: Some(sb.mint_code()),
            ..raw(&sb)
        };
        match key {
            "clientId" => r.client_id = Some(value.into()),
            "clientSecret" => r.client_secret = Some(value.into()),
            _ => r.redirect_uri = Some(value.into()),
        }
        let cfg = config::validate(r).unwrap();
        let msg = account(&Client::new(&cfg).unwrap()).await.unwrap_err().to_string();
        assert!(msg.contains(expect), "{key}: {msg}");
        assert!(!msg.contains("wrong-secret-canary"));
    }
}

#[tokio::test]
async fn a_failed_save_keeps_the_new_tokens_and_saves_before_the_next_use() {
    let sb = sandbox().await;
    let tokens = exchange(&sb).await;
    let store = Arc::new(MemoryStore::default());
    store.fail_saves.store(1, Ordering::SeqCst);
    let client = Client::with_store(&with_tokens(&sb, &tokens, now_unix() - 1), Some(store.clone())).unwrap();
    let msg = account(&client).await.unwrap_err().to_string();
    assert!(msg.contains("could not be saved to the test store"), "{msg}");
    assert!(msg.contains("kept in memory"), "{msg}");
    assert_eq!(api_requests(&sb), 0, "the unsaved token was not used");
    // The store works again: the kept pair is saved, then used; no second refresh.
    account(&client).await.expect("works with the kept tokens");
    assert_eq!(sb.oauth_stats().refreshes, 1);
    assert_eq!(store.saves().len(), 1);
    assert_ne!(store.saves()[0].refresh_token, tokens.refresh_token);
}

#[tokio::test]
async fn stored_tokens_win_over_the_configs_used_grant() {
    let sb = sandbox().await;
    let code = sb.mint_code();
    // First run: exchange, tokens saved.
    let store = Arc::new(MemoryStore::default());
    let first = Client::with_store(&with_code(&sb, code.clone()), Some(store.clone())).unwrap();
    account(&first).await.unwrap();
    // A restart with the same (now used) code in the config and the saved tokens in the store,
    // and an access token that expired meanwhile.
    let mut saved = store.saves()[0].clone();
    saved.expires_at = now_unix() - 1;
    let restarted = Arc::new(MemoryStore::default());
    *restarted.loaded.lock().unwrap() = Some(saved);
    let mut cfg = with_code(&sb, code);
    cfg.default_country = Some("CO".into()); // a distinct config, so a new transport
    let second = Client::with_store(&cfg, Some(restarted.clone())).unwrap();
    account(&second).await.expect("refreshes with the stored refresh token");
    assert_eq!(sb.oauth_stats().exchanges, 1);
    assert_eq!(sb.oauth_stats().refreshes, 1);
    assert_eq!(restarted.saves().len(), 1);
}

#[tokio::test]
async fn a_long_lived_token_is_never_refreshed() {
    let sb = sandbox().await;
    let cfg = config::validate(RawConfig {
        base_url: Some(sb.base_url()),
        access_token: Some("not-the-sandbox-token".into()),
        ..RawConfig::default()
    })
    .unwrap();
    assert!(cfg.oauth.is_none());
    let err = account(&Client::new(&cfg).unwrap()).await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }));
    assert_eq!(api_requests(&sb), 1, "no retry");
    assert_eq!(sb.oauth_stats(), Default::default());
}

#[test]
fn secrets_are_redacted_from_debug_output() {
    let cfg = config::validate(RawConfig {
        base_url: Some("https://acme.kommo.com".into()),
        client_id: Some("id".into()),
        client_secret: Some("SECRET-canary".into()),
        redirect_uri: Some(REDIRECT_URI.into()),
        refresh_token: Some("def50REFRESH-canary".into()),
        access_token: Some("ACCESS-canary".into()),
        ..RawConfig::default()
    })
    .unwrap();
    let t = Tokens {
        access_token: "ACCESS-canary".into(),
        refresh_token: "REFRESH-canary".into(),
        expires_at: 1,
        lifetime: 0,
    };
    let s = format!("{cfg:?} {t:?}");
    assert!(!s.contains("canary"), "{s}");
}

#[test]
fn oauth_config_validation_names_keys_and_never_echoes_secrets() {
    let issues = config::validate(RawConfig {
        base_url: Some("https://acme.kommo.com".into()),
        client_secret: Some("SECRET canary".into()),
        refresh_token: Some("x".into()),
        authorization_code: Some("y".into()),
        ..RawConfig::default()
    })
    .unwrap_err()
    .issues;
    let paths: Vec<&str> = issues.iter().map(|i| i.path.as_str()).collect();
    assert!(paths.contains(&"clientId") && paths.contains(&"clientSecret") && paths.contains(&"redirectUri"));
    assert!(paths.contains(&"authorizationCode"), "{paths:?}");
    assert!(issues.iter().all(|i| !i.message.contains("canary")));
    let env = config::from_env(|k| match k {
        "KOMMO_SUBDOMAIN" => Some("acme".into()),
        "KOMMO_CLIENT_ID" => Some("id".into()),
        _ => None,
    })
    .unwrap_err();
    let text = env.to_string();
    assert!(
        text.contains("KOMMO_CLIENT_SECRET") && text.contains("KOMMO_REDIRECT_URI"),
        "{text}"
    );
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kommo-oauth-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_token_file_round_trips_and_is_owner_only() {
    let dir = temp_dir("roundtrip");
    let path = dir.join("sub").join("acme.kommo.com.json");
    let url = url::Url::parse("https://acme.kommo.com").unwrap();
    let file = TokenFile::new(path.clone(), &url);
    assert!(file.read().unwrap().is_none());
    let t = Tokens {
        access_token: "a".into(),
        refresh_token: "r".into(),
        expires_at: 42,
        lifetime: 86400,
    };
    file.write(&t).unwrap();
    assert_eq!(file.read().unwrap(), Some(t));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // Another account's file is refused.
    let other = TokenFile::new(path, &url::Url::parse("https://other.kommo.com").unwrap());
    assert!(other
        .read()
        .unwrap_err()
        .to_string()
        .contains("belongs to https://acme.kommo.com"));
    let _ = std::fs::remove_dir_all(dir);
}

const SAVE_LOOP_ENV: &str = "KOMMO_TEST_SAVE_LOOP";
const ACCOUNT: &str = "https://acme.kommo.com";

/// Tokens of generation `n`, large enough that a write takes a moment; consistent by construction.
fn generation(n: i64) -> Tokens {
    Tokens {
        access_token: format!("access-{n}-{}", "x".repeat(4000)),
        refresh_token: format!("refresh-{n}-{}", "y".repeat(4000)),
        expires_at: n,
        lifetime: 0,
    }
}

/// Child side of the SIGKILL test: saves new generations forever (does nothing in a normal run).
#[test]
fn save_loop_child() {
    let Some(path) = std::env::var_os(SAVE_LOOP_ENV) else {
        return;
    };
    let file = TokenFile::new(path.into(), &url::Url::parse(ACCOUNT).unwrap());
    let start = file.read().ok().flatten().map(|t| t.expires_at).unwrap_or(0);
    for n in start + 1.. {
        file.write(&generation(n)).expect("write");
    }
}

#[cfg(unix)]
#[test]
fn a_sigkill_while_saving_leaves_the_old_or_the_new_token_file() {
    use std::hash::{BuildHasher, Hasher};
    use std::process::{Command, Stdio};
    let dir = temp_dir("sigkill");
    let path = dir.join("acme.kommo.com.json");
    let file = TokenFile::new(path.clone(), &url::Url::parse(ACCOUNT).unwrap());
    file.write(&generation(0)).unwrap();
    let exe = std::env::current_exe().unwrap();
    let random = std::collections::hash_map::RandomState::new();
    let mut last = 0;
    // Temp files seen while the children saved: (name, mode).
    let mut seen = std::collections::BTreeMap::new();
    for round in 0..50u64 {
        let mut child = Command::new(&exe)
            .args(["--exact", "save_loop_child", "--nocapture", "--test-threads=1"])
            .env(SAVE_LOOP_ENV, &path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the saving child");
        // Wait until the child is saving, then kill it at a random moment.
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while file.read().ok().flatten().map(|t| t.expires_at).unwrap_or(0) <= last {
            assert!(std::time::Instant::now() < deadline, "the child never saved");
            std::thread::sleep(Duration::from_micros(200));
        }
        let mut h = random.build_hasher();
        h.write_u64(round);
        let until = std::time::Instant::now() + Duration::from_micros(h.finish() % 5000);
        // Look at the temp files the child makes while it runs (a tight loop).
        while std::time::Instant::now() < until {
            temp_modes(&dir, &mut seen);
        }
        child.kill().expect("SIGKILL"); // Child::kill sends SIGKILL on unix
        let status = child.wait().unwrap();
        assert!(!status.success());
        let t = file
            .read()
            .unwrap_or_else(|e| panic!("round {round}: the file is not loadable: {e}"))
            .expect("the file exists");
        assert!(t.expires_at >= last, "round {round}: went back in time");
        assert_eq!(t, generation(t.expires_at), "round {round}: torn or mixed content");
        last = t.expires_at;
        // Reading recovered from the dead child: no temp file is left behind.
        let left = temp_modes(&dir, &mut seen);
        assert!(left.is_empty(), "round {round}: temp files left: {left:?}");
    }
    assert!(!seen.is_empty(), "no temp file was ever seen");
    for (name, mode) in &seen {
        assert_eq!(*mode, 0o600, "{name} was not owner-only");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// Temp files in `dir` now; records each one's mode in `seen`.
#[cfg(unix)]
fn temp_modes(dir: &std::path::Path, seen: &mut std::collections::BTreeMap<String, u32>) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    let mut now = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".tmp") {
            continue;
        }
        if let Ok(meta) = entry.metadata() {
            seen.insert(name.clone(), meta.permissions().mode() & 0o777);
        }
        now.push(name);
    }
    now
}

#[tokio::test]
async fn the_sandbox_token_endpoint_answers_like_kommo() {
    let sb = sandbox().await;
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}{p}", sb.base_url());
    let minted: Value = http
        .post(url("/__sandbox/oauth/code"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = minted["code"].as_str().unwrap().to_string();
    assert!(code.starts_with("def50"));
    assert_eq!(minted["client_id"], CLIENT_ID);
    assert_eq!(minted["expires_in"], 1200);
    let grant = |extra: Value| {
        let mut body = serde_json::json!({
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uri": REDIRECT_URI,
        });
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        http.post(url("/oauth2/access_token")).json(&body).send()
    };
    let r = grant(serde_json::json!({"grant_type": "authorization_code", "code": code}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let tokens: Value = r.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 86400);
    assert!(tokens["server_time"].as_i64().unwrap() > 0);
    let rt = tokens["refresh_token"].as_str().unwrap().to_string();
    // The access token works on the API, next to the static token.
    let acc = http
        .get(url("/api/v4/account"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(acc.status(), 200);
    // The code is single use.
    let r = grant(serde_json::json!({"grant_type": "authorization_code", "code": code}))
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["hint"],
        "Authorization code has been revoked"
    );
    // Rotation.
    let r = grant(serde_json::json!({"grant_type": "refresh_token", "refresh_token": rt}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = grant(serde_json::json!({"grant_type": "refresh_token", "refresh_token": rt}))
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        serde_json::json!({"hint":"Token has been revoked","title":"Некорректный запрос","type":"https://developers.amocrm.ru/v3/errors/OAuthProblemJson","status":401,"detail":"В запросе отсутствует ряд параметров или параметры невалидны"})
    );
    // Lifetimes are settable through the control endpoint.
    let cfg: Value = http
        .post(url("/__sandbox/config"))
        .json(&serde_json::json!({"access_token_lifetime": 0}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cfg["access_token_lifetime"], 0);
    let minted: Value = http
        .post(url("/__sandbox/oauth/code"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = grant(serde_json::json!({"grant_type": "authorization_code", "code": minted["code"]}))
        .await
        .unwrap();
    let short: Value = r.json().await.unwrap();
    let acc = http
        .get(url("/api/v4/account"))
        .bearer_auth(short["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(acc.status(), 401, "an expired access token is refused");
    let stats: Value = http
        .get(url("/__sandbox/oauth"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        stats,
        serde_json::json!({"exchanges": 2, "refreshes": 1, "failures": 2})
    );
}
