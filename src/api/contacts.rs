//! Contacts (`/api/v4/contacts`).

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::list::{check_id, list, ListOptions, Listing};
use crate::api::model::{
    values_with_code, CustomFieldValues, CustomFieldWrite, EntityRef, EntityRefWrite, Tag, TagWrite,
};
use crate::api::write::create_single;
use crate::api::{Client, Query};
use crate::error::{Error, Result};
use crate::phone::{parse_region, Phone};
use crate::text::contains_words;

/// Largest page Kommo serves.
pub const MAX_LIMIT: u32 = 250;
/// Pages of candidates a phone search reads at most (250 each).
const PHONE_SEARCH_MAX_PAGES: usize = 4;

/// A contact as Kommo returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub id: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible_user_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closest_task_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_deleted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_unsorted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields_values: Option<Vec<CustomFieldValues>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<i64>,
    #[serde(default, rename = "_embedded", skip_serializing_if = "Option::is_none")]
    pub embedded: Option<ContactEmbedded>,
}

/// `_embedded` of a contact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContactEmbedded {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub companies: Vec<EntityRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leads: Vec<EntityRef>,
}

impl Contact {
    /// PHONE values with their type (`WORK`, `MOB`, ...).
    pub fn phones(&self) -> Vec<(String, Option<&str>)> {
        values_with_code(&self.custom_fields_values, "PHONE")
    }
    /// EMAIL values with their type.
    pub fn emails(&self) -> Vec<(String, Option<&str>)> {
        values_with_code(&self.custom_fields_values, "EMAIL")
    }
    /// Ids of linked companies.
    pub fn company_ids(&self) -> Vec<i64> {
        self.embedded
            .iter()
            .flat_map(|e| e.companies.iter().map(|c| c.id))
            .collect()
    }
    /// Full name for display: `name`, else first and last name.
    pub fn display_name(&self) -> String {
        if !self.name.trim().is_empty() {
            return self.name.clone();
        }
        let parts: Vec<&str> = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect();
        parts.join(" ")
    }
}

/// Result of [`search_by_phone`].
#[derive(Debug, Clone)]
pub struct PhoneSearch {
    /// Contacts with a PHONE value that is the same number (and matching `name` when given).
    pub contacts: Vec<Contact>,
    /// The digits sent to Kommo as `query`.
    pub query: String,
    /// The number in E.164 form, when its country is known.
    pub e164: Option<String>,
    /// More candidates existed than were read.
    pub truncated: bool,
}

/// Finds contacts by phone number, however it was typed or stored.
///
/// One request in the common case: Kommo's `query` with the national digits returns every
/// contact whose fields contain them; only contacts with a PHONE value that is the same number
/// are kept, so a longer number, another country's number or a note that mentions the digits
/// do not count. `name`, when given, must match the contact's name (every word, ignoring case
/// and accents).
pub async fn search_by_phone(client: &Client, phone: &str, name: Option<&str>) -> Result<PhoneSearch> {
    let region = client.config().default_country.as_deref().and_then(parse_region);
    let wanted = Phone::parse(phone, region).map_err(|e| Error::invalid("phone", e.to_string()))?;
    let name = name.map(str::trim).filter(|n| !n.is_empty());
    let query_digits = wanted.search_digits().to_string();

    let mut query = Query::new();
    query.push("query", &query_digits).push("limit", MAX_LIMIT);
    let (candidates, truncated) = client
        .get_all::<Contact>("contacts", &query, "contacts", PHONE_SEARCH_MAX_PAGES)
        .await?;

    let contacts = candidates
        .into_iter()
        .filter(|c| {
            c.phones()
                .iter()
                .any(|(value, _)| Phone::parse(value, region).is_ok_and(|p| p.same_number(&wanted)))
        })
        .filter(|c| match name {
            None => true,
            Some(n) => {
                let full = format!(
                    "{} {} {}",
                    c.name,
                    c.first_name.as_deref().unwrap_or(""),
                    c.last_name.as_deref().unwrap_or("")
                );
                contains_words(&full, n)
            }
        })
        .collect();
    Ok(PhoneSearch {
        contacts,
        query: query_digits,
        e164: wanted.e164.clone(),
        truncated,
    })
}

/// One contact by id; `None` when it does not exist (Kommo answers 204 or 404).
pub async fn get(client: &Client, id: i64, with: &[&str]) -> Result<Option<Contact>> {
    if id <= 0 {
        return Err(Error::invalid(
            "contactId",
            format!("must be a positive integer, got {id}"),
        ));
    }
    let mut query = Query::new();
    query.with(with);
    match client.get::<Contact>(&format!("contacts/{id}"), &query).await {
        Err(Error::NotFound { .. }) => Ok(None),
        other => other,
    }
}

/// Filters of `GET /contacts` and `GET /companies`, written in Kommo's `filter[...]` syntax.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EntityFilter {
    pub ids: Vec<i64>,
    pub names: Vec<String>,
    pub responsible_user_ids: Vec<i64>,
    pub created_by: Vec<i64>,
    pub created_at: (Option<i64>, Option<i64>),
    pub updated_at: (Option<i64>, Option<i64>),
    /// `filter[custom_fields_values]` (see [`crate::api::custom_fields::filters_by_name`]).
    pub custom_fields: Vec<crate::api::custom_fields::FieldFilter>,
}

impl EntityFilter {
    /// The query parameters.
    pub fn to_query(&self) -> Query {
        let mut q = Query::new();
        q.filter_list("id", &self.ids)
            .filter_list("name", &self.names)
            .filter_list("responsible_user_id", &self.responsible_user_ids)
            .filter_list("created_by", &self.created_by)
            .filter_range("created_at", self.created_at.0, self.created_at.1)
            .filter_range("updated_at", self.updated_at.0, self.updated_at.1);
        crate::api::custom_fields::FieldFilter::push_all(&mut q, &self.custom_fields);
        q
    }
}

/// A phone or email to write: a bare string, or `{ value, type }` (`WORK`, `MOB`, `PRIV`...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TypedValue {
    Plain(String),
    Typed {
        value: String,
        /// `WORK`, `WORKDD`, `MOB`, `FAX`, `HOME`, `OTHER` for phones; `WORK`, `PRIV`, `OTHER` for emails.
        #[serde(default, alias = "enum_code", alias = "kind")]
        r#type: Option<String>,
    },
}

/// Inline and minimal in tool schemas (`string` or `object`): the argument's description tells
/// the shape and the allowed types, and a full `anyOf` definition would be repeated in every
/// tool that writes phones or emails.
impl schemars::JsonSchema for TypedValue {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TypedValue".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": ["string", "object"] })
    }
}

impl TypedValue {
    fn parts(&self) -> (&str, Option<&str>) {
        match self {
            TypedValue::Plain(v) => (v.as_str(), None),
            TypedValue::Typed { value, r#type } => (value.as_str(), r#type.as_deref()),
        }
    }
}

/// `custom_fields_values` entries for PHONE and EMAIL (multitext, typed with `enum_code`).
/// Empty lists give nothing; untyped phones are `WORK`, untyped emails `WORK`.
pub fn phone_email_fields(phones: &[TypedValue], emails: &[TypedValue]) -> Result<Vec<CustomFieldWrite>> {
    const PHONE_TYPES: [&str; 6] = ["WORK", "WORKDD", "MOB", "FAX", "HOME", "OTHER"];
    const EMAIL_TYPES: [&str; 3] = ["WORK", "PRIV", "OTHER"];
    let mut out = Vec::new();
    for (code, arg, items, allowed) in [
        ("PHONE", "phones", phones, &PHONE_TYPES[..]),
        ("EMAIL", "emails", emails, &EMAIL_TYPES[..]),
    ] {
        if items.is_empty() {
            continue;
        }
        let mut values = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let (value, kind) = item.parts();
            let value = value.trim();
            if value.is_empty() {
                return Err(Error::invalid(format!("{arg}[{i}]"), "is empty"));
            }
            if code == "EMAIL" && !value.contains('@') {
                return Err(Error::invalid(
                    format!("{arg}[{i}]"),
                    format!("{value:?} is not an email address"),
                ));
            }
            let kind = kind
                .map(|k| k.trim().to_ascii_uppercase())
                .unwrap_or_else(|| "WORK".into());
            if !allowed.contains(&kind.as_str()) {
                return Err(Error::invalid(
                    format!("{arg}[{i}].type"),
                    format!("{kind:?} is not one of {}", allowed.join(", ")),
                ));
            }
            values.push(crate::api::model::CustomFieldValueWrite {
                value: Some(Value::String(value.to_string())),
                enum_id: None,
                enum_code: Some(kind),
            });
        }
        out.push(CustomFieldWrite {
            field_id: None,
            field_code: Some(code.into()),
            values: Some(values),
        });
    }
    Ok(out)
}

/// Fields of a contact to create or update (Kommo's write shape, plus `phones`/`emails`
/// shortcuts that become PHONE/EMAIL `custom_fields_values`). Unknown keys are refused.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible_user_id: Option<i64>,
    /// Accepted for compatibility with 0.1.x; Kommo derives the group from the responsible user.
    #[serde(default, skip_serializing)]
    pub group_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields_values: Option<Vec<CustomFieldWrite>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags_to_add: Option<Vec<TagWrite>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags_to_delete: Option<Vec<TagWrite>>,
    #[serde(default, rename = "_embedded", skip_serializing_if = "Option::is_none")]
    pub embedded: Option<EmbeddedWrite>,
    /// Shortcut: phones to write as the PHONE field (replaces the field's values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phones: Option<Vec<TypedValue>>,
    /// Shortcut: emails to write as the EMAIL field (replaces the field's values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emails: Option<Vec<TypedValue>>,
}

/// `_embedded` of a contact or company write: tags, and (contacts, on create) a company.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmbeddedWrite {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<TagWrite>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub companies: Option<Vec<EntityRefWrite>>,
}

impl ContactData {
    /// The JSON object sent to Kommo (`phones`/`emails` folded into `custom_fields_values`).
    pub fn to_map(&self) -> Result<Map<String, Value>> {
        let mut data = self.clone();
        let extra = phone_email_fields(
            data.phones.take().as_deref().unwrap_or_default(),
            data.emails.take().as_deref().unwrap_or_default(),
        )?;
        if !extra.is_empty() {
            let fields = data.custom_fields_values.get_or_insert_with(Vec::new);
            fields.retain(|f| {
                !extra
                    .iter()
                    .any(|e| e.field_code.is_some() && e.field_code == f.field_code)
            });
            fields.extend(extra);
        }
        match serde_json::to_value(&data) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Ok(Map::new()),
        }
    }
}

/// Lists contacts.
pub async fn list_contacts(client: &Client, filter: &EntityFilter, opts: &ListOptions) -> Result<Listing<Contact>> {
    list(client, "contacts", "contacts", filter.to_query(), opts).await
}

/// Contacts with an EMAIL value equal to `email` (ignoring case and surrounding spaces): one
/// request with Kommo's `query`, then the addresses are checked, so a contact that only mentions
/// the address elsewhere, or has a longer address containing it, is not returned.
pub async fn search_by_email(client: &Client, email: &str) -> Result<Vec<Contact>> {
    let wanted = email.trim();
    if !wanted.contains('@') || wanted.chars().count() > 254 {
        return Err(Error::invalid("email", format!("{wanted:?} is not an email address")));
    }
    let opts = ListOptions {
        query: Some(wanted.to_string()),
        limit: Some(250),
        ..ListOptions::default()
    };
    let listing = list_contacts(client, &EntityFilter::default(), &opts).await?;
    Ok(listing
        .items
        .into_iter()
        .filter(|c| c.emails().iter().any(|(v, _)| v.trim().eq_ignore_ascii_case(wanted)))
        .collect())
}

/// Creates one contact and returns its id.
pub async fn create_one(client: &Client, item: Map<String, Value>) -> Result<i64> {
    create_single(client, "contacts", "contacts", item).await
}

/// Updates one contact with `PATCH /contacts/{id}` (an object body, one request).
pub async fn update_one(client: &Client, id: i64, changes: Map<String, Value>) -> Result<i64> {
    patch_one(client, "contacts", "contactId", id, changes).await
}

/// `PATCH /{path}/{id}` with an object body; returns the id Kommo echoes (or `id`).
pub(crate) async fn patch_one(
    client: &Client,
    path: &str,
    arg: &str,
    id: i64,
    changes: Map<String, Value>,
) -> Result<i64> {
    check_id(arg, id)?;
    if changes.is_empty() {
        return Err(Error::invalid("data", "nothing to change: give at least one field"));
    }
    let key = path.rsplit('/').next().unwrap_or(path).to_string();
    let body = Value::Object(changes);
    let resp: Option<Value> = client
        .send_json(Method::PATCH, &format!("{path}/{id}"), &Query::new(), Some(&body))
        .await?;
    Ok(resp
        .as_ref()
        .and_then(|v| {
            v.get("id")
                .and_then(Value::as_i64)
                .or_else(|| v.pointer(&format!("/_embedded/{key}/0/id")).and_then(Value::as_i64))
        })
        .unwrap_or(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_phones_with_legacy_enum_key() {
        let c: Contact = serde_json::from_str(
            r#"{"id":3,"name":"A","custom_fields_values":[{"field_id":3,"field_code":"PHONE","field_type":"multitext","values":[{"value":"+79123","enum_id":1,"enum":"WORK"}]}]}"#,
        )
        .unwrap();
        assert_eq!(c.phones(), vec![("+79123".to_string(), Some("WORK"))]);
    }

    #[test]
    fn null_custom_fields_read_as_none() {
        let c: Contact = serde_json::from_str(
            r#"{"id":1,"name":"","first_name":"Ann","last_name":"Lee","custom_fields_values":null}"#,
        )
        .unwrap();
        assert!(c.phones().is_empty());
        assert_eq!(c.display_name(), "Ann Lee");
    }
}
