//! `kommoConfigSchema`: zod's calling convention (`parse` / `safeParse`) over [`crate::config`].

use napi::bindgen_prelude::*;
use napi::JsString;
use napi_derive::napi;

use crate::config::{self, ConfigError, Issue, KommoConfig, RawConfig, KNOWN_KEYS};
use crate::node::describe;

/// Validates and normalises Kommo connection settings, with zod's calling convention.
///
/// `baseUrl` forms (`https://sub.kommo.com`, with a trailing slash, with `/api/v4`) all
/// normalise to `https://sub.kommo.com`; `subdomain` may be given instead. The host must be a
/// Kommo or amoCRM account host over https (loopback over http is accepted for the sandbox);
/// any other host needs `allowUntrustedHost: true`. Unknown keys are rejected.
///
/// ```ts
/// const config = kommoConfigSchema.parse({ subdomain: 'acme', accessToken: token })
/// // config.baseUrl === 'https://acme.kommo.com'
/// ```
#[napi(js_name = "kommoConfigSchema")]
pub struct KommoConfigSchema;

#[napi]
impl KommoConfigSchema {
    /// The rules behind the JS fast path of `kommoConfigSchema` (see `index.js`).
    ///
    /// `index.js` calls this for the common shape (only `baseUrl`/`subdomain`, `accessToken`,
    /// `defaultCountry` and `allowUntrustedHost`, with the right JS types), passing the values as plain
    /// arguments: one Node-API call instead of a property walk. The same [`config::validate`] runs.
    /// Valid: returns `+` when the output keeps `allowUntrustedHost`, the canonical `baseUrl`, then a space and the normalised country when
    /// `defaultCountry` was given (a space cannot occur in the canonical URL). Invalid: returns
    /// `"\0"` then the error message and, per issue, `"\0" path "\0" code "\0" message`; the wrapper
    /// builds the `KommoConfigError` from that without another crossing.
    #[napi(skip_typescript)]
    pub fn check<'e>(
        env: &'e Env,
        base_url: Unknown<'e>,
        subdomain: Unknown<'e>,
        access_token: Unknown<'e>,
        default_country: Unknown<'e>,
        allow_untrusted_host: bool,
    ) -> Result<JsString<'e>> {
        // The token is usually the longest value (a 700-1000 character JWT) and the output reuses
        // the caller's string, so it is only scanned here: read as UTF-16 (a plain copy for V8's
        // one-byte strings, unlike UTF-8 encoding), and when it is printable ASCII (no whitespace,
        // no control character: the token rule) a placeholder stands in for it. Anything else
        // takes the token itself through the same rules.
        let printable = crate::node::with_utf16(env, &access_token, |units| {
            !units.is_empty() && config::is_printable_ascii_utf16(units) && !starts_with_bearer(units)
        })?;
        if printable {
            if let Some(answer) = quick_check(env, &base_url, &subdomain, &default_country, allow_untrusted_host)? {
                return Ok(answer);
            }
        }
        let string = |v: &Unknown| -> Result<Option<String>> {
            match v.get_type()? {
                ValueType::Undefined => Ok(None),
                _ => crate::node::js_string(env, v).map(Some),
            }
        };
        let access_token = if printable {
            "t".to_string()
        } else {
            String::from_unknown(access_token)?
        };
        let raw = RawConfig {
            base_url: string(&base_url)?,
            subdomain: string(&subdomain)?,
            access_token: Some(access_token),
            default_country: string(&default_country)?,
            allow_untrusted_host: Some(allow_untrusted_host),
            ..RawConfig::default()
        };
        answer_string(env, encode_check(config::validate(raw)))
    }

    /// Returns the validated, normalised config, or throws a `KommoConfigError` whose `issues`
    /// say which key is wrong and how to fix it.
    #[napi(ts_args_type = "input: unknown", ts_return_type = "KommoConfig")]
    pub fn parse<'e>(env: &'e Env, input: Unknown<'e>) -> Result<Object<'e>> {
        match validate_js(input)? {
            Ok(config) => {
                let mut out = to_js(env, &config)?;
                copy_hooks(&input, &mut out)?;
                Ok(out)
            }
            Err(err) => Err(config_error(env, &err)?),
        }
    }

    /// Returns `{ success: true, data }` or `{ success: false, error }`; never throws for
    /// invalid input.
    #[napi(
        ts_args_type = "input: unknown",
        ts_return_type = "SafeParseResult<KommoConfig, KommoConfigError>"
    )]
    pub fn safe_parse<'e>(env: &'e Env, input: Unknown<'e>) -> Result<Object<'e>> {
        let mut out = Object::new(env)?;
        match validate_js(input)? {
            Ok(config) => {
                let mut data = to_js(env, &config)?;
                copy_hooks(&input, &mut data)?;
                out.set("success", true)?;
                out.set("data", data)?;
            }
            Err(err) => {
                out.set("success", false)?;
                out.set("error", error_object(env, &err)?)?;
            }
        }
        Ok(out)
    }
}

/// [`KommoConfigSchema::check`] for the common shape (a printable token, a `baseUrl` that
/// [`config::quick_base_url`] decides, no country or one [`config::quick_country`] decides), with no
/// allocation on the valid path: the answer is built in a stack buffer. `None`: run `validate`.
fn quick_check<'e>(
    env: &'e Env,
    base_url: &Unknown,
    subdomain: &Unknown,
    country: &Unknown,
    allow_untrusted: bool,
) -> Result<Option<JsString<'e>>> {
    let country = match country.get_type()? {
        ValueType::Undefined => None,
        _ => match crate::node::with_short_ascii(env, country, |c| config::quick_country(c.as_bytes())) {
            Some(Some(upper)) => Some(upper),
            _ => return Ok(None),
        },
    };
    // The valid answer, built on the stack: `[+]<baseUrl>[ <country>]`.
    let valid = |parts: &[&[u8]], untrusted: bool| {
        let mut out = [0u8; 300];
        let mut len = 0;
        let flag: &[u8] = if untrusted { b"+" } else { b"" };
        let country: [&[u8]; 2] = match &country {
            Some(c) => [b" ", c],
            None => [b"", b""],
        };
        for part in std::iter::once(flag).chain(parts.iter().copied()).chain(country) {
            out[len..len + part.len()].copy_from_slice(part);
            len += part.len();
        }
        env.create_string_latin1(&out[..len])
    };
    let (base_given, sub_given) = (
        base_url.get_type()? != ValueType::Undefined,
        subdomain.get_type()? != ValueType::Undefined,
    );
    if sub_given {
        if base_given {
            return Ok(None);
        }
        return crate::node::with_short_ascii(env, subdomain, |sub| {
            config::quick_subdomain(sub).then(|| valid(&[b"https://", sub.as_bytes(), b".kommo.com"], false))
        })
        .flatten()
        .transpose();
    }
    crate::node::with_short_ascii(env, base_url, |url| {
        match config::quick_base_url(url, allow_untrusted)? {
            config::QuickUrl::Valid { base_url, untrusted } => Some(valid(&[base_url.as_bytes()], untrusted)),
            config::QuickUrl::UntrustedHost(host) => Some(answer_string(env, untrusted_host_answer(host))),
        }
    })
    .flatten()
    .transpose()
}

/// `encode_check` of the one `baseUrl` issue of [`config::QuickUrl::UntrustedHost`], written directly
/// (the message once, no `Display` machinery); `tests::untrusted_host_answer_is_encode_check` holds them
/// together. The host is plain ASCII (no NUL), so nothing needs cleaning.
fn untrusted_host_answer(host: &str) -> String {
    let message = config::untrusted_host_message(host);
    let mut out = String::with_capacity(2 * message.len() + 64);
    for part in [
        "\0Invalid Kommo config: baseUrl: ",
        &message,
        "\0baseUrl\0invalid_format\0",
        &message,
    ] {
        out.push_str(part);
    }
    out
}

/// The answer as a JS string: ASCII (nearly always) is created as Latin-1, a copy, where UTF-8 is
/// decoded.
fn answer_string(env: &Env, answer: String) -> Result<JsString<'_>> {
    if answer.is_ascii() {
        env.create_string_latin1(answer.as_bytes())
    } else {
        env.create_string_from_std(answer)
    }
}

/// `Bearer` followed by whitespace (printable ASCII has no whitespace, so this never matches
/// there; kept so the placeholder rule is visibly the token rule).
fn starts_with_bearer(units: &[u16]) -> bool {
    units.len() > 6 && units[..6].iter().copied().eq("Bearer".encode_utf16()) && units[6] == u16::from(b' ')
}

fn encode_check(result: std::result::Result<KommoConfig, ConfigError>) -> String {
    match result {
        Ok(config) => {
            let mut out = String::with_capacity(48);
            if config.allow_untrusted_host {
                out.push('+');
            }
            out.push_str(&config.base_url());
            if let Some(country) = &config.default_country {
                out.push(' ');
                out.push_str(country);
            }
            out
        }
        Err(err) => {
            // A NUL inside a message (echoed input) would shift the fields: drop it.
            fn push_clean(out: &mut String, part: &str) {
                if part.contains('\0') {
                    out.extend(part.chars().filter(|&c| c != '\0'));
                } else {
                    out.push_str(part);
                }
            }
            let mut out = String::with_capacity(512);
            out.push('\0');
            {
                use std::fmt::Write;
                let _ = write!(out, "{err}"); // writing to a String cannot fail
                if out[1..].contains('\0') {
                    let clean = out[1..].replace('\0', "");
                    out.truncate(1);
                    out.push_str(&clean);
                }
            }
            for issue in &err.issues {
                for part in [issue.path.as_str(), issue.code, issue.message.as_str()] {
                    out.push('\0');
                    push_clean(&mut out, part);
                }
            }
            out
        }
    }
}

/// Reads a JS value into a [`RawConfig`], recording type problems and unknown keys as issues.
pub(crate) fn read_raw(input: &Unknown) -> Result<RawConfig> {
    let mut raw = RawConfig::default();
    if input.get_type()? != ValueType::Object || input.is_array()? {
        raw.issues.push(Issue::new(
            "",
            "invalid_type",
            format!(
                "expected an object with baseUrl (or subdomain) and accessToken, got {}",
                describe(input)
            ),
        ));
        return Ok(raw);
    }
    let obj = Object::from_unknown(*input)?;
    for key in Object::keys(&obj)? {
        let Some(value) = obj.get::<Unknown>(&key)? else {
            continue;
        };
        let ty = value.get_type()?;
        if ty == ValueType::Undefined {
            continue;
        }
        match key.as_str() {
            "baseUrl" | "subdomain" | "accessToken" | "defaultCountry" | "clientId" | "clientSecret"
            | "redirectUri" | "refreshToken" | "authorizationCode" => {
                if ty != ValueType::String {
                    raw.issues.push(Issue::new(
                        key.as_str(),
                        "invalid_type",
                        format!("expected a string, got {}", describe(&value)),
                    ));
                    continue;
                }
                let s = String::from_unknown(value)?;
                match key.as_str() {
                    "baseUrl" => raw.base_url = Some(s),
                    "subdomain" => raw.subdomain = Some(s),
                    "accessToken" => raw.access_token = Some(s),
                    "clientId" => raw.client_id = Some(s),
                    "clientSecret" => raw.client_secret = Some(s),
                    "redirectUri" => raw.redirect_uri = Some(s),
                    "refreshToken" => raw.refresh_token = Some(s),
                    "authorizationCode" => raw.authorization_code = Some(s),
                    _ => raw.default_country = Some(s),
                }
            }
            "expiresAt" => {
                let n = if ty == ValueType::Number {
                    Some(f64::from_unknown(value)?)
                } else {
                    None
                };
                match n {
                    Some(n) if n.is_finite() && n.fract() == 0.0 => raw.expires_at = Some(n as i64),
                    _ => raw.issues.push(Issue::new(
                        "expiresAt",
                        "invalid_type",
                        format!(
                            "expected a whole number of Unix seconds (when accessToken expires), got {}",
                            describe(&value)
                        ),
                    )),
                }
            }
            "tokenStore" => {
                let ok = ty == ValueType::Object && {
                    let o = Object::from_unknown(value)?;
                    let is_fn = |k: &str| -> Result<bool> {
                        Ok(matches!(o.get::<Unknown>(k)?, Some(f) if f.get_type()? == ValueType::Function))
                    };
                    is_fn("load")? && is_fn("save")?
                };
                if ok {
                    raw.tokens_from_store = true;
                } else {
                    raw.issues.push(Issue::new(
                        "tokenStore",
                        "invalid_type",
                        format!(
                            "expected an object with load() and save(tokens) functions, got {}",
                            describe(&value)
                        ),
                    ));
                }
            }
            "onTokens" => {
                if ty != ValueType::Function {
                    raw.issues.push(Issue::new(
                        "onTokens",
                        "invalid_type",
                        format!("expected a function (tokens) => void, got {}", describe(&value)),
                    ));
                }
            }
            "rateLimit" => {
                if ty == ValueType::Number {
                    raw.rate_limit = Some(f64::from_unknown(value)?);
                } else {
                    raw.issues.push(Issue::new(
                        "rateLimit",
                        "invalid_type",
                        format!(
                            "expected a number of requests per second (1 to {}), got {}",
                            config::MAX_RATE_LIMIT,
                            describe(&value)
                        ),
                    ));
                }
            }
            "allowUntrustedHost" => {
                if ty == ValueType::Boolean {
                    raw.allow_untrusted_host = Some(bool::from_unknown(value)?);
                } else {
                    raw.issues.push(Issue::new(
                        "allowUntrustedHost",
                        "invalid_type",
                        format!("expected a boolean, got {}", describe(&value)),
                    ));
                }
            }
            other => {
                let hint = KNOWN_KEYS
                    .iter()
                    .find(|k| k.eq_ignore_ascii_case(other) || k.eq_ignore_ascii_case(&other.replace(['_', '-'], "")))
                    .map(|k| format!("did you mean {k}? "))
                    .unwrap_or_default();
                raw.issues.push(Issue::new(
                    other,
                    "unrecognized_keys",
                    format!("unknown key; {hint}expected only {}", KNOWN_KEYS.join(", ")),
                ));
            }
        }
    }
    Ok(raw)
}

/// Validates a JS config value. The outer `Result` is for napi failures only.
pub(crate) fn validate_js(input: Unknown) -> Result<std::result::Result<KommoConfig, ConfigError>> {
    Ok(config::validate(read_raw(&input)?))
}

/// Validates a JS config value or returns the `KommoConfigError` to throw.
///
/// For the OAuth form, this also creates the account's shared transport with the config's
/// `tokenStore` / `onTokens`, so every SDK function (which then calls `Client::new`) uses them.
pub(crate) fn require_config(env: &Env, input: Unknown) -> Result<KommoConfig> {
    require_config_with(env, input, true)
}

/// [`require_config`]; `warn_without_store` emits the once-per-process `KOMMO_NO_TOKEN_STORE`
/// warning when an OAuth config can refresh but no `tokenStore` / `onTokens` was ever given
/// for it (off for the functions that return the tokens to the caller).
pub(crate) fn require_config_with(env: &Env, input: Unknown, warn_without_store: bool) -> Result<KommoConfig> {
    match validate_js(input)? {
        Ok(c) => {
            if let Some(oauth) = &c.oauth {
                let store = crate::node::oauth::js_token_store(env, &input)?;
                let given = store.is_some();
                let transport = crate::api::transport::shared_with_store(&c, store)
                    .map_err(|e| Error::new(Status::GenericFailure, e.to_string()))?;
                let stored = given || transport.token_manager().is_some_and(|m| m.has_store());
                if warn_without_store && !stored && oauth.grant.is_some() {
                    crate::node::oauth::warn_no_token_store(env)?;
                }
            }
            Ok(c)
        }
        Err(err) => Err(config_error(env, &err)?),
    }
}

/// Carries `tokenStore` / `onTokens` over to the parsed config (they are functions, kept as is).
fn copy_hooks(input: &Unknown, out: &mut Object) -> Result<()> {
    if input.get_type()? != ValueType::Object {
        return Ok(());
    }
    let obj = Object::from_unknown(*input)?;
    for key in ["tokenStore", "onTokens"] {
        if let Some(v) = obj.get::<Unknown>(key)? {
            if v.get_type()? != ValueType::Undefined {
                out.set(key, v)?;
            }
        }
    }
    Ok(())
}

fn to_js<'e>(env: &'e Env, config: &KommoConfig) -> Result<Object<'e>> {
    let mut out = Object::new(env)?;
    out.set("baseUrl", config.base_url())?;
    if config.oauth.is_none() || !config.access_token.is_empty() {
        out.set("accessToken", config.access_token.as_str())?;
    }
    if let Some(o) = &config.oauth {
        out.set("clientId", o.client_id.as_str())?;
        out.set("clientSecret", o.client_secret.as_str())?;
        out.set("redirectUri", o.redirect_uri.as_str())?;
        match &o.grant {
            Some(config::Grant::AuthorizationCode(c)) => out.set("authorizationCode", c.as_str())?,
            Some(config::Grant::RefreshToken(r)) | Some(config::Grant::CodeOrRefreshToken(r)) => {
                out.set("refreshToken", r.as_str())?
            }
            None => {}
        }
        if let Some(at) = o.expires_at {
            out.set("expiresAt", at as f64)?;
        }
    }
    if config.allow_untrusted_host {
        out.set("allowUntrustedHost", true)?;
    }
    if let Some(c) = &config.default_country {
        out.set("defaultCountry", c.as_str())?;
    }
    if let Some(n) = config.rate_limit {
        out.set("rateLimit", n)?;
    }
    Ok(out)
}

/// Builds the `KommoConfigError` object: an `Error` with `name`, `code` and `issues`.
fn error_object<'e>(env: &'e Env, err: &ConfigError) -> Result<Object<'e>> {
    let mut obj = env.create_error(Error::new(Status::InvalidArg, err.to_string()))?;
    obj.set("name", "KommoConfigError")?;
    obj.set("code", "ERR_KOMMO_CONFIG")?;
    let mut issues = env.create_array(err.issues.len() as u32)?;
    for (i, issue) in err.issues.iter().enumerate() {
        let mut o = Object::new(env)?;
        let mut path = env.create_array(0)?;
        if !issue.path.is_empty() {
            path.insert(issue.path.as_str())?;
        }
        o.set("path", path)?;
        o.set("message", issue.message.as_str())?;
        o.set("code", issue.code)?;
        issues.set(i as u32, o)?;
    }
    obj.set("issues", issues)?;
    Ok(obj)
}

/// The error to return from a napi function so that the `KommoConfigError` object is thrown.
pub(crate) fn config_error(env: &Env, err: &ConfigError) -> Result<Error> {
    let obj = error_object(env, err)?;
    Ok(Error::from(obj.to_unknown()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untrusted_host_answer_is_encode_check() {
        for host in ["example.com", "proxy.example.org", "a.b.c"] {
            let issue = Issue::new("baseUrl", "invalid_format", config::untrusted_host_message(host));
            assert_eq!(
                untrusted_host_answer(host),
                encode_check(Err(ConfigError { issues: vec![issue] }))
            );
        }
    }
}
