//! The command line behind `bin/kommo-mcp.js`: `runCli(argv)` serves MCP over stdio (or runs
//! the sandbox) and resolves with the exit code; `stopServer()` ends it (SIGINT/SIGTERM).
//!
//! Stdio rules (see the notes in the README's architecture section): the JS side never touches
//! `process.stdin/stdout/stderr`, and before serving we clear `O_NONBLOCK` on fds 0 and 1 so
//! that large results are written completely even when the client reads slowly.

use std::io::Write;
use std::sync::Mutex;

use napi_derive::napi;
use rmcp::ServiceExt;
use tokio_util::sync::CancellationToken;

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
            eprintln!("kommo-mcp: {message}\nRun `kommo-mcp --help` for usage.");
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
        Ok(Command::Serve {
            sandbox,
            read_only,
            debug,
        }) => {
            init_logging(debug);
            serve(sandbox, read_only, stop).await
        }
    }
}

fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// A parsed command line.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Help,
    Version,
    Serve {
        sandbox: bool,
        read_only: bool,
        debug: bool,
    },
    Sandbox {
        port: u16,
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
        let (mut sandbox, mut read_only, mut debug) = (false, false, false);
        for arg in args {
            match arg {
                "--help" | "-h" => return Ok(Command::Help),
                "--version" | "-V" | "-v" => return Ok(Command::Version),
                "--sandbox" => sandbox = true,
                "--read-only" => read_only = true,
                "--debug" => debug = true,
                "serve" => {}
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        Ok(Command::Serve {
            sandbox,
            read_only,
            debug,
        })
    }
}

fn help() -> String {
    format!(
        "kommo-mcp {version}: MCP server for Kommo CRM (amoCRM)

Usage:
  kommo-mcp [--read-only] [--debug]   serve MCP over stdio for the account in the environment
  kommo-mcp --sandbox                 serve MCP over stdio against the embedded Kommo sandbox
  kommo-mcp sandbox [--port N]        run only the Kommo API sandbox (for testing your own code)
  kommo-mcp --help | --version

Environment:
  KOMMO_BASE_URL         account URL, e.g. https://acme.kommo.com (or set KOMMO_SUBDOMAIN=acme)
  KOMMO_SUBDOMAIN        account subdomain, instead of KOMMO_BASE_URL
  KOMMO_ACCESS_TOKEN     long-lived token or OAuth access token (required)
  KOMMO_DEFAULT_COUNTRY  two-letter country for phone numbers written without a country code
  KOMMO_ALLOW_UNTRUSTED_HOST=true   allow a base URL that is not a Kommo host (e.g. a proxy)
  KOMMO_RATE_LIMIT       requests per second sent to the account (default 7, Kommo's limit)
  KOMMO_READ_ONLY=true   same as --read-only: only tools that read
  KOMMO_DEBUG=true       debug logs on stderr (tokens are never logged)
",
        version = crate::VERSION
    )
}

fn env_flag(name: &str) -> bool {
    std::env::var(name)
        .ok()
        .and_then(|v| config::parse_bool(&v))
        .unwrap_or(false)
}

fn init_logging(debug: bool) {
    if !(debug || env_flag("KOMMO_DEBUG")) {
        return;
    }
    let filter = tracing_subscriber::EnvFilter::new("kommo_mcp=debug,rmcp=info");
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .with_env_filter(filter)
        .try_init();
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

async fn serve(use_sandbox: bool, read_only_flag: bool, stop: CancellationToken) -> i32 {
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
                eprintln!(
                    "kommo-mcp {}: serving the embedded Kommo sandbox ({}) over stdio; no Kommo account is used",
                    crate::VERSION,
                    sb.base_url()
                );
                sandbox = Some(sb);
                cfg
            }
            Err(e) => {
                eprintln!("kommo-mcp: could not start the sandbox: {e}");
                return 1;
            }
        }
    } else {
        config::from_env(|k| std::env::var(k).ok())
    };
    let config: KommoConfig = match config {
        Ok(c) => c,
        Err(err) => {
            eprintln!("kommo-mcp: the Kommo configuration is invalid:");
            for issue in &err.issues {
                eprintln!("  {issue}");
            }
            eprintln!("Set the environment variables in your MCP client's config (see `kommo-mcp --help`).");
            return 1;
        }
    };
    let client = match Client::new(&config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("kommo-mcp: {e}");
            return 1;
        }
    };
    let options = ServerOptions {
        read_only: read_only_flag || env_flag("KOMMO_READ_ONLY"),
    };
    if !use_sandbox {
        eprintln!(
            "kommo-mcp {}: serving {} over stdio{}",
            crate::VERSION,
            config.base_url(),
            if options.read_only { " (read-only)" } else { "" }
        );
    }
    clear_nonblocking_stdio();
    let server = KommoServer::new(client, &options);
    let code = match server.serve(rmcp::transport::stdio()).await {
        Err(e) => {
            eprintln!("kommo-mcp: the MCP session could not start: {e}");
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
                    eprintln!("kommo-mcp: the MCP session failed: {e}");
                    1
                }
            }
        }
    };
    if let Some(sb) = sandbox {
        sb.shutdown().await;
    }
    code
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
            eprintln!("kommo-mcp: could not start the sandbox on port {port}: {e}");
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
        assert_eq!(
            p(&[]),
            Ok(Command::Serve {
                sandbox: false,
                read_only: false,
                debug: false
            })
        );
        assert_eq!(
            p(&["--sandbox"]),
            Ok(Command::Serve {
                sandbox: true,
                read_only: false,
                debug: false
            })
        );
        assert_eq!(
            p(&["--read-only", "--debug"]),
            Ok(Command::Serve {
                sandbox: false,
                read_only: true,
                debug: true
            })
        );
        assert_eq!(p(&["sandbox", "--port", "8080"]), Ok(Command::Sandbox { port: 8080 }));
        assert_eq!(p(&["sandbox", "--port=0"]), Ok(Command::Sandbox { port: 0 }));
        assert_eq!(p(&["--version"]), Ok(Command::Version));
        assert_eq!(p(&["-h"]), Ok(Command::Help));
    }

    #[test]
    fn rejects_unknown_arguments_with_their_name() {
        assert!(p(&["--sandbx"]).unwrap_err().contains("--sandbx"));
        assert!(p(&["sandbox", "--port", "x"]).unwrap_err().contains("not a port"));
    }
}
