//! Incoming leads (`/api/v4/leads/unsorted`): leads from forms, calls and chats waiting to be
//! accepted into a pipeline or declined. They are identified by a string `uid`.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::list::{list, ListOptions, Listing};
use crate::api::{Client, Query};
use crate::error::{Error, Result};

/// Categories of incoming leads.
pub const CATEGORIES: [&str; 4] = ["forms", "sip", "chats", "mail"];

/// An incoming lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unsorted {
    pub uid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_uid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    #[serde(default)]
    pub category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    #[serde(default)]
    pub metadata: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<i64>,
    #[serde(default, rename = "_embedded", skip_serializing_if = "Option::is_none")]
    pub embedded: Option<UnsortedEmbedded>,
}

/// Entities created with an incoming lead.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UnsortedEmbedded {
    #[serde(default)]
    pub leads: Vec<IdOnly>,
    #[serde(default)]
    pub contacts: Vec<IdOnly>,
    #[serde(default)]
    pub companies: Vec<IdOnly>,
}

/// `{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdOnly {
    pub id: i64,
}

impl Unsorted {
    /// Ids of the lead(s) behind it.
    pub fn lead_ids(&self) -> Vec<i64> {
        self.embedded
            .iter()
            .flat_map(|e| e.leads.iter().map(|l| l.id))
            .collect()
    }
    /// Ids of the contacts behind it.
    pub fn contact_ids(&self) -> Vec<i64> {
        self.embedded
            .iter()
            .flat_map(|e| e.contacts.iter().map(|l| l.id))
            .collect()
    }
}

/// Filters of `GET /leads/unsorted`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnsortedFilter {
    pub uids: Vec<String>,
    /// `forms`, `sip`, `chats`, `mail`.
    pub categories: Vec<String>,
    pub pipeline_id: Option<i64>,
}

/// Lists incoming leads.
pub async fn list_unsorted(client: &Client, filter: &UnsortedFilter, opts: &ListOptions) -> Result<Listing<Unsorted>> {
    if let Some(bad) = filter.categories.iter().find(|c| !CATEGORIES.contains(&c.as_str())) {
        return Err(Error::invalid(
            "category",
            format!("{bad:?} is not a category; use {}", CATEGORIES.join(", ")),
        ));
    }
    let mut q = Query::new();
    q.filter_list("uid", &filter.uids)
        .filter_list("category", &filter.categories);
    q.opt("filter[pipeline_id]", filter.pipeline_id);
    list(client, "leads/unsorted", "unsorted", q, opts).await
}

fn check_uid(uid: &str) -> Result<&str> {
    let uid = uid.trim();
    if uid.is_empty() || uid.contains('/') || uid.len() > 200 {
        return Err(Error::invalid(
            "uid",
            "must be the uid of an incoming lead (from listUnsorted)",
        ));
    }
    Ok(uid)
}

/// What accept and decline return: the uid and the affected lead and contact ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnsortedOutcome {
    pub uid: String,
    #[serde(default, rename = "_embedded", skip_serializing_if = "Option::is_none")]
    pub embedded: Option<UnsortedEmbedded>,
}

fn body(user_id: Option<i64>, status_id: Option<i64>) -> Value {
    let mut m = Map::new();
    if let Some(u) = user_id {
        m.insert("user_id".into(), u.into());
    }
    if let Some(s) = status_id {
        m.insert("status_id".into(), s.into());
    }
    Value::Object(m)
}

fn outcome(uid: &str, v: Option<Value>) -> UnsortedOutcome {
    v.and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or(UnsortedOutcome {
            uid: uid.to_string(),
            embedded: None,
        })
}

/// Accepts an incoming lead into its pipeline (`status_id`: the stage to put it in).
pub async fn accept(
    client: &Client,
    uid: &str,
    user_id: Option<i64>,
    status_id: Option<i64>,
) -> Result<UnsortedOutcome> {
    let uid = check_uid(uid)?;
    let b = body(user_id, status_id);
    let v = client
        .send_json::<Value>(
            Method::POST,
            &format!("leads/unsorted/{uid}/accept"),
            &Query::new(),
            Some(&b),
        )
        .await?;
    Ok(outcome(uid, v))
}

/// Declines an incoming lead (Kommo deletes it).
pub async fn decline(client: &Client, uid: &str, user_id: Option<i64>) -> Result<UnsortedOutcome> {
    let uid = check_uid(uid)?;
    let b = body(user_id, None);
    let v = client
        .send_json::<Value>(
            Method::DELETE,
            &format!("leads/unsorted/{uid}/decline"),
            &Query::new(),
            Some(&b),
        )
        .await?;
    Ok(outcome(uid, v))
}
