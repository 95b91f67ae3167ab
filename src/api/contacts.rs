//! Contacts (`/api/v4/contacts`).

use serde::{Deserialize, Serialize};

use crate::api::model::{values_with_code, CustomFieldValues, EntityRef, Tag};
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
