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
/// Throws a `TypeError` for anything but a string.
#[napi(ts_args_type = "phone: string")]
pub fn normalize_phone(env: &Env, phone: Unknown) -> Result<String> {
    // Read by hand: napi-rs's own conversion error prints the value it refuses, which may be a
    // config holding a token. This names the type only.
    if phone.get_type()? != ValueType::String {
        return Err(type_error(
            env,
            format!(
                "normalizePhone(phone): phone must be a string, got {}",
                describe(&phone)
            ),
        ));
    }
    Ok(crate::phone::normalize_phone(&crate::node::js_string(env, &phone)?))
}

impl crate::node::args::Failure for SearchContactResult {
    fn failure(error: String) -> Self {
        SearchContactResult {
            success: false,
            total_found: 0,
            contacts: Vec::new(),
            error: Some(error),
        }
    }
}

crate::node::shapes::get_result!(GetContactResult, contact, Contact);
crate::node::shapes::list_result!(ListContactsResult, contacts, Contact);
crate::node::shapes::write_result!(ContactWriteResult, contact, contact_id);
crate::node::shapes::get_result!(
    ContactCustomFieldsResult,
    custom_fields,
    Vec<crate::api::model::CustomFieldValues>
);

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct EmailParams {
    email: String,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetContactParams {
    contact_id: i64,
    #[serde(default)]
    with: Option<Vec<String>>,
}

/// Filters of `listContacts` (the original's names), plus paging options.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ListEntitiesFilters {
    #[serde(default)]
    pub responsible_user_id: Option<crate::node::leads::OneOrMany>,
    /// Kommo has no group filter: applied to the page read (see CHANGELOG).
    #[serde(default)]
    pub group_id: Option<i64>,
    #[serde(default)]
    pub created_at_from: Option<i64>,
    #[serde(default)]
    pub created_at_to: Option<i64>,
    #[serde(default)]
    pub updated_at_from: Option<i64>,
    #[serde(default)]
    pub updated_at_to: Option<i64>,
    #[serde(default)]
    pub ids: Option<Vec<i64>>,
    #[serde(default)]
    pub name: Option<String>,
    /// Custom fields by name, id or code: `{ "Cargo": "Gerente", "Edad": { "from": 30 } }`.
    #[serde(default)]
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(flatten)]
    pub paging: crate::node::leads::PageArgs,
}

impl ListEntitiesFilters {
    /// Kommo's filter; custom fields by name are resolved against `entity`'s cached definitions.
    pub(crate) async fn filter(
        &self,
        client: &crate::api::Client,
        entity: api::custom_fields::FieldEntity,
    ) -> crate::error::Result<api::contacts::EntityFilter> {
        let custom_fields = match &self.custom_fields {
            Some(spec) => api::custom_fields::filters_by_name(client, entity, "custom_fields", spec).await?,
            None => Vec::new(),
        };
        Ok(api::contacts::EntityFilter {
            ids: self.ids.clone().unwrap_or_default(),
            names: self.name.clone().into_iter().collect(),
            responsible_user_ids: crate::node::leads::opt_vec(self.responsible_user_id.clone()),
            created_by: Vec::new(),
            created_at: (self.created_at_from, self.created_at_to),
            updated_at: (self.updated_at_from, self.updated_at_to),
            custom_fields,
        })
    }
}

/// Finds contacts by email address. Any text with an `@` is accepted; only contacts with an
/// EMAIL value equal to it (ignoring case) are returned.
///
/// Resolves to `{ success, totalFound, contacts, error? }`.
#[napi(
    ts_args_type = "params: SearchContactByEmailParams, config: KommoConfigInput",
    ts_return_type = "Promise<SearchContactResult>"
)]
pub fn search_contact_by_email<'e>(
    env: &'e Env,
    params: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let p: EmailParams = crate::node::args::from_js(env, "searchContactByEmail", "params", params)?;
    crate::node::args::sdk(env, config, move |client| async move {
        let contacts = api::contacts::search_by_email(&client, &p.email).await?;
        Ok(SearchContactResult {
            success: true,
            total_found: contacts.len(),
            contacts,
            error: None,
        })
    })
}

/// One contact by id (`with` adds Kommo's `with=` values, e.g. `['leads']`). A missing contact
/// resolves to `{ success: false, error: 'Contact with ID N not found' }`.
#[napi(
    ts_args_type = "params: GetContactParams, config: KommoConfigInput",
    ts_return_type = "Promise<GetContactResult>"
)]
pub fn get_contact<'e>(env: &'e Env, params: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    use crate::node::args::Failure;
    let p: GetContactParams = crate::node::args::from_js(env, "getContact", "params", params)?;
    crate::node::args::sdk(env, config, move |client| async move {
        let with: Vec<&str> = p.with.iter().flatten().map(String::as_str).collect();
        Ok(match api::contacts::get(&client, p.contact_id, &with).await? {
            Some(c) => GetContactResult::found(c),
            None => GetContactResult::failure(format!("Contact with ID {} not found", p.contact_id)),
        })
    })
}

/// Lists contacts with Kommo's filters: `responsible_user_id` (a number or a list), `ids`,
/// `name`, `created_at_from/to`, `updated_at_from/to`, `query`, plus `page`, `limit` (up to
/// 250), `with`, `order` and `allPages`. `group_id` has no Kommo filter: it is applied to the
/// contacts read.
#[napi(
    ts_args_type = "filters: ListContactsFilters | undefined, config: KommoConfigInput",
    ts_return_type = "Promise<ListContactsResult>"
)]
pub fn list_contacts<'e>(
    env: &'e Env,
    filters: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let f: Option<ListEntitiesFilters> = crate::node::args::from_js(env, "listContacts", "filters", filters)?;
    let f = f.unwrap_or_default();
    crate::node::args::sdk(env, config, move |client| async move {
        let filter = f.filter(&client, api::custom_fields::FieldEntity::Contacts).await?;
        let mut listing = api::contacts::list_contacts(&client, &filter, &f.paging.options()).await?;

        if let Some(g) = f.group_id {
            listing.items.retain(|c| c.group_id == Some(g));
        }
        Ok(ListContactsResult::from(listing))
    })
}

/// The custom field values of a contact (`custom_fields_values`, `[]` when it has none).
#[napi(
    ts_args_type = "contactId: number, config: KommoConfigInput",
    ts_return_type = "Promise<ContactCustomFieldsResult>"
)]
pub fn get_contact_custom_fields<'e>(
    env: &'e Env,
    contact_id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    use crate::node::args::Failure;
    let id: i64 = crate::node::args::from_js(env, "getContactCustomFields", "contactId", contact_id)?;
    crate::node::args::sdk(env, config, move |client| async move {
        Ok(match api::contacts::get(&client, id, &[]).await? {
            Some(c) => ContactCustomFieldsResult::found(c.custom_fields_values.unwrap_or_default()),
            None => ContactCustomFieldsResult::failure(format!("Contact with ID {id} not found")),
        })
    })
}

/// Creates a contact. Besides Kommo's fields (`name`, `first_name`, `last_name`,
/// `responsible_user_id`, `custom_fields_values`, `_embedded.companies`, tags), `phones` and
/// `emails` (strings or `{ value, type }`) become the PHONE and EMAIL fields.
#[napi(
    ts_args_type = "data: CreateContactData, config: KommoConfigInput",
    ts_return_type = "Promise<ContactWriteResult>"
)]
pub fn create_contact<'e>(env: &'e Env, data: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let data: api::contacts::ContactData = crate::node::args::from_js(env, "createContact", "data", data)?;
    crate::node::args::sdk(env, config, move |client| async move {
        let map = data.to_map()?;
        let id = api::contacts::create_one(&client, map.clone()).await?;
        Ok(ContactWriteResult::written(id, map))
    })
}

/// Updates a contact's fields with one `PATCH /contacts/{id}`.
#[napi(
    ts_args_type = "contactId: number, data: UpdateContactData, config: KommoConfigInput",
    ts_return_type = "Promise<ContactWriteResult>"
)]
pub fn update_contact<'e>(
    env: &'e Env,
    contact_id: Unknown<'e>,
    data: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let id: i64 = crate::node::args::from_js(env, "updateContact", "contactId", contact_id)?;
    let data: api::contacts::ContactData = crate::node::args::from_js(env, "updateContact", "data", data)?;
    crate::node::args::sdk(env, config, move |client| async move {
        let map = data.to_map()?;
        let id = api::contacts::update_one(&client, id, map.clone()).await?;
        Ok(ContactWriteResult::written(id, map))
    })
}

/// Links a contact to a company with one request (an array body). When Kommo reports an
/// error because the link already exists, the link is checked and the call succeeds with
/// `alreadyLinked: true`; any other error is returned.
#[napi(
    ts_args_type = "contactId: number, companyId: number, config: KommoConfigInput",
    ts_return_type = "Promise<LinkResult>"
)]
pub fn link_contact_to_company<'e>(
    env: &'e Env,
    contact_id: Unknown<'e>,
    company_id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let contact: i64 = crate::node::args::from_js(env, "linkContactToCompany", "contactId", contact_id)?;
    let company: i64 = crate::node::args::from_js(env, "linkContactToCompany", "companyId", company_id)?;
    crate::node::args::sdk(env, config, move |client| async move {
        api::list::check_id("companyId", company)?;
        let target = api::links::Link {
            to_entity_id: company,
            to_entity_type: "companies".into(),
            metadata: None,
        };
        let outcome = api::links::link_one(&client, "contacts", contact, target).await?;
        Ok(crate::node::shapes::SuccessResult::linked(outcome))
    })
}
