//! Streamable HTTP mode (`kommo-mcp --http 127.0.0.1:PORT`): rmcp's streamable HTTP server mounted
//! at `/mcp` on axum, behind a guard that checks, in this order,
//!
//! 1. the `Host` header (DNS-rebinding protection): loopback names, the bound address, and the
//!    hosts listed in `KOMMO_MCP_HTTP_ALLOWED_HOSTS`; anything else gets 403;
//! 2. the `Origin` header, when a browser sends one: its host must be one of the same hosts; 403
//!    otherwise;
//! 3. the endpoint's bearer secret (`KOMMO_MCP_HTTP_TOKEN`), compared in constant time; 401 with
//!    `WWW-Authenticate: Bearer` when it is missing or wrong.
//!
//! Each MCP request may carry its own Kommo credentials in headers ([`ACCOUNT_HEADERS`]), so one
//! process serves several accounts. They are validated with the same rules as the SDK config
//! (`kommoConfigSchema`); the client for each account comes from the shared transport registry,
//! which is keyed by the whole config (account URL and token), so every account has its own
//! metadata cache, token state and connection pool, and its own rate limiter (keyed by account
//! URL).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use subtle::ConstantTimeEq;
use tokio_util::sync::CancellationToken;

use crate::api::Client;
use crate::config::{self, RawConfig};
use crate::mcp::KommoServer;

/// The path the MCP endpoint is served at.
pub const MCP_PATH: &str = "/mcp";

/// Header with the account URL, e.g. `https://acme.kommo.com`.
pub const HEADER_BASE_URL: &str = "x-kommo-base-url";
/// Header with the account subdomain (instead of the URL), e.g. `acme`.
pub const HEADER_SUBDOMAIN: &str = "x-kommo-subdomain";
/// Header with the account's long-lived access token.
pub const HEADER_ACCESS_TOKEN: &str = "x-kommo-access-token";
/// Header with the default phone country of the account (optional).
pub const HEADER_DEFAULT_COUNTRY: &str = "x-kommo-default-country";

/// Per-request credential headers, as documented.
pub const ACCOUNT_HEADERS: [&str; 4] = [
    "X-Kommo-Base-Url",
    "X-Kommo-Subdomain",
    "X-Kommo-Access-Token",
    "X-Kommo-Default-Country",
];

/// Parses the `--http` value: `PORT` (on 127.0.0.1), `HOST:PORT`, `[IPV6]:PORT`, `localhost:PORT`.
pub fn parse_bind(spec: &str) -> Result<SocketAddr, String> {
    let spec = spec.trim();
    let bad_port = |v: &str| format!("--http: {v:?} is not a port number (0-65535)");
    if !spec.is_empty() && spec.bytes().all(|b| b.is_ascii_digit()) {
        let port: u16 = spec.parse().map_err(|_| bad_port(spec))?;
        return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
    }
    if let Ok(addr) = spec.parse::<SocketAddr>() {
        return Ok(addr);
    }
    if let Some(port) = spec.strip_prefix("localhost:") {
        let port: u16 = port.parse().map_err(|_| bad_port(port))?;
        return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
    }
    Err(format!(
        "--http: {spec:?} is not an address to listen on; use PORT, 127.0.0.1:PORT, [::1]:PORT or 0.0.0.0:PORT"
    ))
}

/// How the HTTP endpoint is protected.
#[derive(Clone)]
pub struct Guard {
    /// The bearer secret clients must send (`KOMMO_MCP_HTTP_TOKEN`).
    token: Option<String>,
    /// Host names accepted in `Host` and `Origin` (lowercase, IPv6 without brackets).
    hosts: Vec<String>,
    /// The port the server listens on; a `Host` naming a built-in host with another port is refused.
    port: u16,
    /// Hosts from `KOMMO_MCP_HTTP_ALLOWED_HOSTS` (any port).
    extra_hosts: Vec<String>,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("hosts", &self.hosts)
            .field("extra_hosts", &self.extra_hosts)
            .finish()
    }
}

impl Guard {
    /// The guard for a server bound to `addr`; `extra_hosts` is the comma-separated
    /// `KOMMO_MCP_HTTP_ALLOWED_HOSTS` list.
    pub fn new(addr: SocketAddr, token: Option<String>, extra_hosts: Option<&str>) -> Self {
        let mut hosts: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
        if !addr.ip().is_unspecified() {
            let ip = addr.ip().to_string();
            if !hosts.contains(&ip) {
                hosts.push(ip);
            }
        }
        let extra_hosts = extra_hosts
            .unwrap_or_default()
            .split(',')
            .map(|h| normalise_host(h.trim()))
            .filter(|h| !h.is_empty())
            .collect();
        Guard {
            token: token.filter(|t| !t.is_empty()),
            hosts,
            port: addr.port(),
            extra_hosts,
        }
    }

    /// Every accepted host name (for rmcp's own Host check).
    fn all_hosts(&self) -> Vec<String> {
        self.hosts.iter().chain(self.extra_hosts.iter()).cloned().collect()
    }

    fn host_allowed(&self, host: &str, port: Option<u16>) -> bool {
        let host = normalise_host(host);
        if self.extra_hosts.contains(&host) {
            return true;
        }
        self.hosts.contains(&host) && port.is_none_or(|p| p == self.port)
    }

    /// Checks one request; `Err` is the response to send instead.
    #[allow(clippy::result_large_err)]
    pub fn check(&self, headers: &HeaderMap) -> Result<(), Response> {
        let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
            return Err(json_error(
                StatusCode::FORBIDDEN,
                "Forbidden: the request has no readable Host header",
            ));
        };
        let (name, port) = split_authority(host);
        if !self.host_allowed(name, port) {
            return Err(json_error(
                StatusCode::FORBIDDEN,
                &format!(
                    "Forbidden: Host {:?} is not accepted (DNS-rebinding protection). Connect to {}, or add the host name to KOMMO_MCP_HTTP_ALLOWED_HOSTS",
                    truncate(host, 100),
                    self.hosts.join(", ")
                ),
            ));
        }
        if let Some(origin) = headers.get(header::ORIGIN) {
            let text = origin.to_str().unwrap_or("");
            let ok = url::Url::parse(text).ok().is_some_and(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.host_str().is_some_and(|h| {
                        let h = normalise_host(h);
                        self.hosts.contains(&h) || self.extra_hosts.contains(&h)
                    })
            });
            if !ok {
                return Err(json_error(
                    StatusCode::FORBIDDEN,
                    &format!(
                        "Forbidden: Origin {:?} is not accepted; only pages served from {} may call this server",
                        truncate(text, 100),
                        self.hosts.join(", ")
                    ),
                ));
            }
        }
        if let Some(expected) = &self.token {
            let given = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| {
                    let (scheme, rest) = v.trim().split_once(' ')?;
                    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
                });
            let valid = given.is_some_and(|g| bool::from(g.as_bytes().ct_eq(expected.as_bytes())));
            if !valid {
                let (message, www) = if given.is_none() {
                    (
                        "Unauthorized: send the server's secret (KOMMO_MCP_HTTP_TOKEN) as `Authorization: Bearer <secret>`",
                        r#"Bearer realm="kommo-mcp""#,
                    )
                } else {
                    (
                        "Unauthorized: the bearer secret is wrong; send the value of the server's KOMMO_MCP_HTTP_TOKEN",
                        r#"Bearer realm="kommo-mcp", error="invalid_token""#,
                    )
                };
                let mut resp = json_error(StatusCode::UNAUTHORIZED, message);
                resp.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(www));
                return Err(resp);
            }
        }
        Ok(())
    }
}

fn normalise_host(host: &str) -> String {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// `host[:port]` / `[v6][:port]` -> (host, port).
fn split_authority(authority: &str) -> (&str, Option<u16>) {
    if let Some(rest) = authority.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((host, tail)) => (host, tail.strip_prefix(':').and_then(|p| p.parse().ok())),
            None => (authority, None),
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => match port.parse() {
            Ok(p) => (host, Some(p)),
            // An unreadable port never matches a built-in host.
            Err(_) => (authority, None),
        },
        _ => (authority, None),
    }
}

fn truncate(s: &str, max: usize) -> String {
    crate::text::truncate_chars(s, max).to_string()
}

/// A JSON-RPC error body (`id: null`) with `status`, as MCP SDKs answer transport-level errors.
fn json_error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": { "code": -32000, "message": message },
    });
    (status, axum::Json(body)).into_response()
}

async fn guard_layer(State(guard): State<Arc<Guard>>, request: Request, next: Next) -> Response {
    match guard.check(request.headers()) {
        Ok(()) => next.run(request).await,
        Err(resp) => {
            tracing::debug!(status = %resp.status(), "HTTP request refused by the guard");
            resp
        }
    }
}

/// What per-request account headers may do.
#[derive(Debug, Clone, Default)]
pub struct AccountPolicy {
    /// Accept a loopback `X-Kommo-Base-Url` (the server itself listens on loopback).
    pub allow_loopback: bool,
    /// `KOMMO_RATE_LIMIT` for header accounts.
    pub rate_limit: Option<f64>,
}

/// The client for the Kommo credentials in `headers`; `Ok(None)` when the request carries none.
/// Errors name the header and never contain the token.
pub fn client_from_headers(headers: &HeaderMap, policy: &AccountPolicy) -> Result<Option<Client>, String> {
    let read = |name: &str, shown: &str| -> Result<Option<String>, String> {
        match headers.get(name) {
            None => Ok(None),
            Some(v) => match v.to_str() {
                Ok(s) if s.trim().is_empty() => Ok(None),
                Ok(s) => Ok(Some(s.trim().to_string())),
                Err(_) => Err(format!("{shown}: the header is not readable text (use ASCII only)")),
            },
        }
    };
    let base_url = read(HEADER_BASE_URL, "X-Kommo-Base-Url")?;
    let subdomain = read(HEADER_SUBDOMAIN, "X-Kommo-Subdomain")?;
    let access_token = read(HEADER_ACCESS_TOKEN, "X-Kommo-Access-Token")?;
    let default_country = read(HEADER_DEFAULT_COUNTRY, "X-Kommo-Default-Country")?;
    if base_url.is_none() && subdomain.is_none() && access_token.is_none() {
        if default_country.is_some() {
            return Err("X-Kommo-Default-Country was sent without an account: send X-Kommo-Base-Url (or X-Kommo-Subdomain) and X-Kommo-Access-Token with it".into());
        }
        return Ok(None);
    }
    if base_url.is_none() && subdomain.is_none() {
        return Err("X-Kommo-Access-Token was sent without an account: send X-Kommo-Base-Url (e.g. https://acme.kommo.com) or X-Kommo-Subdomain (e.g. acme) with it".into());
    }
    let raw = RawConfig {
        base_url,
        subdomain,
        access_token,
        default_country,
        rate_limit: policy.rate_limit,
        ..Default::default()
    };
    let config = config::validate(raw).map_err(|err| {
        let parts: Vec<String> = err
            .issues
            .iter()
            .map(|issue| {
                let header = header_name(&issue.path);
                let message = issue
                    .message
                    .replace("set baseUrl to", "send X-Kommo-Base-Url with")
                    .replace("or subdomain to", "or X-Kommo-Subdomain with")
                    .replace("set accessToken to", "send X-Kommo-Access-Token with")
                    .replace("put it in baseUrl", "send it in X-Kommo-Base-Url")
                    .replace("put the token in accessToken", "send the token in X-Kommo-Access-Token")
                    .replace(
                        "give either baseUrl or subdomain",
                        "send either X-Kommo-Base-Url or X-Kommo-Subdomain",
                    )
                    .replace(
                        "set allowUntrustedHost: true",
                        "use a Kommo host (untrusted hosts are not accepted from headers)",
                    );
                if header.is_empty() {
                    message
                } else {
                    format!("{header}: {message}")
                }
            })
            .collect();
        format!("Invalid Kommo credentials in the request headers: {}", parts.join("; "))
    })?;
    if config.oauth.is_some() {
        return Err("X-Kommo-Access-Token: send a long-lived access token".into());
    }
    if config.is_loopback() && !policy.allow_loopback {
        return Err("X-Kommo-Base-Url: a loopback address is accepted only when the HTTP server itself listens on loopback; use the account URL, e.g. https://acme.kommo.com".into());
    }
    Client::new(&config).map(Some).map_err(|e| e.to_string())
}

fn header_name(path: &str) -> &str {
    match path {
        "baseUrl" => "X-Kommo-Base-Url",
        "subdomain" => "X-Kommo-Subdomain",
        "accessToken" => "X-Kommo-Access-Token",
        "defaultCountry" => "X-Kommo-Default-Country",
        "rateLimit" => "KOMMO_RATE_LIMIT",
        other => other,
    }
}

/// Serves `server` over streamable HTTP on `listener` until `stop` is cancelled.
pub async fn serve(
    listener: tokio::net::TcpListener,
    server: KommoServer,
    guard: Guard,
    stop: CancellationToken,
) -> std::io::Result<()> {
    let hosts = guard.all_hosts();
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(hosts)
        .with_cancellation_token(stop.child_token());
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let guard = Arc::new(guard);
    let app = axum::Router::new()
        .route_service(MCP_PATH, service)
        .fallback(|| async {
            json_error(
                StatusCode::NOT_FOUND,
                &format!("Not found: the MCP endpoint is {MCP_PATH}"),
            )
        })
        .layer(axum::middleware::from_fn_with_state(guard, guard_layer));
    axum::serve(listener, app.into_make_service())
        .with_graceful_shutdown(async move { stop.cancelled().await })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_bind_forms() {
        assert_eq!(parse_bind("8080").unwrap(), "127.0.0.1:8080".parse().unwrap());
        assert_eq!(parse_bind("127.0.0.1:0").unwrap(), "127.0.0.1:0".parse().unwrap());
        assert_eq!(parse_bind("[::1]:9000").unwrap(), "[::1]:9000".parse().unwrap());
        assert_eq!(parse_bind("localhost:7").unwrap(), "127.0.0.1:7".parse().unwrap());
        assert_eq!(parse_bind("0.0.0.0:80").unwrap(), "0.0.0.0:80".parse().unwrap());
        assert!(parse_bind("99999").unwrap_err().contains("port"));
        assert!(parse_bind("example.com:80").is_err());
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn the_guard_checks_host_origin_and_secret() {
        let guard = Guard::new(
            "127.0.0.1:4000".parse().unwrap(),
            Some("s3cret".into()),
            Some("mcp.example.com"),
        );
        let ok = |h: &[(&'static str, &str)]| guard.check(&headers(h)).map_err(|r| r.status());
        let auth = ("authorization", "Bearer s3cret");
        assert_eq!(ok(&[("host", "127.0.0.1:4000"), auth]), Ok(()));
        assert_eq!(ok(&[("host", "localhost:4000"), auth]), Ok(()));
        assert_eq!(ok(&[("host", "mcp.example.com"), auth]), Ok(()));
        assert_eq!(ok(&[("host", "evil.example:4000"), auth]), Err(StatusCode::FORBIDDEN));
        assert_eq!(ok(&[("host", "localhost:4001"), auth]), Err(StatusCode::FORBIDDEN));
        assert_eq!(ok(&[auth]), Err(StatusCode::FORBIDDEN));
        assert_eq!(
            ok(&[("host", "localhost:4000"), ("origin", "http://localhost:6274"), auth]),
            Ok(())
        );
        assert_eq!(
            ok(&[("host", "localhost:4000"), ("origin", "https://evil.example"), auth]),
            Err(StatusCode::FORBIDDEN)
        );
        assert_eq!(
            ok(&[("host", "localhost:4000"), ("origin", "null"), auth]),
            Err(StatusCode::FORBIDDEN)
        );
        assert_eq!(ok(&[("host", "localhost:4000")]), Err(StatusCode::UNAUTHORIZED));
        assert_eq!(
            ok(&[("host", "localhost:4000"), ("authorization", "Bearer wrong")]),
            Err(StatusCode::UNAUTHORIZED)
        );
        assert_eq!(
            ok(&[("host", "localhost:4000"), ("authorization", "bearer s3cret")]),
            Ok(())
        );
        let v6 = Guard::new("[::1]:5000".parse().unwrap(), None, None);
        assert!(v6.check(&headers(&[("host", "[::1]:5000")])).is_ok());
        assert!(v6.check(&headers(&[("host", "[::2]:5000")])).is_err());
    }

    #[test]
    fn refusals_never_echo_the_secret() {
        let guard = Guard::new("127.0.0.1:4000".parse().unwrap(), Some("s3cret".into()), None);
        let resp = guard
            .check(&headers(&[
                ("host", "localhost:4000"),
                ("authorization", "Bearer s3cre"),
            ]))
            .unwrap_err();
        assert!(resp.headers().get("www-authenticate").is_some());
        assert!(!format!("{guard:?}").contains("s3cret"));
    }

    #[test]
    fn account_headers_are_validated_and_name_the_header() {
        let policy = AccountPolicy {
            allow_loopback: true,
            rate_limit: None,
        };
        assert!(client_from_headers(&HeaderMap::new(), &policy).unwrap().is_none());
        let err = client_from_headers(
            &headers(&[
                ("x-kommo-base-url", "https://evil.example.com"),
                ("x-kommo-access-token", "tok-SECRET"),
            ]),
            &policy,
        )
        .unwrap_err();
        assert!(err.contains("X-Kommo-Base-Url"), "{err}");
        assert!(!err.contains("SECRET"), "{err}");
        let err = client_from_headers(&headers(&[("x-kommo-access-token", "tok-SECRET")]), &policy).unwrap_err();
        assert!(err.contains("X-Kommo-Base-Url"), "{err}");
        assert!(!err.contains("SECRET"), "{err}");
        let err = client_from_headers(&headers(&[("x-kommo-subdomain", "acme")]), &policy).unwrap_err();
        assert!(err.contains("X-Kommo-Access-Token"), "{err}");
        let client = client_from_headers(
            &headers(&[("x-kommo-subdomain", "acme"), ("x-kommo-access-token", "tok")]),
            &policy,
        )
        .unwrap()
        .unwrap();
        assert_eq!(client.config().base_url(), "https://acme.kommo.com");
        let no_loopback = AccountPolicy::default();
        let err = client_from_headers(
            &headers(&[
                ("x-kommo-base-url", "http://127.0.0.1:9"),
                ("x-kommo-access-token", "tok"),
            ]),
            &no_loopback,
        )
        .unwrap_err();
        assert!(err.contains("loopback"), "{err}");
    }
}
