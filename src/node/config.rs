//! `kommoConfigSchema`: zod's calling convention (`parse` / `safeParse`) over [`crate::config`].

use napi::bindgen_prelude::*;
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
    /// Returns the validated, normalised config, or throws a `KommoConfigError` whose `issues`
    /// say which key is wrong and how to fix it.
    #[napi(ts_args_type = "input: unknown", ts_return_type = "KommoConfig")]
    pub fn parse<'e>(env: &'e Env, input: Unknown<'e>) -> Result<Object<'e>> {
        match validate_js(input)? {
            Ok(config) => to_js(env, &config),
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
                out.set("success", true)?;
                out.set("data", to_js(env, &config)?)?;
            }
            Err(err) => {
                out.set("success", false)?;
                out.set("error", error_object(env, &err)?)?;
            }
        }
        Ok(out)
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
            "baseUrl" | "subdomain" | "accessToken" | "defaultCountry" => {
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
                    _ => raw.default_country = Some(s),
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
pub(crate) fn require_config(env: &Env, input: Unknown) -> Result<KommoConfig> {
    match validate_js(input)? {
        Ok(c) => Ok(c),
        Err(err) => Err(config_error(env, &err)?),
    }
}

fn to_js<'e>(env: &'e Env, config: &KommoConfig) -> Result<Object<'e>> {
    let mut out = Object::new(env)?;
    out.set("baseUrl", config.base_url())?;
    out.set("accessToken", config.access_token.as_str())?;
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
