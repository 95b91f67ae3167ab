//! Contact functions of the JS SDK.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::Serialize;

use crate::api::{self, contacts::Contact, Client};
use crate::config::KommoConfig;
use crate::node::config::require_config;
use crate::node::{describe, opt_string, promise_json, type_error};

/// `searchContactByPhone` result (the original package's shape).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchContactResult {
    pub success: bool,
    pub total_found: usize,
    pub contacts: Vec<Contact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

struct PhoneParams {
    phone: String,
    name: Option<String>,
}

fn read_phone_params(env: &Env, func: &str, params: &Unknown) -> Result<PhoneParams> {
    if params.get_type()? != ValueType::Object || params.is_array()? {
        return Err(type_error(
            env,
            format!(
            "{func}: the first argument must be an object like {{ phone: '+57 300 123 4567', name?: 'Juan' }}, got {}",
            describe(params)
        ),
        ));
    }
    let obj = Object::from_unknown(*params)?;
    let what = format!("{func}: params");
    let phone = opt_string(env, &obj, "phone", &what)?.ok_or_else(|| {
        type_error(
            env,
            format!("{func}: params.phone is required (a string such as '+57 300 123 4567')"),
        )
    })?;
    let name = opt_string(env, &obj, "name", &what)?;
    Ok(PhoneParams { phone, name })
}

async fn search_by_phone(config: KommoConfig, params: PhoneParams) -> SearchContactResult {
    let run = async {
        let client = Client::new(&config)?;
        api::contacts::search_by_phone(&client, &params.phone, params.name.as_deref()).await
    };
    match run.await {
        Ok(found) => SearchContactResult {
            success: true,
            total_found: found.contacts.len(),
            contacts: found.contacts,
            error: None,
        },
        Err(e) => SearchContactResult {
            success: false,
            total_found: 0,
            contacts: Vec::new(),
            error: Some(e.to_string()),
        },
    }
}

/// Finds contacts by phone number in any format (`+57 300 123 4567`, `0057 ...`,
/// `(300) 123-4567`, `300.123.4567`, digits with or without the country code). Only contacts
/// with a PHONE value that is the same number are returned; `name` narrows the matches.
///
/// Resolves to `{ success, totalFound, contacts, error? }` and never rejects for API failures.
/// Throws a `KommoConfigError` for an invalid config and a `TypeError` for wrong argument types.
#[napi(
    ts_args_type = "params: SearchContactParams, config: KommoConfigInput",
    ts_return_type = "Promise<SearchContactResult>"
)]
pub fn search_contact_by_phone<'e>(
    env: &'e Env,
    params: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let params = read_phone_params(env, "searchContactByPhone", &params)?;
    let config = require_config(env, config)?;
    promise_json(env, search_by_phone(config, params))
}

/// Alias of `searchContactByPhone`, kept from the original package.
#[napi(
    ts_args_type = "params: SearchContactParams, config: KommoConfigInput",
    ts_return_type = "Promise<SearchContactResult>"
)]
pub fn search_contact<'e>(
    env: &'e Env,
    params: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let params = read_phone_params(env, "searchContact", &params)?;
    let config = require_config(env, config)?;
    promise_json(env, search_by_phone(config, params))
}

/// Normalises a phone string to its digits for searching: `+57 (300) 123-4567` and
/// `0057 300.123.4567` both give `573001234567`.
#[napi]
pub fn normalize_phone(phone: String) -> String {
    crate::phone::normalize_phone(&phone)
}
