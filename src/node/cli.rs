//! The command line behind `bin/kommo-mcp.js`: `runCli(argv)` serves MCP over stdio (or runs
//! the sandbox) and resolves with the exit code; `stopServer()` ends it (SIGINT/SIGTERM).
//!
//! Stdio rules (see the notes in the README's architecture section): the JS side never touches
//! `process.stdin/stdout/stderr`, and before serving we clear `O_NONBLOCK` on fds 0 and 1 so
//! that large results are written completely even when the client reads slowly.

/// `eprintln!` in one `write(2)`: Rust's stderr is unbuffered, so `eprintln!` with arguments can reach a
/// client's log as several fragments; this formats first and writes the whole line at once.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut line = format!($($arg)*);
        line.push('\n');
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }};
}

use std::io::Write;
use std::sync::Mutex;

use napi_derive::napi;
use rmcp::ServiceExt;
use tokio_util::sync::CancellationToken;

use crate::api::oauth::{self, TokenStore};
use crate::api::token_file::{self, TokenFile};
use crate::api::Client;
use crate::config::{self, KommoConfig};
use crate::mcp::server::{KommoServer, ServerOptions};
use crate::sandbox::{Sandbox, SandboxOptions};

static STOP: Mutex<Option<CancellationToken>> = Mutex::new(None);

fn new_stop_token() -> CancellationToken {
    let token = CancellationToken::new();
    *STOP.lock().unwrap_or_else(|p| p.into_inner()) = Some(token.clone());
    token
}

/// Stops a running `runCli` (the MCP server or the sandbox); `runCli` then resolves.
#[napi]
pub fn stop_server() {
    if let Some(token) = STOP.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
        token.cancel();
    }
}

/// Runs the command line and resolves with the process exit code. Used by `bin/kommo-mcp.js`.
#[napi]
pub async fn run_cli(argv: Vec<String>) -> i32 {
    let stop = new_stop_token();
    match Command::parse(&argv) {
        Err(message) => {
            say!("kommo-mcp: {message}\nRun `kommo-mcp --help` for usage.");
            2
        }
        Ok(Command::Help) => {
            print_stdout(&help());
            0
        }
        Ok(Command::Version) => {
            print_stdout(&format!("kommo-mcp {}\n", crate::VERSION));
            0
        }
        Ok(Command::Sandbox { port }) => run_sandbox(port, stop).await,
        Ok(Command::Auth { code, token_file }) => run_auth(code, token_file).await,
        Ok(Command::Serve(args)) => {
            init_logging(args.debug);
            serve(args, stop).await
        }
    }
}

fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Options of the MCP server command.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ServeArgs {
    /// Serve the embedded sandbox instead of a real account.
    pub sandbox: bool,
    /// Only tools that read.
    pub read_only: bool,
    /// Debug logs on stderr.
    pub debug: bool,
    /// `--toolsets` value, e.g. `contacts,leads` or `all`.
    pub toolsets: Option<String>,
    /// `--http ADDR`: serve streamable HTTP on this address instead of stdio.
    pub http: Option<std::net::SocketAddr>,
}

/// A parsed command line.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Help,
    Version,
    Serve(ServeArgs),
    Sandbox {
        port: u16,
    },
    /// Exchange an authorization code and write the token file.
    Auth {
        code: Option<String>,
        token_file: Option<String>,
    },
}

impl Command {
    /// Parses the arguments after the program name.
    pub fn parse(argv: &[String]) -> Result<Command, String> {
        let mut args = argv.iter().map(String::as_str).peekable();
        if args.peek() == Some(&"sandbox") {
            args.next();
            let mut port = 0u16;
            while let Some(arg) = args.next() {
                match arg {
                    "--port" | "-p" => {
                        let v = args.next().ok_or("--port needs a number, e.g. --port 8080")?;
                        port = v
                            .parse()
                            .map_err(|_| format!("--port: {v:?} is not a port number (0-65535)"))?;
                    }
                    a if a.starts_with("--port=") => {
                        let v = &a[7..];
                        port = v
                            .parse()
                            .map_err(|_| format!("--port: {v:?} is not a port number (0-65535)"))?;
                    }
                    "--help" | "-h" => return Ok(Command::Help),
                    other => return Err(format!("unknown argument {other:?} for `sandbox`")),
                }
            }
            return Ok(Command::Sandbox { port });
        }
        if args.peek() == Some(&"auth") {
            args.next();
            let (mut code, mut token_file) = (None, None);
            while let Some(arg) = args.next() {
                match arg {
                    "--code" => {
                        code = Some(
                            args.next()
                                .ok_or("--code needs the authorization code (def50...)")?
                                .to_string(),
                        )
                    }
                    a if a.starts_with("--code=") => code = Some(a[7..].to_string()),
                    "--token-file" => token_file = Some(args.next().ok_or("--token-file needs a path")?.to_string()),
                    a if a.starts_with("--token-file=") => token_file = Some(a[13..].to_string()),
                    "--help" | "-h" => return Ok(Command::Help),
                    // Never echo an unknown argument here: it may be a pasted secret.
                    _ => return Err("unknown argument for `auth`; expected --code CODE and --token-file PATH".into()),
                }
            }
            return Ok(Command::Auth { code, token_file });
        }
        let mut serve = ServeArgs::default();
        while let Some(arg) = args.next() {
            match arg {
                "--help" | "-h" => return Ok(Command::Help),
                "--version" | "-V" | "-v" => return Ok(Command::Version),
                "--sandbox" => serve.sandbox = true,
                "--read-only" => serve.read_only = true,
                "--debug" => serve.debug = true,
                "--toolsets" => {
                    let v = args
                        .next()
                        .ok_or("--toolsets needs a list, e.g. --toolsets contacts,leads or all")?;
                    serve.toolsets = Some(v.to_string());
                }
                a if a.starts_with("--toolsets=") => serve.toolsets = Some(a["--toolsets=".len()..].to_string()),
                "--http" => {
                    let v = args
                        .next()
                        .ok_or("--http needs an address, e.g. --http 127.0.0.1:8080 or --http 8080")?;
                    serve.http = Some(crate::mcp::http::parse_bind(v)?);
                }
                a if a.starts_with("--http=") => serve.http = Some(crate::mcp::http::parse_bind(&a[7..])?),
                "serve" => {}
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        Ok(Command::Serve(serve))
    }
}

fn help() -> String {
    format!(
        "kommo-mcp {version}: MCP server for Kommo CRM (amoCRM)

Usage:
  kommo-mcp [--read-only] [--toolsets LIST] [--debug]
                                      serve MCP over stdio for the account in the environment
  kommo-mcp --sandbox                 serve MCP over stdio against the embedded Kommo sandbox
  kommo-mcp --http [HOST:]PORT [--sandbox] [--read-only] [--toolsets LIST] [--debug]
                                      serve MCP over streamable HTTP at http://HOST:PORT/mcp
                                      (HOST defaults to 127.0.0.1; also [::1]:PORT, 0.0.0.0:PORT)
  kommo-mcp sandbox [--port N]        run only the Kommo API sandbox (for testing your own code)
  kommo-mcp auth [--code CODE] [--token-file PATH]
                                      exchange an OAuth authorization code (or KOMMO_AUTH_CODE)
                                      and save the tokens in the token file
  kommo-mcp --help | --version

Environment:
  KOMMO_BASE_URL         account URL, e.g. https://acme.kommo.com (or set KOMMO_SUBDOMAIN=acme)
  KOMMO_SUBDOMAIN        account subdomain, instead of KOMMO_BASE_URL
  KOMMO_ACCESS_TOKEN     long-lived token (never refreshed); or use OAuth:
  KOMMO_CLIENT_ID, KOMMO_CLIENT_SECRET, KOMMO_REDIRECT_URI   the integration's Keys and scopes
  KOMMO_AUTH_CODE        authorization code (def50..., 20 minutes, single use); or
  KOMMO_REFRESH_TOKEN    a refresh token (a def50... code given here is exchanged first)
  KOMMO_TOKEN_FILE       where OAuth tokens are kept (default: the user's config directory,
                         kommo-mcp/<host>.json); refreshed tokens are saved there
  KOMMO_DEFAULT_COUNTRY  two-letter country for phone numbers written without a country code
  KOMMO_ALLOW_UNTRUSTED_HOST=true   allow a base URL that is not a Kommo host (e.g. a proxy)
  KOMMO_RATE_LIMIT       requests per second sent to the account (default 7, Kommo's limit)
  KOMMO_READ_ONLY=true   same as --read-only: only tools that read
  KOMMO_TOOLSETS         same as --toolsets: e.g. contacts,leads,catalogs; all; default (contacts, leads,
                         pipelines: 15 tools, ~10 KB of tools/list); default,batch adds the batch write tools
  KOMMO_DEBUG=true       debug logs on stderr (tokens are never logged)
  KOMMO_MCP_HTTP_TOKEN   --http: the bearer secret clients must send (Authorization: Bearer ...);
                         required to listen on a non-loopback address
  KOMMO_MCP_HTTP_ALLOWED_HOSTS   --http: extra host names accepted in Host/Origin (comma-separated)

HTTP mode: requests may name their own account with the headers X-Kommo-Base-Url (or
X-Kommo-Subdomain) and X-Kommo-Access-Token (optional X-Kommo-Default-Country); without them the
account from the environment (or --sandbox) is used.
",
        version = crate::VERSION
    )
}

/// A yes/no environment variable: unset or empty is `false`; true/false, 1/0, yes/no, on/off
/// (any case, trimmed) are read; anything else is an error naming the variable, so that a typo
/// (`KOMMO_READ_ONLY=treu`) never silently turns a setting off.
fn env_flag(name: &str) -> Result<bool, String> {
    flag_value(name, std::env::var(name).ok().as_deref())
}

fn flag_value(name: &str, value: Option<&str>) -> Result<bool, String> {
    match value {
        None => Ok(false),
        Some(v) if v.trim().is_empty() => Ok(false),
        Some(v) => config::parse_bool(v).ok_or_else(|| {
            format!(
                "{name}: {:?} is not a yes/no value; use true or false (also 1/0, yes/no, on/off)",
                crate::text::truncate_chars(v, 40)
            )
        }),
    }
}

fn init_logging(debug: bool) {
    // Logging only: an unreadable KOMMO_DEBUG leaves it off (KOMMO_READ_ONLY is strict).
    if !(debug || env_flag("KOMMO_DEBUG").unwrap_or(false)) {
        return;
    }
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    // Fixed targets, no `RUST_LOG` parsing: `Targets` instead of `EnvFilter` keeps the regex
    // engine that `EnvFilter` needs out of the addon.
    let filter = tracing_subscriber::filter::Targets::new()
        .with_target("kommo_mcp", tracing::Level::DEBUG)
        .with_target("rmcp", tracing::Level::INFO);
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false);
    let _ = tracing_subscriber::registry().with(fmt).with(filter).try_init();
}

/// Makes fds 0 and 1 blocking again. Node (or a parent) may have set O_NONBLOCK on them,
/// and Rust's stdio then fails with EAGAIN when the client reads slowly.
pub fn clear_nonblocking_stdio() {
    #[cfg(unix)]
    for fd in [0, 1] {
        // SAFETY: fcntl on the process's own standard descriptors with valid flags.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            if flags >= 0 && flags & libc::O_NONBLOCK != 0 {
                libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
            }
        }
    }
}

/// True when the environment names a Kommo account (any of the account variables is set).
fn env_names_an_account() -> bool {
    [
        "KOMMO_BASE_URL",
        "KOMMO_SUBDOMAIN",
        "KOMMO_ACCESS_TOKEN",
        "KOMMO_CLIENT_ID",
        "KOMMO_REFRESH_TOKEN",
        "KOMMO_AUTH_CODE",
    ]
    .iter()
    .any(|k| std::env::var(k).is_ok_and(|v| !v.is_empty()))
}

async fn serve(args: ServeArgs, stop: CancellationToken) -> i32 {
    // The bin sets TOKIO_WORKER_THREADS (1 for stdio, 2 for HTTP) unless the user did.
    tracing::debug!(
        worker_threads = tokio::runtime::Handle::current().metrics().num_workers(),
        "async runtime"
    );
    let use_sandbox = args.sandbox;
    let transport_name = if args.http.is_some() {
        "streamable HTTP"
    } else {
        "stdio"
    };
    // HTTP: refuse an exposed endpoint without a secret before anything starts.
    let http_token = std::env::var("KOMMO_MCP_HTTP_TOKEN").ok().filter(|v| !v.is_empty());
    if let Some(addr) = args.http {
        if !addr.ip().is_loopback() && http_token.is_none() {
            say!(
                "kommo-mcp: refusing to listen on {addr} without a secret: anyone who can reach it could use the Kommo account. \
Set KOMMO_MCP_HTTP_TOKEN to a long random value (clients send it as `Authorization: Bearer <value>`), or listen on 127.0.0.1."
            );
            return 2;
        }
    }
    let toolsets = match args
        .toolsets
        .clone()
        .or_else(|| std::env::var("KOMMO_TOOLSETS").ok().filter(|v| !v.trim().is_empty()))
    {
        None => None,
        Some(spec) => match crate::mcp::tools::parse_toolsets(&spec, &crate::mcp::tools::all()) {
            Ok(sets) => Some(sets.into_iter().map(str::to_string).collect()),
            Err(message) => {
                say!("kommo-mcp: --toolsets / KOMMO_TOOLSETS: {message}");
                return 2;
            }
        },
    };
    // Read-only must never fail open: an unreadable value stops the server before it starts.
    let read_only = match env_flag("KOMMO_READ_ONLY") {
        Ok(flag) => args.read_only || flag,
        Err(message) => {
            say!("kommo-mcp: {message}");
            return 2;
        }
    };
    let mut sandbox = None;
    let config = if use_sandbox {
        match Sandbox::start(SandboxOptions::default()).await {
            Ok(sb) => {
                let mut raw = config::RawConfig {
                    base_url: Some(sb.base_url()),
                    access_token: Some(sb.token().to_string()),
                    ..Default::default()
                };
                // Pacing against the sandbox only when asked (benchmarks, load tests).
                if let Some(v) = std::env::var("KOMMO_RATE_LIMIT").ok().filter(|v| !v.is_empty()) {
                    match v.trim().parse::<f64>() {
                        Ok(n) => raw.rate_limit = Some(n),
                        Err(_) => raw.issues.push(config::Issue::new(
                            "KOMMO_RATE_LIMIT",
                            "invalid_type",
                            format!("{v:?} is not a number of requests per second"),
                        )),
                    }
                }
                let cfg = config::validate(raw);
                say!(
                    "kommo-mcp {}: serving the embedded Kommo sandbox ({}) over {transport_name}; no Kommo account is used",
                    crate::VERSION,
                    sb.base_url()
                );
                sandbox = Some(sb);
                Some(cfg)
            }
            Err(e) => {
                say!("kommo-mcp: could not start the sandbox: {e}");
                return 1;
            }
        }
    } else if args.http.is_some() && !env_names_an_account() {
        // HTTP without an account in the environment: every request names its account.
        None
    } else {
        Some(config::from_env_with(|k| std::env::var(k).ok(), true))
    };
    let config: Option<KommoConfig> = match config {
        None => None,
        Some(Ok(c)) => Some(c),
        Some(Err(err)) => {
            say!("kommo-mcp: the Kommo configuration is invalid:");
            for issue in &err.issues {
                say!("  {issue}");
            }
            say!("Set the environment variables in your MCP client's config (see `kommo-mcp --help`).");
            return 1;
        }
    };
    let client = match &config {
        None => None,
        Some(config) => match make_client(config).await {
            Ok(client) => Some(client),
            Err(code) => return code,
        },
    };
    let options = ServerOptions { read_only, toolsets };
    let code = match (args.http, client) {
        (Some(addr), client) => serve_http(addr, client, http_token, &options, stop).await,
        (None, Some(client)) => serve_stdio(client, &options, use_sandbox, stop).await,
        (None, None) => {
            say!("kommo-mcp: no Kommo account is configured (see `kommo-mcp --help`)");
            1
        }
    };
    if let Some(sb) = sandbox {
        sb.shutdown().await;
    }
    code
}

/// The client for the configured account (OAuth: token file, first token now). `Err` is the exit code.
async fn make_client(config: &KommoConfig) -> Result<Client, i32> {
    let store = match token_file_for(config) {
        Ok(store) => store,
        Err(message) => {
            say!("kommo-mcp: {message}");
            return Err(1);
        }
    };
    let client = match Client::with_store(config, store.clone()) {
        Ok(c) => c,
        Err(e) => {
            say!("kommo-mcp: {e}");
            return Err(1);
        }
    };
    if let Some(manager) = client.token_manager() {
        // Exchange a pending code now (it expires in 20 minutes) and fail early on a dead grant.
        match manager.access_token().await {
            Ok(_) => {}
            Err(e @ (crate::error::Error::OAuth { .. } | crate::error::Error::TokenStore { .. })) => {
                say!("kommo-mcp: {e}");
                return Err(1);
            }
            Err(e) => say!("kommo-mcp: warning: could not get an OAuth access token yet: {e}"),
        }
    }
    Ok(client)
}

async fn serve_stdio(client: Client, options: &ServerOptions, use_sandbox: bool, stop: CancellationToken) -> i32 {
    if !use_sandbox {
        say!(
            "kommo-mcp {}: serving {} over stdio{}",
            crate::VERSION,
            client.config().base_url(),
            if options.read_only { " (read-only)" } else { "" }
        );
    }
    clear_nonblocking_stdio();
    let server = KommoServer::new(client, options);
    // SIGINT/SIGTERM before the client's `initialize` ends the process too (the watcher below only
    // exists once the session runs).
    let started = tokio::select! {
        started = server.serve(rmcp::transport::stdio()) => started,
        () = stop.cancelled() => {
            tracing::debug!("stopped before the MCP session started");
            return 0;
        }
    };
    match started {
        Err(e) => {
            say!("kommo-mcp: the MCP session could not start: {e}");
            1
        }
        Ok(running) => {
            let ct = running.cancellation_token();
            let watcher = tokio::spawn(async move {
                stop.cancelled().await;
                ct.cancel();
            });
            let result = running.waiting().await;
            watcher.abort();
            match result {
                Ok(reason) => {
                    tracing::debug!(?reason, "MCP session ended");
                    0
                }
                Err(e) => {
                    say!("kommo-mcp: the MCP session failed: {e}");
                    1
                }
            }
        }
    }
}

/// Serves streamable HTTP on `addr` until `stop` (SIGINT/SIGTERM). Nothing is written to stdout.
async fn serve_http(
    addr: std::net::SocketAddr,
    client: Option<Client>,
    token: Option<String>,
    options: &ServerOptions,
    stop: CancellationToken,
) -> i32 {
    use crate::mcp::http;
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            say!("kommo-mcp: could not listen on {addr}: {e}");
            return 1;
        }
    };
    let bound = listener.local_addr().unwrap_or(addr);
    if token.is_none() {
        say!(
            "kommo-mcp: warning: KOMMO_MCP_HTTP_TOKEN is not set, so any program on this machine can use the endpoint; \
set it to require `Authorization: Bearer <secret>`"
        );
    }
    let rate_limit = match std::env::var("KOMMO_RATE_LIMIT").ok().filter(|v| !v.trim().is_empty()) {
        None => None,
        Some(v) => match v.trim().parse::<f64>() {
            Ok(n) if n.fract() == 0.0 && (1.0..=f64::from(config::MAX_RATE_LIMIT)).contains(&n) => Some(n),
            _ => {
                say!(
                    "kommo-mcp: KOMMO_RATE_LIMIT: {:?} is not a whole number of requests per second between 1 and {}",
                    crate::text::truncate_chars(&v, 20),
                    config::MAX_RATE_LIMIT
                );
                return 1;
            }
        },
    };
    let policy = http::AccountPolicy {
        allow_loopback: bound.ip().is_loopback(),
        rate_limit,
    };
    let account = match &client {
        Some(c) => format!("default account {}", c.config().base_url()),
        None => "no default account: requests send X-Kommo-* headers".to_string(),
    };
    let guard = http::Guard::new(
        bound,
        token,
        std::env::var("KOMMO_MCP_HTTP_ALLOWED_HOSTS").ok().as_deref(),
    );
    let server = KommoServer::with_accounts(client, policy, options);
    say!(
        "kommo-mcp {}: listening on http://{bound}{} ({account}{})",
        crate::VERSION,
        http::MCP_PATH,
        if options.read_only { ", read-only" } else { "" }
    );
    let served = http::serve(listener, server, guard, stop.clone());
    tokio::pin!(served);
    let result = tokio::select! {
        r = &mut served => r,
        // Open event streams may hold the graceful shutdown: give them a moment, then stop anyway.
        _ = async { stop.cancelled().await; tokio::time::sleep(std::time::Duration::from_secs(3)).await } => Ok(()),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            say!("kommo-mcp: the HTTP server failed: {e}");
            1
        }
    }
}

/// The token file store for an OAuth config (`KOMMO_TOKEN_FILE` or the default path).
fn token_file_for(config: &KommoConfig) -> Result<Option<std::sync::Arc<dyn TokenStore>>, String> {
    let Some(oauth) = &config.oauth else {
        return Ok(None);
    };
    let path = token_file::path_for(&config.account_url, token_file_env()).map_err(|e| e.to_string())?;
    if oauth.grant.is_none() && config.access_token.is_empty() && !path.exists() {
        return Err(format!(
            "no OAuth tokens: the token file {} does not exist and neither KOMMO_AUTH_CODE nor KOMMO_REFRESH_TOKEN is set. Copy the authorization code from Kommo > Settings > Integrations > your integration > Keys and scopes and run `kommo-mcp auth` (with KOMMO_AUTH_CODE set), or set KOMMO_TOKEN_FILE to your token file",
            path.display()
        ));
    }
    Ok(Some(std::sync::Arc::new(TokenFile::new(path, &config.account_url))))
}

fn token_file_env() -> Option<std::path::PathBuf> {
    std::env::var_os("KOMMO_TOKEN_FILE")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
}

/// `kommo-mcp auth`: exchanges a code and writes the token file. Prints nothing secret.
async fn run_auth(code: Option<String>, token_file: Option<String>) -> i32 {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let code = code
        .or_else(|| env("KOMMO_AUTH_CODE"))
        .or_else(|| env("KOMMO_REFRESH_TOKEN"));
    let Some(code) = code else {
        say!("kommo-mcp auth: no authorization code: copy it from Kommo > Settings > Integrations > your integration > Keys and scopes (\"Authorization code\", valid 20 minutes, starts with def50) and set KOMMO_AUTH_CODE (or pass --code)");
        return 2;
    };
    let raw = config::RawConfig {
        base_url: env("KOMMO_BASE_URL"),
        subdomain: env("KOMMO_SUBDOMAIN"),
        client_id: env("KOMMO_CLIENT_ID"),
        client_secret: env("KOMMO_CLIENT_SECRET"),
        redirect_uri: env("KOMMO_REDIRECT_URI"),
        authorization_code: Some(code.clone()),
        ..Default::default()
    };
    let config = match config::validate(raw) {
        Ok(c) => c,
        Err(err) => {
            say!("kommo-mcp auth: the configuration is invalid:");
            for issue in &err.issues {
                let path = config::env_name(&issue.path);
                let path = if path == "KOMMO_AUTH_CODE" {
                    "KOMMO_AUTH_CODE / --code"
                } else {
                    path
                };
                say!("  {path}: {}", issue.message);
            }
            return 2;
        }
    };
    let Some(oauth) = &config.oauth else {
        return 2;
    };
    let path = match token_file::path_for(
        &config.account_url,
        token_file.map(std::path::PathBuf::from).or_else(token_file_env),
    ) {
        Ok(p) => p,
        Err(e) => {
            say!("kommo-mcp auth: {e}");
            return 1;
        }
    };
    let default_path = token_file::path_for(&config.account_url, None).ok();
    let file = TokenFile::new(path.clone(), &config.account_url);
    // The code works once: make sure the tokens can be kept before using it.
    if let Err(e) = file.check_writable() {
        say!("kommo-mcp auth: {e}. The authorization code was not used: fix the cause (or pass --token-file / KOMMO_TOKEN_FILE with a writable path) and run `kommo-mcp auth` again with the same code");
        return 1;
    }
    let client = match oauth::OAuthClient::new(&config.account_url, oauth) {
        Ok(c) => c,
        Err(e) => {
            say!("kommo-mcp auth: {e}");
            return 1;
        }
    };
    let tokens = match client.exchange_code(&code).await {
        Ok(t) => t,
        Err(e) => {
            say!("kommo-mcp auth: {e}");
            return 1;
        }
    };
    // Writable a moment ago: retry once (a passing hiccup), never print the tokens instead.
    let mut written = file.write(&tokens);
    if written.is_err() {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        written = file.write(&tokens);
    }
    if let Err(e) = written {
        say!("kommo-mcp auth: {e}. The authorization code was used and cannot be exchanged again: fix the cause, copy a new code from Kommo > Settings > Integrations > your integration > Keys and scopes and run `kommo-mcp auth` again");
        return 1;
    }
    let valid = if tokens.expires_at > 0 {
        let secs = (tokens.expires_at - oauth::now_unix()).max(0);
        format!(" The access token is valid for about {} h;", secs / 3600)
    } else {
        String::new()
    };
    let token_file_hint = if default_path.as_deref() == Some(path.as_path()) {
        String::new()
    } else {
        format!(" and KOMMO_TOKEN_FILE={}", path.display())
    };
    print_stdout(&format!(
        "Saved OAuth tokens for {} to {}.{valid} the server refreshes it by itself and keeps the file up to date.\nStart the server with KOMMO_BASE_URL, KOMMO_CLIENT_ID, KOMMO_CLIENT_SECRET and KOMMO_REDIRECT_URI set{token_file_hint}; KOMMO_AUTH_CODE is no longer needed.\n",
        config.base_url(),
        path.display(),
    ));
    0
}

async fn run_sandbox(port: u16, stop: CancellationToken) -> i32 {
    match Sandbox::start(SandboxOptions {
        port,
        ..SandboxOptions::default()
    })
    .await
    {
        Ok(sb) => {
            print_stdout(&format!(
                "Kommo API sandbox listening on {url}\n  baseUrl:     {url}\n  accessToken: {token}\nPress Ctrl+C to stop.\n",
                url = sb.base_url(),
                token = sb.token()
            ));
            stop.cancelled().await;
            sb.shutdown().await;
            0
        }
        Err(e) => {
            say!("kommo-mcp: could not start the sandbox on port {port}: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Command, String> {
        Command::parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn parses_the_documented_forms() {
        assert_eq!(p(&[]), Ok(Command::Serve(ServeArgs::default())));
        assert_eq!(
            p(&["--sandbox"]),
            Ok(Command::Serve(ServeArgs {
                sandbox: true,
                ..Default::default()
            }))
        );
        assert_eq!(
            p(&["--read-only", "--debug"]),
            Ok(Command::Serve(ServeArgs {
                read_only: true,
                debug: true,
                ..Default::default()
            }))
        );
        assert_eq!(
            p(&["--toolsets", "contacts,leads"]),
            Ok(Command::Serve(ServeArgs {
                toolsets: Some("contacts,leads".into()),
                ..Default::default()
            }))
        );
        assert_eq!(
            p(&["--toolsets=all"]),
            Ok(Command::Serve(ServeArgs {
                toolsets: Some("all".into()),
                ..Default::default()
            }))
        );
        assert_eq!(p(&["sandbox", "--port", "8080"]), Ok(Command::Sandbox { port: 8080 }));
        assert_eq!(p(&["sandbox", "--port=0"]), Ok(Command::Sandbox { port: 0 }));
        assert_eq!(p(&["--version"]), Ok(Command::Version));
        assert_eq!(p(&["-h"]), Ok(Command::Help));
    }

    #[test]
    fn parses_the_http_forms() {
        let http = |args: &[&str]| match p(args) {
            Ok(Command::Serve(a)) => a.http.map(|h| h.to_string()),
            other => panic!("{other:?}"),
        };
        assert_eq!(http(&["--http", "8080"]).as_deref(), Some("127.0.0.1:8080"));
        assert_eq!(http(&["--http=127.0.0.1:0"]).as_deref(), Some("127.0.0.1:0"));
        assert_eq!(http(&["--http", "[::1]:9000"]).as_deref(), Some("[::1]:9000"));
        assert_eq!(
            p(&[
                "--http",
                "0.0.0.0:80",
                "--sandbox",
                "--read-only",
                "--toolsets",
                "all",
                "--debug"
            ]),
            Ok(Command::Serve(ServeArgs {
                sandbox: true,
                read_only: true,
                debug: true,
                toolsets: Some("all".into()),
                http: Some("0.0.0.0:80".parse().unwrap()),
            }))
        );
        assert!(p(&["--http"]).unwrap_err().contains("--http needs an address"));
        assert!(p(&["--http", "x:y"]).unwrap_err().contains("not an address"));
    }

    #[test]
    fn parses_auth_without_echoing_unknown_arguments() {
        assert_eq!(
            p(&["auth", "--code", "def50x", "--token-file=/tmp/t.json"]),
            Ok(Command::Auth {
                code: Some("def50x".into()),
                token_file: Some("/tmp/t.json".into())
            })
        );
        assert_eq!(
            p(&["auth"]),
            Ok(Command::Auth {
                code: None,
                token_file: None
            })
        );
        assert!(!p(&["auth", "def50SECRET"]).unwrap_err().contains("SECRET"));
    }

    #[test]
    fn yes_no_variables_refuse_unreadable_values() {
        for (v, want) in [
            (None, false),
            (Some(""), false),
            (Some(" TRUE "), true),
            (Some("1"), true),
            (Some("yes"), true),
            (Some("On"), true),
            (Some("false"), false),
            (Some("0"), false),
            (Some("no"), false),
            (Some("OFF"), false),
        ] {
            assert_eq!(flag_value("KOMMO_READ_ONLY", v), Ok(want), "{v:?}");
        }
        for bad in ["treu", "2", "y e s", "enabled"] {
            let err = flag_value("KOMMO_READ_ONLY", Some(bad)).unwrap_err();
            assert!(err.starts_with("KOMMO_READ_ONLY: "), "{err}");
            assert!(err.contains(bad), "{err}");
        }
    }

    #[test]
    fn rejects_unknown_arguments_with_their_name() {
        assert!(p(&["--sandbx"]).unwrap_err().contains("--sandbx"));
        assert!(p(&["sandbox", "--port", "x"]).unwrap_err().contains("not a port"));
    }
}
