//! `KommoConfig`: parse, normalise and validate the connection settings.
//!
//! This is the logic behind the JS `kommoConfigSchema` and behind the server's environment
//! variables. Input arrives as a [`RawConfig`] (filled from a JS object, JSON or the
//! environment); [`validate`] turns it into a [`KommoConfig`] or a list of [`Issue`]s, each
//! naming the offending key and saying how to fix it.
//!
//! Why so strict: the access token is a bearer credential, so the host it is sent to must be
//! a Kommo/amoCRM account host (or loopback, for the sandbox and tests) unless the caller opts
//! in explicitly with `allowUntrustedHost`.

use std::fmt;
use std::net::IpAddr;

use url::{Host, Url};

/// Kommo account host suffixes we trust with a bearer token.
const TRUSTED_SUFFIXES: [&str; 3] = [".kommo.com", ".amocrm.com", ".amocrm.ru"];

/// Keys accepted in a config object. Anything else is rejected (typo protection).
pub const KNOWN_KEYS: &[&str] = &[
    "baseUrl",
    "subdomain",
    "accessToken",
    "allowUntrustedHost",
    "defaultCountry",
    "clientId",
    "clientSecret",
    "redirectUri",
    "refreshToken",
    "authorizationCode",
    "expiresAt",
    "tokenStore",
    "onTokens",
    "rateLimit",
];

/// Kommo's documented limit: at most 7 requests per second (kommo-api-v4.md section 3.5).
pub const DEFAULT_RATE_LIMIT: u32 = 7;
/// Largest accepted `rateLimit` (requests per second).
pub const MAX_RATE_LIMIT: u32 = 1000;

/// A config as supplied, before validation. `None` means the key was absent (or undefined).
/// `Debug` shows whether secrets are present, never their values.
#[derive(Default, Clone)]
pub struct RawConfig {
    pub base_url: Option<String>,
    pub subdomain: Option<String>,
    pub access_token: Option<String>,
    pub allow_untrusted_host: Option<bool>,
    pub default_country: Option<String>,
    /// OAuth: the integration ID.
    pub client_id: Option<String>,
    /// OAuth: the integration's secret key.
    pub client_secret: Option<String>,
    /// OAuth: the redirect URI configured for the integration.
    pub redirect_uri: Option<String>,
    /// OAuth: a refresh token (or, when it starts with `def50`, possibly an authorization code).
    pub refresh_token: Option<String>,
    /// OAuth: an authorization code to exchange.
    pub authorization_code: Option<String>,
    /// OAuth: when `access_token` expires (Unix seconds).
    pub expires_at: Option<i64>,
    /// Tokens may come from a token store / token file, so no grant is required in the config.
    pub tokens_from_store: bool,
    /// Requests per second to this account, as given (validated to 1..=[`MAX_RATE_LIMIT`]).
    pub rate_limit: Option<f64>,
    /// Problems found while reading the input (wrong types, unknown keys).
    pub issues: Vec<Issue>,
}

impl fmt::Debug for RawConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secret = |v: &Option<String>| v.as_ref().map(|_| "<redacted>");
        f.debug_struct("RawConfig")
            .field("base_url", &self.base_url)
            .field("subdomain", &self.subdomain)
            .field("access_token", &secret(&self.access_token))
            .field("allow_untrusted_host", &self.allow_untrusted_host)
            .field("default_country", &self.default_country)
            .field("client_id", &self.client_id)
            .field("client_secret", &secret(&self.client_secret))
            .field("redirect_uri", &self.redirect_uri)
            .field("refresh_token", &secret(&self.refresh_token))
            .field("authorization_code", &secret(&self.authorization_code))
            .field("expires_at", &self.expires_at)
            .field("tokens_from_store", &self.tokens_from_store)
            .field("rate_limit", &self.rate_limit)
            .field("issues", &self.issues)
            .finish()
    }
}

/// A validated, normalised config.
#[derive(Clone, PartialEq, Eq)]
pub struct KommoConfig {
    /// Canonical account URL: scheme and host (and port for loopback), no path, no trailing slash.
    /// e.g. `https://acme.kommo.com`. The REST API lives under `{account_url}/api/v4`.
    pub account_url: Url,
    /// Bearer token (long-lived token or OAuth access token). Never printed by `Debug`.
    pub access_token: String,
    /// The host is neither a Kommo host nor loopback and the caller opted in.
    pub allow_untrusted_host: bool,
    /// ISO 3166-1 alpha-2 region used to read phone numbers written without a country code.
    pub default_country: Option<String>,
    /// The OAuth form: refresh by itself. `None` for the long-lived token form (never refreshed);
    /// then `access_token` is the token. With OAuth, `access_token` is the optional current
    /// access token (empty when not given).
    pub oauth: Option<OAuthConfig>,
    /// Requests per second this client sends to the account, when set explicitly
    /// (see [`KommoConfig::effective_rate_limit`]).
    pub rate_limit: Option<u32>,
}

/// How the first OAuth tokens are obtained.
#[derive(Clone, PartialEq, Eq)]
pub enum Grant {
    /// `authorizationCode`: exchange it.
    AuthorizationCode(String),
    /// `refreshToken`: refresh with it.
    RefreshToken(String),
    /// A `def50...` value given as `refreshToken` (the setup guide's shortcut): exchanged as an
    /// authorization code first, used as a refresh token if Kommo cannot read it as a code.
    CodeOrRefreshToken(String),
}

impl Grant {
    /// The code or token.
    pub fn value(&self) -> &str {
        match self {
            Grant::AuthorizationCode(v) | Grant::RefreshToken(v) | Grant::CodeOrRefreshToken(v) => v,
        }
    }
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Grant::AuthorizationCode(_) => "AuthorizationCode(<redacted>)",
            Grant::RefreshToken(_) => "RefreshToken(<redacted>)",
            Grant::CodeOrRefreshToken(_) => "CodeOrRefreshToken(<redacted>)",
        })
    }
}

/// The integration's OAuth settings.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthConfig {
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uri: String,
    /// How to get the first tokens; `None` when they come from a token store / file.
    pub grant: Option<Grant>,
    /// Expiry of the given access token (Unix seconds).
    pub expires_at: Option<i64>,
}

impl fmt::Debug for OAuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("redirect_uri", &self.redirect_uri)
            .field("grant", &self.grant)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl fmt::Debug for KommoConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KommoConfig")
            .field("account_url", &self.account_url.as_str())
            .field("access_token", &"<redacted>")
            .field("allow_untrusted_host", &self.allow_untrusted_host)
            .field("default_country", &self.default_country)
            .field("rate_limit", &self.rate_limit)
            .field("oauth", &self.oauth)
            .finish()
    }
}

impl KommoConfig {
    /// Canonical base URL as shown to users: `https://acme.kommo.com` (no trailing slash).
    pub fn base_url(&self) -> String {
        self.account_url.as_str().trim_end_matches('/').to_string()
    }

    /// URL of the REST API root, `{account}/api/v4/`, with a trailing slash so that
    /// `Url::join("contacts")` works.
    pub fn api_root(&self) -> Url {
        // The account URL has an empty path; joining a relative path cannot fail.
        let mut url = self.account_url.clone();
        url.set_path("/api/v4/");
        url
    }

    /// Requests per second the client paces itself to: `rateLimit` when given, otherwise
    /// Kommo's 7 for real accounts and no pacing for loopback hosts (the sandbox and local test
    /// servers are not Kommo; set `rateLimit` to pace against them too).
    pub fn effective_rate_limit(&self) -> Option<u32> {
        match self.rate_limit {
            Some(n) => Some(n),
            None if self.is_loopback() => None,
            None => Some(DEFAULT_RATE_LIMIT),
        }
    }

    /// Whether the host is loopback (the sandbox or a local test server).
    pub fn is_loopback(&self) -> bool {
        self.account_url.host().is_some_and(|h| is_loopback_host(&h))
    }
}

/// One validation problem: which key, what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Key path, e.g. `baseUrl`. Empty for the object itself.
    pub path: String,
    /// What is wrong and how to fix it (never contains the token).
    pub message: String,
    /// Machine-readable code, in zod's vocabulary where one fits.
    pub code: &'static str,
}

impl Issue {
    pub fn new(path: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
            code,
        }
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// All the issues of one failed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub issues: Vec<Issue>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Invalid Kommo config: ")?;
        for (i, issue) in self.issues.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{issue}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Validates and normalises a raw config.
pub fn validate(mut raw: RawConfig) -> Result<KommoConfig, ConfigError> {
    let mut issues = std::mem::take(&mut raw.issues);
    let allow_untrusted = raw.allow_untrusted_host.unwrap_or(false);

    let account_url = match (raw.base_url.as_deref(), raw.subdomain.as_deref()) {
        (Some(_), Some(_)) => {
            issues.push(Issue::new(
                "subdomain",
                "custom",
                "give either baseUrl or subdomain, not both",
            ));
            None
        }
        (Some(base), None) => match parse_base_url(base, allow_untrusted) {
            Ok(url) => Some(url),
            Err(message) => {
                issues.push(Issue::new("baseUrl", "invalid_format", message));
                None
            }
        },
        (None, Some(sub)) => match parse_subdomain(sub) {
            Ok(url) => Some(url),
            Err(message) => {
                issues.push(Issue::new("subdomain", "invalid_format", message));
                None
            }
        },
        (None, None) => {
            // A type issue on either key was already reported; do not add "missing" on top.
            if !issues.iter().any(|i| i.path == "baseUrl" || i.path == "subdomain") {
                issues.push(Issue::new(
                    "baseUrl",
                    "invalid_type",
                    "required: set baseUrl to your account URL (https://<subdomain>.kommo.com) or subdomain to <subdomain>",
                ));
            }
            None
        }
    };

    let oauth_form = raw.client_id.is_some()
        || raw.client_secret.is_some()
        || raw.redirect_uri.is_some()
        || raw.refresh_token.is_some()
        || raw.authorization_code.is_some();
    let oauth = if oauth_form {
        validate_oauth(&raw, &mut issues)
    } else {
        if raw.expires_at.is_some() {
            issues.push(Issue::new(
                "expiresAt",
                "custom",
                "only used with the OAuth form (clientId, clientSecret, redirectUri and refreshToken or authorizationCode); remove it for a long-lived token",
            ));
        }
        None
    };

    let access_token = match raw.access_token {
        Some(token) => match check_token(&token) {
            Ok(()) => Some(token),
            Err(message) => {
                issues.push(Issue::new("accessToken", "invalid_format", message));
                None
            }
        },
        None if oauth_form => Some(String::new()),
        None => {
            if !issues.iter().any(|i| i.path == "accessToken") {
                issues.push(Issue::new(
                    "accessToken",
                    "invalid_type",
                    "required: set accessToken to a long-lived token or an OAuth access token (Kommo > Settings > Integrations > Keys and scopes)",
                ));
            }
            None
        }
    };

    let default_country = match raw.default_country {
        Some(country) => match crate::phone::parse_region(&country) {
            Some(_) => Some(country.trim().to_ascii_uppercase()),
            None => {
                issues.push(Issue::new(
                    "defaultCountry",
                    "invalid_format",
                    format!(
                        "{:?} is not a known ISO 3166-1 alpha-2 country code; expected two letters such as \"CO\", \"MX\" or \"US\"",
                        truncate(&country, 20)
                    ),
                ));
                None
            }
        },
        None => None,
    };

    let rate_limit = match raw.rate_limit {
        None => None,
        Some(n) => match check_rate_limit(n) {
            Ok(n) => Some(n),
            Err(message) => {
                issues.push(Issue::new("rateLimit", "invalid_format", message));
                None
            }
        },
    };

    match (account_url, access_token) {
        (Some(account_url), Some(access_token)) if issues.is_empty() => {
            let untrusted = !is_trusted_url(&account_url);
            Ok(KommoConfig {
                account_url,
                access_token,
                allow_untrusted_host: untrusted && allow_untrusted,
                default_country,
                oauth,
                rate_limit,
            })
        }
        _ => Err(ConfigError { issues }),
    }
}

/// Checks the OAuth keys. Messages name the key and never echo a secret.
fn validate_oauth(raw: &RawConfig, issues: &mut Vec<Issue>) -> Option<OAuthConfig> {
    let mut ok = true;
    let mut required = |key: &str, value: &Option<String>, what: &str, issues: &mut Vec<Issue>| -> String {
        match value.as_deref() {
            None if !issues.iter().any(|i| i.path == key) => {
                issues.push(Issue::new(
                    key,
                    "invalid_type",
                    format!("required for OAuth: set {key} to {what} (Kommo > Settings > Integrations > your integration > Keys and scopes)"),
                ));
                ok = false;
                String::new()
            }
            None => {
                ok = false;
                String::new()
            }
            Some(v) => {
                if let Err(m) = check_secret(v) {
                    issues.push(Issue::new(key, "invalid_format", m));
                    ok = false;
                }
                v.to_string()
            }
        }
    };
    let client_id = required("clientId", &raw.client_id, "the Integration ID", issues);
    let client_secret = required("clientSecret", &raw.client_secret, "the Secret key", issues);
    let redirect_uri = required(
        "redirectUri",
        &raw.redirect_uri,
        "the integration's Redirect URI",
        issues,
    );
    if ok && Url::parse(&redirect_uri).is_err() {
        issues.push(Issue::new(
            "redirectUri",
            "invalid_format",
            "is not an absolute URL; give exactly the Redirect URI configured for the integration, e.g. https://example.com/oauth",
        ));
        ok = false;
    }
    let mut grant = None;
    for (key, value) in [
        ("refreshToken", &raw.refresh_token),
        ("authorizationCode", &raw.authorization_code),
    ] {
        if let Some(v) = value {
            if let Err(m) = check_secret(v) {
                issues.push(Issue::new(key, "invalid_format", m));
                ok = false;
            }
        }
    }
    match (&raw.refresh_token, &raw.authorization_code) {
        (Some(_), Some(_)) => {
            issues.push(Issue::new(
                "authorizationCode",
                "custom",
                "give either refreshToken or authorizationCode, not both",
            ));
            ok = false;
        }
        (Some(rt), None) if rt.starts_with("def50") => grant = Some(Grant::CodeOrRefreshToken(rt.clone())),
        (Some(rt), None) => grant = Some(Grant::RefreshToken(rt.clone())),
        (None, Some(code)) => grant = Some(Grant::AuthorizationCode(code.clone())),
        (None, None) => {
            if raw.access_token.is_none() && !raw.tokens_from_store {
                issues.push(Issue::new(
                    "refreshToken",
                    "invalid_type",
                    "required for OAuth: set refreshToken, or authorizationCode to the code (def50..., valid 20 minutes) from Keys and scopes, or give a tokenStore that holds saved tokens",
                ));
                ok = false;
            }
        }
    }
    if let Some(at) = raw.expires_at {
        if at < 0 {
            issues.push(Issue::new(
                "expiresAt",
                "invalid_format",
                "must be a Unix time in seconds (when accessToken expires)",
            ));
            ok = false;
        }
    }
    ok.then_some(OAuthConfig {
        client_id,
        client_secret,
        redirect_uri,
        grant,
        expires_at: raw.expires_at,
    })
}

/// Like [`check_token`] for OAuth secrets and ids, with a neutral wording.
fn check_secret(value: &str) -> Result<(), String> {
    check_token(value).map_err(|m| m.replace("paste the long-lived token or OAuth access token", "paste the value"))
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

fn check_token(token: &str) -> Result<(), String> {
    if token.is_empty() {
        return Err("must not be empty: paste the long-lived token or OAuth access token".into());
    }
    if let Some(rest) = token.strip_prefix("Bearer") {
        if rest.starts_with(char::is_whitespace) {
            return Err("remove the \"Bearer \" prefix: give the token alone".into());
        }
    }
    // The usual token (a JWT or a long-lived key) is printable ASCII: one byte scan decides.
    if is_printable_ascii(token.as_bytes()) {
        return Ok(());
    }
    if let Some((pos, ch)) = token.char_indices().find(|(_, c)| c.is_whitespace() || c.is_control()) {
        let what = match ch {
            '\n' | '\r' => "a line break",
            ' ' => "a space",
            '\t' => "a tab",
            _ if ch.is_control() => "a control character",
            _ => "whitespace",
        };
        return Err(format!(
            "contains {what} at position {pos}; copy the token again without surrounding spaces or line breaks"
        ));
    }
    Ok(())
}

/// Every byte is printable ASCII (`!` to `~`): no whitespace, no control character.
pub(crate) fn is_printable_ascii(bytes: &[u8]) -> bool {
    all_printable(bytes, |b| b.wrapping_sub(0x21) < 0x5e)
}

/// [`is_printable_ascii`] for UTF-16 code units.
pub(crate) fn is_printable_ascii_utf16(units: &[u16]) -> bool {
    all_printable(units, |u| u.wrapping_sub(0x21) < 0x5e)
}

/// `units.iter().all(ok)`, branch-free within blocks of 64 so that the compiler vectorises it (a token
/// is 700-1000 characters and is scanned on every config check).
fn all_printable<T: Copy>(units: &[T], ok: impl Fn(T) -> bool) -> bool {
    let mut blocks = units.chunks_exact(64);
    let blocks_ok = blocks.all(|block| block.iter().fold(true, |acc, &u| acc & ok(u)));
    blocks_ok && blocks.remainder().iter().all(|&u| ok(u))
}

fn is_loopback_host(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// The host is a single-label subdomain of a trusted Kommo/amoCRM suffix.
fn kommo_subdomain(host: &str) -> Option<&str> {
    TRUSTED_SUFFIXES.iter().find_map(|suffix| {
        let sub = host.strip_suffix(suffix)?;
        // `www` is the marketing site, never an account (Kommo: "not on the common domain").
        (!sub.is_empty() && !sub.contains('.') && sub != "www").then_some(sub)
    })
}

fn is_trusted_url(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => kommo_subdomain(d).is_some() || d == "localhost",
        Some(h) => is_loopback_host(&h),
        None => false,
    }
}

fn parse_base_url(input: &str, allow_untrusted: bool) -> Result<Url, String> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err("must not be empty; expected your account URL, e.g. https://<subdomain>.kommo.com".into());
    }
    let url = match Url::parse(trimmed) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            // Suggest the URL the text probably meant only when it reads as a host name: the
            // message quotes other text escaped, but the suggestion shows it as is.
            let host_like = trimmed.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.');
            return Err(format!(
                "{:?} is not an absolute URL; expected https://{}",
                truncate(trimmed, 80),
                if !host_like {
                    "<subdomain>.kommo.com".to_string()
                } else if trimmed.contains('.') {
                    truncate(trimmed, 80)
                } else {
                    format!("{}.kommo.com", truncate(trimmed, 40))
                }
            ));
        }
        Err(e) => {
            return Err(format!(
                "{:?} is not a valid URL ({e}); expected https://<subdomain>.kommo.com",
                truncate(trimmed, 80)
            ))
        }
    };
    let scheme = url.scheme();
    if scheme != "https" && scheme != "http" {
        return Err(format!(
            "scheme {scheme}: is not supported; expected https://<subdomain>.kommo.com"
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain a user name or password; put the token in accessToken".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not contain a query string or fragment; expected https://<subdomain>.kommo.com".into());
    }
    let path = url.path();
    if !matches!(path, "" | "/" | "/api/v4" | "/api/v4/") {
        return Err(format!(
            "path {path} is not supported; give the account URL (https://<subdomain>.kommo.com), optionally followed by /api/v4"
        ));
    }
    let host = url
        .host()
        .ok_or_else(|| "has no host; expected https://<subdomain>.kommo.com".to_string())?;
    let loopback = is_loopback_host(&host);
    // Only the error messages need the host as text.
    let host_str = || match &host {
        Host::Domain(d) => d.to_string(),
        Host::Ipv4(ip) => ip.to_string(),
        Host::Ipv6(ip) => format!("[{ip}]"),
    };

    if loopback {
        // http is fine on loopback: the sandbox and local tests.
    } else if let Host::Domain(domain) = &host {
        if kommo_subdomain(domain).is_some() {
            if scheme != "https" {
                return Err(format!("Kommo accounts are served over https; use https://{domain}"));
            }
            if url.port().is_some() {
                return Err(format!("remove the port; expected https://{domain}"));
            }
        } else if TRUSTED_SUFFIXES
            .iter()
            .any(|s| *domain == &s[1..] || domain.ends_with(s))
        {
            return Err(format!(
                "host {domain} is not an account host; use your own account's address, e.g. https://<subdomain>.kommo.com (find it in the browser's address bar when logged in to Kommo)"
            ));
        } else if !allow_untrusted {
            return Err(untrusted_host_message(domain));
        } else if scheme != "https" {
            return Err(format!("an untrusted host must use https; use https://{domain}"));
        }
    } else if !allow_untrusted {
        return Err(format!(
            "host {} is not a Kommo account host; expected https://<subdomain>.kommo.com. To send the token to another host on purpose, set allowUntrustedHost: true",
            host_str()
        ));
    } else if scheme != "https" {
        return Err(format!("an untrusted host must use https; use https://{}", host_str()));
    }

    let mut canonical = url;
    if !canonical.path().is_empty() && canonical.path() != "/" {
        canonical.set_path("");
    }
    Ok(canonical)
}

/// The message of the `baseUrl` issue for a host that is not Kommo's (also [`QuickUrl::UntrustedHost`]'s).
pub fn untrusted_host_message(domain: &str) -> String {
    format!(
        "host {domain} is not a Kommo account host; expected https://<subdomain>.kommo.com (or .amocrm.com / .amocrm.ru). To send the token to another host on purpose (a proxy), set allowUntrustedHost: true"
    )
}

/// What [`validate`] decides about a `baseUrl` in its common shape, found without the URL parser:
/// see [`quick_base_url`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuickUrl<'a> {
    /// Valid; `base_url` is the canonical form (a prefix of the input) and `untrusted` says whether
    /// the config keeps `allowUntrustedHost: true` (a host that needed it).
    Valid { base_url: &'a str, untrusted: bool },
    /// Invalid: the host is not a Kommo host and `allowUntrustedHost` is not set. The one issue is
    /// `baseUrl` / `invalid_format` / [`untrusted_host_message`].
    UntrustedHost(&'a str),
}

/// [`validate`]'s verdict on `baseUrl` for the shape nearly every config has, without the WHATWG
/// URL parser: `https://`, a host of lowercase ASCII labels (letters, digits, inner hyphens, the
/// last label starting with a letter, so it is neither an IP address nor punycode), then nothing,
/// `/`, `/api/v4` or `/api/v4/`. For such input the URL parser changes nothing but the path, so the
/// canonical URL is the input up to the host. `None` for anything else (whitespace, capitals, a
/// port, `http`, loopback, Kommo's own non-account hosts, ...): the caller runs [`validate`].
/// `config::tests::quick_base_url_agrees_with_validate` holds the two together.
pub fn quick_base_url(input: &str, allow_untrusted: bool) -> Option<QuickUrl<'_>> {
    let rest = input.strip_prefix("https://")?;
    // Byte loops, not `str` searches: this runs on every config check and the strings are short.
    let bytes = rest.as_bytes();
    let host_len = bytes.iter().position(|&b| b == b'/').unwrap_or(bytes.len());
    let (host, path) = rest.split_at(host_len);
    if !matches!(path, "" | "/" | "/api/v4" | "/api/v4/") || host.is_empty() || host.len() > 253 {
        return None;
    }
    let mut last = 0;
    for (i, &b) in host.as_bytes().iter().enumerate() {
        if b == b'.' {
            if !plain_label(&host[last..i]) {
                return None;
            }
            last = i + 1;
        }
    }
    if !plain_label(&host[last..]) || !host.as_bytes()[last].is_ascii_lowercase() || host == "localhost" {
        return None;
    }
    let base_url = &input[.."https://".len() + host.len()];
    if kommo_subdomain(host).is_some() {
        return Some(QuickUrl::Valid {
            base_url,
            untrusted: false,
        });
    }
    if TRUSTED_SUFFIXES.iter().any(|s| host == &s[1..] || host.ends_with(s)) {
        return None; // Kommo's own site: validate explains
    }
    Some(if allow_untrusted {
        QuickUrl::Valid {
            base_url,
            untrusted: true,
        }
    } else {
        QuickUrl::UntrustedHost(host)
    })
}

/// A DNS label the URL parser and IDNA leave as it is: 1-63 lowercase ASCII letters, digits and
/// inner hyphens, and not `xx--` (punycode and other reserved forms).
fn plain_label(label: &str) -> bool {
    let b = label.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
        && b.get(2..4) != Some(b"--")
}

/// [`validate`]'s verdict on a `subdomain` that is one plain lowercase label other than `www`:
/// valid, with the canonical URL `https://<subdomain>.kommo.com`. `false`: run [`validate`].
pub fn quick_subdomain(sub: &str) -> bool {
    plain_label(sub) && sub != "www"
}

/// [`validate`]'s `defaultCountry` for two ASCII letters: the upper-case code when it is a known
/// region. `None` for anything else, valid or not (the caller runs [`validate`]).
pub fn quick_country(code: &[u8]) -> Option<[u8; 2]> {
    match code {
        [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
            let upper = [a.to_ascii_uppercase(), b.to_ascii_uppercase()];
            crate::phone::parse_region(std::str::from_utf8(&upper).ok()?).map(|_| upper)
        }
        _ => None,
    }
}

fn check_rate_limit(n: f64) -> Result<u32, String> {
    if !n.is_finite() || n.fract() != 0.0 {
        return Err(format!(
            "{n} is not a whole number; expected requests per second between 1 and {MAX_RATE_LIMIT} (Kommo allows {DEFAULT_RATE_LIMIT})"
        ));
    }
    if n < 1.0 || n > f64::from(MAX_RATE_LIMIT) {
        return Err(format!(
            "{n} is out of range; expected requests per second between 1 and {MAX_RATE_LIMIT} (Kommo allows {DEFAULT_RATE_LIMIT}; going above it gets 429 answers and, repeated, a block)"
        ));
    }
    Ok(n as u32)
}

fn parse_subdomain(input: &str) -> Result<Url, String> {
    let s = input.trim().to_ascii_lowercase();
    if s.is_empty() {
        return Err("must not be empty; expected the first part of your account address, e.g. \"acme\" for https://acme.kommo.com".into());
    }
    if s == "www" {
        // Found by fuzzing: baseUrl refused https://www.kommo.com but subdomain "www" built it.
        return Err(
            "\"www\" is Kommo's website, not an account; give your account's subdomain, e.g. \"acme\" for https://acme.kommo.com"
                .into(),
        );
    }
    // Accept a full host too (the original doubled it into acme.kommo.com.kommo.com).
    if s.contains("://") {
        return Err(format!(
            "{:?} looks like a URL; put it in baseUrl, or give only the subdomain (e.g. \"acme\")",
            truncate(input, 80)
        ));
    }
    let valid_label = |l: &str| {
        l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if s.contains('.') {
        // Found by fuzzing: "/api/v4/#x.amocrm.com" ends in a Kommo suffix, but its label is
        // not one, and it built https://api/v4/#... .
        if kommo_subdomain(&s).is_some_and(valid_label) {
            return Url::parse(&format!("https://{s}")).map_err(|e| format!("{e}"));
        }
        return Err(format!(
            "{:?} is not a subdomain; expected the first part of your account address, e.g. \"acme\" for https://acme.kommo.com",
            truncate(input, 80)
        ));
    }
    if !valid_label(&s) {
        return Err(format!(
            "{:?} is not a valid subdomain; use letters, digits and hyphens, e.g. \"acme\" for https://acme.kommo.com",
            truncate(input, 80)
        ));
    }
    Url::parse(&format!("https://{s}.kommo.com")).map_err(|e| format!("{e}"))
}

/// Reads a [`RawConfig`] from environment variables (`KOMMO_BASE_URL`, `KOMMO_SUBDOMAIN`,
/// `KOMMO_ACCESS_TOKEN`, `KOMMO_ALLOW_UNTRUSTED_HOST`, `KOMMO_DEFAULT_COUNTRY`).
/// Issue paths name the variables, so messages point at what to change.
pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<KommoConfig, ConfigError> {
    from_env_with(get, false)
}

/// [`from_env`], where `tokens_from_store` says a token file already holds OAuth tokens (so
/// `KOMMO_REFRESH_TOKEN` / `KOMMO_AUTH_CODE` are not required).
pub fn from_env_with(
    get: impl Fn(&str) -> Option<String>,
    tokens_from_store: bool,
) -> Result<KommoConfig, ConfigError> {
    let non_empty = |k: &str| get(k).filter(|v| !v.is_empty());
    let mut raw = RawConfig {
        base_url: non_empty("KOMMO_BASE_URL"),
        subdomain: non_empty("KOMMO_SUBDOMAIN"),
        access_token: non_empty("KOMMO_ACCESS_TOKEN"),
        default_country: non_empty("KOMMO_DEFAULT_COUNTRY"),
        client_id: non_empty("KOMMO_CLIENT_ID"),
        client_secret: non_empty("KOMMO_CLIENT_SECRET"),
        redirect_uri: non_empty("KOMMO_REDIRECT_URI"),
        refresh_token: non_empty("KOMMO_REFRESH_TOKEN"),
        authorization_code: non_empty("KOMMO_AUTH_CODE"),
        tokens_from_store,
        ..RawConfig::default()
    };
    if let Some(v) = non_empty("KOMMO_RATE_LIMIT") {
        match v.trim().parse::<f64>() {
            Ok(n) => raw.rate_limit = Some(n),
            Err(_) => raw.issues.push(Issue::new(
                "rateLimit",
                "invalid_type",
                format!(
                    "{:?} is not a number; expected requests per second between 1 and {MAX_RATE_LIMIT}",
                    truncate(&v, 20)
                ),
            )),
        }
    }
    match non_empty("KOMMO_ALLOW_UNTRUSTED_HOST").as_deref() {
        None => {}
        Some(v) => match parse_bool(v) {
            Some(b) => raw.allow_untrusted_host = Some(b),
            None => raw.issues.push(Issue::new(
                "allowUntrustedHost",
                "invalid_type",
                format!("{v:?} is not a boolean; expected true or false"),
            )),
        },
    }
    validate(raw).map_err(|mut err| {
        for issue in &mut err.issues {
            issue.path = env_name(&issue.path).to_string();
            // Messages mention the JS key names; point at the variables instead.
            issue.message = issue
                .message
                .replace("set baseUrl to", "set KOMMO_BASE_URL to")
                .replace("or subdomain to", "or KOMMO_SUBDOMAIN to")
                .replace("set accessToken to", "set KOMMO_ACCESS_TOKEN to")
                .replace("set clientId to", "set KOMMO_CLIENT_ID to")
                .replace("set clientSecret to", "set KOMMO_CLIENT_SECRET to")
                .replace("set redirectUri to", "set KOMMO_REDIRECT_URI to")
                .replace(
                    "set refreshToken, or authorizationCode to",
                    "set KOMMO_REFRESH_TOKEN, or KOMMO_AUTH_CODE to",
                )
                .replace(
                    "or give a tokenStore that holds saved tokens",
                    "or run `kommo-mcp auth` to save tokens in the token file",
                )
                .replace(
                    "give either refreshToken or authorizationCode",
                    "set either KOMMO_REFRESH_TOKEN or KOMMO_AUTH_CODE",
                )
                .replace("put it in baseUrl", "put it in KOMMO_BASE_URL")
                .replace("put the token in accessToken", "put the token in KOMMO_ACCESS_TOKEN")
                .replace("set allowUntrustedHost: true", "set KOMMO_ALLOW_UNTRUSTED_HOST=true")
                .replace(
                    "give either baseUrl or subdomain",
                    "set either KOMMO_BASE_URL or KOMMO_SUBDOMAIN",
                );
        }
        err
    })
}

/// Environment variable behind a config key.
pub fn env_name(key: &str) -> &str {
    match key {
        "baseUrl" => "KOMMO_BASE_URL",
        "subdomain" => "KOMMO_SUBDOMAIN",
        "accessToken" => "KOMMO_ACCESS_TOKEN",
        "allowUntrustedHost" => "KOMMO_ALLOW_UNTRUSTED_HOST",
        "defaultCountry" => "KOMMO_DEFAULT_COUNTRY",
        "rateLimit" => "KOMMO_RATE_LIMIT",
        "clientId" => "KOMMO_CLIENT_ID",
        "clientSecret" => "KOMMO_CLIENT_SECRET",
        "redirectUri" => "KOMMO_REDIRECT_URI",
        "refreshToken" => "KOMMO_REFRESH_TOKEN",
        "authorizationCode" => "KOMMO_AUTH_CODE",
        other => other,
    }
}

/// `true/false/1/0/yes/no`, case-insensitive.
pub fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// True when `ip` is a loopback address (exposed for the sandbox and tests).
pub fn is_loopback_ip(ip: IpAddr) -> bool {
    ip.is_loopback()
}

#[cfg(test)]
mod tests {
    #[test]
    fn raw_config_debug_redacts_secrets() {
        let raw = RawConfig {
            base_url: Some("https://acme.kommo.com".into()),
            access_token: Some("CANARY-access".into()),
            client_id: Some("client-1".into()),
            client_secret: Some("CANARY-secret".into()),
            refresh_token: Some("CANARY-refresh".into()),
            authorization_code: Some("CANARY-code".into()),
            ..Default::default()
        };
        let shown = format!("{raw:?}");
        assert!(!shown.contains("CANARY"), "{shown}");
        assert!(
            shown.contains("acme.kommo.com") && shown.contains("client-1"),
            "{shown}"
        );
        assert!(shown.contains("<redacted>"), "{shown}");
    }

    use super::*;

    #[test]
    fn a_base_url_without_scheme_suggests_a_url_only_when_it_reads_as_a_host() {
        let hint = |input: &str| parse_base_url(input, false).unwrap_err();
        assert!(
            hint("acme").ends_with("expected https://acme.kommo.com"),
            "{}",
            hint("acme")
        );
        assert!(hint("acme.kommo.com").ends_with("expected https://acme.kommo.com"));
        assert!(hint("acmé").ends_with("expected https://acmé.kommo.com"));
        // Text that is no host name is quoted escaped, never echoed raw (a NUL once came back
        // raw in the suggestion, and the JS fast path, which splits its answer at NULs, lost it).
        for odd in ["\0", "a\0b", "acme corp", "a\nb", "x/y"] {
            let message = hint(odd);
            assert!(message.ends_with("expected https://<subdomain>.kommo.com"), "{message}");
            assert!(!message.chars().any(char::is_control), "{message:?}");
        }
    }

    #[test]
    fn printable_scan_finds_a_bad_unit_anywhere() {
        for len in [0usize, 1, 63, 64, 65, 130, 750] {
            let good = "a".repeat(len);
            assert!(is_printable_ascii(good.as_bytes()));
            assert!(is_printable_ascii_utf16(&good.encode_utf16().collect::<Vec<_>>()));
            for at in [0, len / 2, len.saturating_sub(1)] {
                if len == 0 {
                    continue;
                }
                for bad in [' ', '\n', '\u{7f}', 'é', '\u{2028}'] {
                    let mut t: Vec<char> = good.chars().collect();
                    t[at] = bad;
                    let t: String = t.into_iter().collect();
                    assert!(!is_printable_ascii(t.as_bytes()), "{len} {at} {bad:?}");
                    assert!(
                        !is_printable_ascii_utf16(&t.encode_utf16().collect::<Vec<_>>()),
                        "{len} {at} {bad:?}"
                    );
                }
            }
        }
    }

    /// The fast path (`quick_base_url`, `quick_country`) gives what `validate` gives, on a corpus
    /// built from the shapes that matter: case, whitespace, ports, paths, IP-like and punycode
    /// labels, Kommo's own hosts, loopback; and it does apply to the common forms.
    #[test]
    fn quick_base_url_agrees_with_validate() {
        let hosts = [
            "acme.kommo.com",
            "acme-2.kommo.com",
            "2acme.amocrm.ru",
            "a.amocrm.com",
            "www.kommo.com",
            "kommo.com",
            "a.b.kommo.com",
            "-acme.kommo.com",
            "acme-.kommo.com",
            "xn--80ak6aa92e.kommo.com",
            "ab--cd.kommo.com",
            "ACME.kommo.com",
            "acme.KOMMO.com",
            "acme.kommo.com.",
            "acme..kommo.com",
            ".kommo.com",
            "example.com",
            "proxy.example.org",
            "localhost",
            "127.0.0.1",
            "1.2.3.4",
            "0x7f.1",
            "a.0x7f",
            "a.123",
            "a.1b",
            "sub.domain.example",
            "exa_mple.com",
            "exa mple.com",
            "acme.kommo.com:443",
            "acme.kommo.com:8443",
            "user@acme.kommo.com",
            "[::1]",
            "xn--a.com",
            "a.xn--p1ai",
            "",
        ];
        let paths = [
            "",
            "/",
            "/api/v4",
            "/api/v4/",
            "/api",
            "/api/v4/leads",
            "?x=1",
            "#f",
            "//",
            "/API/V4",
        ];
        let schemes = ["https://", "http://", "HTTPS://", "ftp://", " https://", ""];
        let mut applied = 0;
        for scheme in schemes {
            for host in hosts {
                for path in paths {
                    let input = format!("{scheme}{host}{path}");
                    for allow in [false, true] {
                        let full = validate(RawConfig {
                            base_url: Some(input.clone()),
                            access_token: Some("t".into()),
                            allow_untrusted_host: Some(allow),
                            ..RawConfig::default()
                        });
                        let Some(quick) = quick_base_url(&input, allow) else {
                            continue;
                        };
                        applied += 1;
                        match (quick, &full) {
                            (QuickUrl::Valid { base_url, untrusted }, Ok(c)) => {
                                assert_eq!(base_url, c.base_url(), "{input:?}");
                                assert_eq!(untrusted, c.allow_untrusted_host, "{input:?}");
                            }
                            (QuickUrl::UntrustedHost(h), Err(e)) => {
                                assert_eq!(e.issues.len(), 1, "{input:?}");
                                let issue = &e.issues[0];
                                assert_eq!(
                                    (issue.path.as_str(), issue.code),
                                    ("baseUrl", "invalid_format"),
                                    "{input:?}"
                                );
                                assert_eq!(issue.message, untrusted_host_message(h), "{input:?}");
                            }
                            (q, f) => panic!("{input:?} allow={allow}: quick {q:?}, validate {f:?}"),
                        }
                    }
                }
            }
        }
        assert!(applied >= 40, "the fast path applied to only {applied} inputs");
        for common in [
            "https://acme.kommo.com",
            "https://acme.kommo.com/",
            "https://acme.amocrm.ru/api/v4/",
        ] {
            assert!(
                matches!(quick_base_url(common, false), Some(QuickUrl::Valid { .. })),
                "{common}"
            );
        }
        assert!(matches!(
            quick_base_url("https://example.com", false),
            Some(QuickUrl::UntrustedHost("example.com"))
        ));
        for code in ["co", "CO", "Us", "mx", "ZZ", "xx", "c", "col", " co", "c0", "é"] {
            let full = validate(RawConfig {
                subdomain: Some("acme".into()),
                access_token: Some("t".into()),
                default_country: Some(code.into()),
                ..RawConfig::default()
            });
            match quick_country(code.as_bytes()) {
                Some(upper) => assert_eq!(
                    full.unwrap().default_country.as_deref().map(str::as_bytes),
                    Some(&upper[..]),
                    "{code:?}"
                ),
                None => assert!(
                    full.is_err() || code.len() != 2 || !code.is_ascii(),
                    "{code:?} should be quick"
                ),
            }
        }
        assert_eq!(quick_country(b"co"), Some(*b"CO"));
        let mut quick_subs = 0;
        for sub in [
            "acme",
            "acme-2",
            "2acme",
            "a",
            "www",
            "WWW",
            "Acme",
            "-acme",
            "acme-",
            "xn--80ak6aa92e",
            "ab--cd",
            "a_b",
            "a.b",
            " acme",
            "acme.kommo.com",
            "",
            &"a".repeat(63),
            &"a".repeat(64),
        ] {
            if !quick_subdomain(sub) {
                continue;
            }
            quick_subs += 1;
            let full = validate(RawConfig {
                subdomain: Some(sub.into()),
                access_token: Some("t".into()),
                ..RawConfig::default()
            });
            assert_eq!(full.unwrap().base_url(), format!("https://{sub}.kommo.com"), "{sub:?}");
        }
        assert_eq!(quick_subs, 5);
    }

    fn raw(base: Option<&str>, sub: Option<&str>, token: Option<&str>) -> RawConfig {
        RawConfig {
            base_url: base.map(str::to_string),
            subdomain: sub.map(str::to_string),
            access_token: token.map(str::to_string),
            ..RawConfig::default()
        }
    }

    fn ok(base: &str) -> String {
        validate(raw(Some(base), None, Some("tok"))).unwrap().base_url()
    }

    fn err(r: RawConfig) -> Vec<Issue> {
        validate(r).unwrap_err().issues
    }

    #[test]
    fn base_url_forms_normalise_to_one_canonical_url() {
        for form in [
            "https://acme.kommo.com",
            "https://acme.kommo.com/",
            "https://acme.kommo.com/api/v4",
            "https://acme.kommo.com/api/v4/",
            "  https://ACME.kommo.com/api/v4/ ",
        ] {
            assert_eq!(ok(form), "https://acme.kommo.com", "{form}");
        }
        assert_eq!(ok("https://acme.amocrm.ru"), "https://acme.amocrm.ru");
        assert_eq!(ok("https://acme.amocrm.com/api/v4"), "https://acme.amocrm.com");
    }

    #[test]
    fn default_country_is_trimmed_and_upper_cased() {
        for given in ["co", " co", "CO ", "\tCo\n"] {
            let mut r = raw(Some("https://acme.kommo.com"), None, Some("t"));
            r.default_country = Some(given.to_string());
            assert_eq!(validate(r).unwrap().default_country.as_deref(), Some("CO"), "{given:?}");
        }
    }

    #[test]
    fn subdomain_builds_the_kommo_url_and_accepts_a_full_host() {
        let c = validate(raw(None, Some("acme"), Some("t"))).unwrap();
        assert_eq!(c.base_url(), "https://acme.kommo.com");
        assert_eq!(c.api_root().as_str(), "https://acme.kommo.com/api/v4/");
        let c = validate(raw(None, Some("acme.kommo.com"), Some("t"))).unwrap();
        assert_eq!(c.base_url(), "https://acme.kommo.com");
        let issues = err(raw(None, Some("acme corp"), Some("t")));
        assert_eq!(issues[0].path, "subdomain");
        // A full host is taken only when its label is one (found by fuzzing).
        for bad in [
            "/api/v4/#x.amocrm.com",
            "a/b.kommo.com",
            "-acme.kommo.com",
            "a b.amocrm.ru",
        ] {
            let issues = err(raw(None, Some(bad), Some("t")));
            assert_eq!(issues[0].path, "subdomain", "{bad}");
            assert!(
                issues[0].message.contains("is not a subdomain"),
                "{bad}: {}",
                issues[0].message
            );
        }
    }

    #[test]
    fn loopback_is_accepted_over_http_with_its_port() {
        assert_eq!(ok("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(ok("http://localhost:3000/api/v4/"), "http://localhost:3000");
        assert_eq!(ok("http://[::1]:9000"), "http://[::1]:9000");
    }

    #[test]
    fn other_hosts_are_rejected_with_an_actionable_message() {
        let issues = err(raw(Some("https://example.com"), None, Some("t")));
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].path, "baseUrl");
        assert!(issues[0]
            .message
            .starts_with("host example.com is not a Kommo account host; expected https://<subdomain>.kommo.com"));
        // The original's substring check accepted this.
        assert!(!err(raw(Some("https://evil.example/?kommo"), None, Some("t"))).is_empty());
        assert!(!err(raw(Some("https://kommo.com.evil.example"), None, Some("t"))).is_empty());
        let issues = err(raw(Some("https://www.kommo.com"), None, Some("t")));
        assert!(issues[0].message.contains("not an account host"));
    }

    #[test]
    fn untrusted_host_needs_the_flag_and_https() {
        let mut r = raw(Some("https://proxy.example.com"), None, Some("t"));
        r.allow_untrusted_host = Some(true);
        let c = validate(r).unwrap();
        assert!(c.allow_untrusted_host);
        let mut r = raw(Some("http://proxy.example.com"), None, Some("t"));
        r.allow_untrusted_host = Some(true);
        assert!(err(r)[0].message.contains("must use https"));
    }

    #[test]
    fn kommo_hosts_need_https() {
        let issues = err(raw(Some("http://acme.kommo.com"), None, Some("t")));
        assert!(issues[0].message.contains("https://acme.kommo.com"));
    }

    #[test]
    fn tokens_with_whitespace_or_bearer_prefix_are_rejected_without_echoing_them() {
        let issues = err(raw(Some("https://a.kommo.com"), None, Some("abc def")));
        assert_eq!(issues[0].path, "accessToken");
        assert!(!issues[0].message.contains("abc"));
        let issues = err(raw(Some("https://a.kommo.com"), None, Some("Bearer abc")));
        assert!(issues[0].message.contains("Bearer"));
        let issues = err(raw(Some("https://a.kommo.com"), None, Some("abc\n")));
        assert!(issues[0].message.contains("line break"));
        let issues = err(raw(Some("https://a.kommo.com"), None, Some("")));
        assert!(issues[0].message.contains("empty"));
    }

    #[test]
    fn missing_keys_are_each_reported() {
        let issues = err(RawConfig::default());
        let paths: Vec<_> = issues.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(paths, ["baseUrl", "accessToken"]);
    }

    #[test]
    fn env_errors_name_the_variables() {
        let e = from_env(|k| (k == "KOMMO_SUBDOMAIN").then(|| "acme".to_string())).unwrap_err();
        assert_eq!(e.issues[0].path, "KOMMO_ACCESS_TOKEN");
        assert!(e.issues[0].message.contains("KOMMO_ACCESS_TOKEN"));
        let c = from_env(|k| match k {
            "KOMMO_SUBDOMAIN" => Some("acme".into()),
            "KOMMO_ACCESS_TOKEN" => Some("tok".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.base_url(), "https://acme.kommo.com");
    }

    #[test]
    fn debug_output_redacts_the_token() {
        let c = validate(raw(Some("https://a.kommo.com"), None, Some("s3cr3t-token"))).unwrap();
        assert!(!format!("{c:?}").contains("s3cr3t"));
    }

    #[test]
    fn rate_limit_defaults_to_kommos_seven_and_is_validated() {
        let c = validate(raw(Some("https://a.kommo.com"), None, Some("t"))).unwrap();
        assert_eq!(c.rate_limit, None);
        assert_eq!(c.effective_rate_limit(), Some(DEFAULT_RATE_LIMIT));
        let c = validate(raw(Some("http://127.0.0.1:9"), None, Some("t"))).unwrap();
        assert_eq!(c.effective_rate_limit(), None, "loopback is not paced unless asked");
        let mut r = raw(Some("http://127.0.0.1:9"), None, Some("t"));
        r.rate_limit = Some(3.0);
        assert_eq!(validate(r).unwrap().effective_rate_limit(), Some(3));
        for bad in [0.0, -1.0, 2.5, 1001.0, f64::NAN, f64::INFINITY] {
            let mut r = raw(Some("https://a.kommo.com"), None, Some("t"));
            r.rate_limit = Some(bad);
            let issues = err(r);
            assert_eq!(issues[0].path, "rateLimit", "{bad}");
            assert!(
                issues[0].message.contains("between 1 and 1000"),
                "{}",
                issues[0].message
            );
        }
    }

    #[test]
    fn rate_limit_comes_from_kommo_rate_limit() {
        let env = |rate: &'static str| {
            move |k: &str| match k {
                "KOMMO_SUBDOMAIN" => Some("acme".to_string()),
                "KOMMO_ACCESS_TOKEN" => Some("tok".into()),
                "KOMMO_RATE_LIMIT" => Some(rate.into()),
                _ => None,
            }
        };
        assert_eq!(from_env(env("5")).unwrap().rate_limit, Some(5));
        let e = from_env(env("fast")).unwrap_err();
        assert_eq!(e.issues[0].path, "KOMMO_RATE_LIMIT");
        assert!(e.issues[0].message.contains("not a number"));
        let e = from_env(env("0")).unwrap_err();
        assert_eq!(e.issues[0].path, "KOMMO_RATE_LIMIT");
    }
}
