//! Account-level metadata: the account (`/account` with its `with=` extras), users, loss reasons
//! and sources. Users are also cached so tools can show names instead of ids.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api::cache::METADATA_TTL;
use crate::api::list::{check_id, list, ListOptions, Listing};
use crate::api::tasks::TaskType;
use crate::api::{Client, Query};
use crate::error::{Error, Result};

/// `with=` values `GET /account` accepts.
pub const ACCOUNT_WITH: [&str; 11] = [
    "amojo_id",
    "amojo_rights",
    "users_groups",
    "task_types",
    "version",
    "entity_names",
    "datetime_settings",
    "drive_url",
    "uuid",
    "invoices_settings",
    "is_api_filter_enabled",
];

/// The account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub subdomain: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_user_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_symbol: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_unsorted_on: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_loss_reason_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customers_mode: Option<String>,
    #[serde(default, rename = "_embedded", skip_serializing_if = "Option::is_none")]
    pub embedded: Option<AccountEmbedded>,
    /// Everything else Kommo sent (`amojo_id`, `version`, `drive_url`...).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

/// `_embedded` of the account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountEmbedded {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub task_types: Vec<TaskType>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users_groups: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datetime_settings: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amojo_rights: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_names: Option<Value>,
}

/// `GET /account` with `with=` extras (checked against [`ACCOUNT_WITH`]).
pub async fn get(client: &Client, with: &[&str]) -> Result<Account> {
    if let Some(bad) = with.iter().find(|w| !ACCOUNT_WITH.contains(w)) {
        return Err(Error::invalid(
            "with",
            format!("{bad:?} is not an account option; use {}", ACCOUNT_WITH.join(", ")),
        ));
    }
    let mut q = Query::new();
    q.with(with);
    let account: Option<Account> = client.get("account", &q).await?;
    account.ok_or_else(|| Error::InvalidResponse {
        context: "GET /api/v4/account".into(),
        reason: "empty answer".into(),
    })
}

/// A user of the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rights: Option<Value>,
}

impl User {
    /// Whether the user is an administrator (from `rights.is_admin`).
    pub fn is_admin(&self) -> bool {
        self.rights
            .as_ref()
            .and_then(|r| r.get("is_admin"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
    /// Whether the user can log in (from `rights.is_active`).
    pub fn is_active(&self) -> bool {
        self.rights
            .as_ref()
            .and_then(|r| r.get("is_active"))
            .and_then(Value::as_bool)
            .unwrap_or(true)
    }
}

/// Lists users (`with`: role, group, uuid, amojo_id, user_rank, phone_number).
pub async fn list_users(client: &Client, opts: &ListOptions) -> Result<Listing<User>> {
    list(client, "users", "users", Query::new(), opts).await
}

/// One user; `None` when unknown.
pub async fn get_user(client: &Client, id: i64) -> Result<Option<User>> {
    check_id("userId", id)?;
    match client.get::<User>(&format!("users/{id}"), &Query::new()).await {
        Err(Error::NotFound { .. }) => Ok(None),
        other => other,
    }
}

/// Every user, from the metadata cache (for names in tool output).
pub async fn cached_users(client: &Client) -> Result<Arc<Vec<User>>> {
    let c = client.clone();
    client
        .cache()
        .get_or_fetch("users", METADATA_TTL, || async move {
            let (users, _) = c.get_all::<User>("users", &Query::new(), "users", 10).await?;
            Ok(users)
        })
        .await
}

/// Every user if the metadata cache holds them (fresh), without a request: names "where known".
pub fn peek_users(client: &Client) -> Option<Arc<Vec<User>>> {
    client.cache().peek("users", METADATA_TTL)
}

/// The (non-empty) name of user `id` in `users`.
pub fn find_user_name(users: Option<&[User]>, id: i64) -> Option<String> {
    users?
        .iter()
        .find(|u| u.id == id)
        .map(|u| u.name.clone())
        .filter(|n| !n.is_empty())
}

/// The name of user `id` in `users`, or `user #id`.
pub fn user_name(users: Option<&[User]>, id: i64) -> String {
    find_user_name(users, id).unwrap_or_else(|| format!("user #{id}"))
}

/// A reason a lead was lost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LossReason {
    pub id: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<i64>,
}

/// Every loss reason.
pub async fn list_loss_reasons(client: &Client) -> Result<Vec<LossReason>> {
    let (items, _) = client
        .get_all::<LossReason>("leads/loss_reasons", &Query::new(), "loss_reasons", 10)
        .await?;
    Ok(items)
}

/// A lead source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub id: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_code: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<Value>,
}

/// Every source, optionally only those with the given `external_id`s.
pub async fn list_sources(client: &Client, external_ids: &[String]) -> Result<Vec<Source>> {
    let mut q = Query::new();
    q.filter_list("external_id", external_ids);
    let (items, _) = client.get_all::<Source>("sources", &q, "sources", 10).await?;
    Ok(items)
}
