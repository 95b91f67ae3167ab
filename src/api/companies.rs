//! Companies (`/api/v4/companies`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::contacts::{patch_one, phone_email_fields, EmbeddedWrite, EntityFilter, TypedValue};
use crate::api::list::{check_id, list, ListOptions, Listing};
use crate::api::model::{values_with_code, CustomFieldValues, CustomFieldWrite, EntityRef, Tag, TagWrite};
use crate::api::write::create_single;
use crate::api::{Client, Query};
use crate::error::{Error, Result};

/// A company as Kommo returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Company {
    pub id: i64,
    #[serde(default)]
    pub name: String,
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
    pub custom_fields_values: Option<Vec<CustomFieldValues>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<i64>,
    #[serde(default, rename = "_embedded", skip_serializing_if = "Option::is_none")]
    pub embedded: Option<CompanyEmbedded>,
}

/// `_embedded` of a company.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CompanyEmbedded {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<EntityRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leads: Vec<EntityRef>,
}

impl Company {
    pub fn phones(&self) -> Vec<(String, Option<&str>)> {
        values_with_code(&self.custom_fields_values, "PHONE")
    }
    pub fn emails(&self) -> Vec<(String, Option<&str>)> {
        values_with_code(&self.custom_fields_values, "EMAIL")
    }
    /// Web addresses: the WEB field and any `url` field.
    pub fn websites(&self) -> Vec<String> {
        self.custom_fields_values
            .iter()
            .flatten()
            .filter(|f| {
                f.field_code.as_deref().is_some_and(|c| c.eq_ignore_ascii_case("WEB"))
                    || f.field_type.as_deref() == Some("url")
            })
            .flat_map(|f| f.values.iter().filter_map(|v| v.as_text()))
            .collect()
    }
    pub fn contact_ids(&self) -> Vec<i64> {
        self.embedded
            .iter()
            .flat_map(|e| e.contacts.iter().map(|c| c.id))
            .collect()
    }
    pub fn lead_ids(&self) -> Vec<i64> {
        self.embedded
            .iter()
            .flat_map(|e| e.leads.iter().map(|c| c.id))
            .collect()
    }
    pub fn tag_names(&self) -> Vec<String> {
        self.embedded
            .iter()
            .flat_map(|e| e.tags.iter().map(|t| t.name.clone()))
            .collect()
    }
}

/// Fields of a company to create or update (Kommo's write shape plus `phones`/`emails`/`web`
/// shortcuts). Unknown keys are refused.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanyData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phones: Option<Vec<TypedValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emails: Option<Vec<TypedValue>>,
}

impl CompanyData {
    /// The JSON object sent to Kommo.
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
                    .any(|e| e.field_code == f.field_code && f.field_code.is_some())
            });
            fields.extend(extra);
        }
        match serde_json::to_value(&data) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Ok(Map::new()),
        }
    }
}

/// Lists companies.
pub async fn list_companies(client: &Client, filter: &EntityFilter, opts: &ListOptions) -> Result<Listing<Company>> {
    list(client, "companies", "companies", filter.to_query(), opts).await
}

/// One company by id; `None` when it does not exist (Kommo answers 204 or 404).
pub async fn get(client: &Client, id: i64, with: &[&str]) -> Result<Option<Company>> {
    check_id("companyId", id)?;
    let mut q = Query::new();
    q.with(with);
    match client.get::<Company>(&format!("companies/{id}"), &q).await {
        Err(Error::NotFound { .. }) => Ok(None),
        other => other,
    }
}

/// Creates one company and returns its id.
pub async fn create_one(client: &Client, item: Map<String, Value>) -> Result<i64> {
    create_single(client, "companies", "companies", item).await
}

/// Updates one company with `PATCH /companies/{id}`.
pub async fn update_one(client: &Client, id: i64, changes: Map<String, Value>) -> Result<i64> {
    patch_one(client, "companies", "companyId", id, changes).await
}

/// The bare domain of a URL, email or host: `https://www.Acme.co/x` → `acme.co`.
pub fn domain_of(text: &str) -> Option<String> {
    let t = text.trim().to_ascii_lowercase();
    let t = t.rsplit('@').next().unwrap_or(&t);
    let t = t.split("://").last().unwrap_or(t);
    let host = t.split(['/', '?', '#', ':']).next().unwrap_or("");
    let host = host.trim_start_matches("www.").trim_end_matches('.');
    (host.contains('.') && !host.contains(' ')).then(|| host.to_string())
}

/// Whether `host` is `domain` or one of its subdomains.
fn same_domain(host: &str, domain: &str) -> bool {
    host == domain || host.ends_with(&format!(".{domain}"))
}

/// Companies whose web address or an email belongs to `domain` (`acme.co`, `https://acme.co`,
/// `www.acme.co` and `info@acme.co` all mean `acme.co`). One request with Kommo's `query`,
/// then the addresses are checked, so a company that only mentions the domain in a note is not
/// returned.
pub async fn search_by_domain(client: &Client, domain: &str) -> Result<Vec<Company>> {
    let Some(domain) = domain_of(domain) else {
        return Err(Error::invalid(
            "domain",
            format!("{domain:?} is not a domain; give something like \"acme.com\""),
        ));
    };
    let opts = ListOptions {
        query: Some(domain.clone()),
        limit: Some(250),
        ..ListOptions::default()
    };
    let listing = list_companies(client, &EntityFilter::default(), &opts).await?;
    Ok(listing
        .items
        .into_iter()
        .filter(|c| {
            c.websites()
                .iter()
                .chain(c.emails().iter().map(|(e, _)| e))
                .filter_map(|v| domain_of(v))
                .any(|h| same_domain(&h, &domain))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_read_from_urls_emails_and_hosts() {
        assert_eq!(domain_of("https://www.Acme.co/about?x").as_deref(), Some("acme.co"));
        assert_eq!(domain_of("info@acme.co").as_deref(), Some("acme.co"));
        assert_eq!(domain_of("acme.co").as_deref(), Some("acme.co"));
        assert_eq!(domain_of("acme"), None);
        assert!(same_domain("shop.acme.co", "acme.co"));
        assert!(!same_domain("notacme.co", "acme.co"));
    }
}
