//! Leads (`/api/v4/leads`). Deals in the original package are a view over these.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::list::{check_id, list, ListOptions, Listing};
use crate::api::model::{CustomFieldValues, CustomFieldWrite, EntityRef, EntityRefWrite, Tag, TagWrite};
use crate::api::write::{batch, create_single, ItemResult};
use crate::api::{pipelines, Client, Query};
use crate::error::{Error, Result};

/// A lead as Kommo returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lead {
    pub id: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible_user_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss_reason_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closest_task_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_deleted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields_values: Option<Vec<CustomFieldValues>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<i64>,
    #[serde(default, rename = "_embedded", skip_serializing_if = "Option::is_none")]
    pub embedded: Option<LeadEmbedded>,
}

/// `_embedded` of a lead.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LeadEmbedded {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub companies: Vec<EntityRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<EntityRef>,
}

impl Lead {
    pub fn contact_ids(&self) -> Vec<i64> {
        self.embedded
            .iter()
            .flat_map(|e| e.contacts.iter().map(|c| c.id))
            .collect()
    }
    pub fn company_ids(&self) -> Vec<i64> {
        self.embedded
            .iter()
            .flat_map(|e| e.companies.iter().map(|c| c.id))
            .collect()
    }
    pub fn tag_names(&self) -> Vec<String> {
        self.embedded
            .iter()
            .flat_map(|e| e.tags.iter().map(|t| t.name.clone()))
            .collect()
    }
}

/// Fields of a lead to create or update (Kommo's write shape). Unknown keys are refused, so
/// nothing misspelt is silently dropped.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeadData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible_user_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss_reason_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields_values: Option<Vec<CustomFieldWrite>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags_to_add: Option<Vec<TagWrite>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags_to_delete: Option<Vec<TagWrite>>,
    #[serde(default, rename = "_embedded", skip_serializing_if = "Option::is_none")]
    pub embedded: Option<LeadEmbeddedWrite>,
    /// Custom fields by name, code or id (`{"Fuente": "Referido"}`), resolved into
    /// `custom_fields_values` before sending (see `api::custom_fields`); never sent as is.
    #[serde(default, skip_serializing)]
    pub custom_fields: Option<Map<String, Value>>,
}

/// `_embedded` of a lead to create: contacts and a company to link, tags.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeadEmbeddedWrite {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Vec<EntityRefWrite>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub companies: Option<Vec<EntityRefWrite>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<TagWrite>>,
}

impl LeadData {
    /// The JSON object sent to Kommo.
    pub fn to_map(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        }
    }
}

/// Filters of `GET /leads`, written in Kommo's `filter[...]` syntax.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeadFilter {
    pub ids: Vec<i64>,
    pub responsible_user_ids: Vec<i64>,
    pub created_by: Vec<i64>,
    pub pipeline_ids: Vec<i64>,
    /// `(pipeline_id, status_id)` pairs.
    pub statuses: Vec<(i64, i64)>,
    pub price: (Option<i64>, Option<i64>),
    pub created_at: (Option<i64>, Option<i64>),
    pub updated_at: (Option<i64>, Option<i64>),
    pub closed_at: (Option<i64>, Option<i64>),
    /// `filter[custom_fields_values]` (see [`crate::api::custom_fields::filters_by_name`]).
    pub custom_fields: Vec<crate::api::custom_fields::FieldFilter>,
}

impl LeadFilter {
    /// The query parameters.
    pub fn to_query(&self) -> Query {
        let mut q = Query::new();
        q.filter_list("id", &self.ids)
            .filter_list("responsible_user_id", &self.responsible_user_ids)
            .filter_list("created_by", &self.created_by);
        if self.statuses.is_empty() {
            q.filter_list("pipeline_id", &self.pipeline_ids);
        }
        for (i, (pipeline, status)) in self.statuses.iter().enumerate() {
            q.push(format!("filter[statuses][{i}][pipeline_id]"), pipeline);
            q.push(format!("filter[statuses][{i}][status_id]"), status);
        }
        q.filter_range("price", self.price.0, self.price.1)
            .filter_range("created_at", self.created_at.0, self.created_at.1)
            .filter_range("updated_at", self.updated_at.0, self.updated_at.1)
            .filter_range("closed_at", self.closed_at.0, self.closed_at.1);
        crate::api::custom_fields::FieldFilter::push_all(&mut q, &self.custom_fields);
        q
    }
}

/// Expands status ids given without their pipeline into `(pipeline, status)` pairs, using the
/// cached pipelines (a status id names one stage, except 142/143 which exist in every pipeline).
pub async fn statuses_for(client: &Client, pipeline_id: Option<i64>, status_ids: &[i64]) -> Result<Vec<(i64, i64)>> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    if let Some(p) = pipeline_id {
        return Ok(status_ids.iter().map(|s| (p, *s)).collect());
    }
    let all = pipelines::cached(client).await?;
    let mut pairs = Vec::new();
    for s in status_ids {
        let owners: Vec<i64> = all
            .iter()
            .filter(|p| p.statuses().iter().any(|st| st.id == *s))
            .map(|p| p.id)
            .collect();
        if owners.is_empty() {
            return Err(Error::invalid(
                "status_id",
                format!("{s} is not a stage of any pipeline; list them with kommo_list_pipelines"),
            ));
        }
        pairs.extend(owners.into_iter().map(|p| (p, *s)));
    }
    Ok(pairs)
}

/// Lists leads.
pub async fn list_leads(client: &Client, filter: &LeadFilter, opts: &ListOptions) -> Result<Listing<Lead>> {
    list(client, "leads", "leads", filter.to_query(), opts).await
}

/// One lead by id; `None` when it does not exist.
pub async fn get(client: &Client, id: i64, with: &[&str]) -> Result<Option<Lead>> {
    check_id("leadId", id)?;
    let mut q = Query::new();
    q.with(with);
    match client.get::<Lead>(&format!("leads/{id}"), &q).await {
        Err(Error::NotFound { .. }) => Ok(None),
        other => other,
    }
}

/// Creates leads (any number; 250 per request).
pub async fn create(client: &Client, items: Vec<Map<String, Value>>) -> Result<Vec<ItemResult>> {
    batch(client, Method::POST, "leads", "leads", items).await
}

/// Updates leads; each item carries its `id`.
pub async fn update(client: &Client, items: Vec<Map<String, Value>>) -> Result<Vec<ItemResult>> {
    batch(client, Method::PATCH, "leads", "leads", items).await
}

/// Creates one lead and returns its id.
pub async fn create_one(client: &Client, item: Map<String, Value>) -> Result<i64> {
    create_single(client, "leads", "leads", item).await
}

/// Updates one lead with `PATCH /leads/{id}` (an object body).
pub async fn update_one(client: &Client, id: i64, changes: Map<String, Value>) -> Result<i64> {
    check_id("leadId", id)?;
    let body = Value::Object(changes);
    let resp: Option<Value> = client
        .send_json(Method::PATCH, &format!("leads/{id}"), &Query::new(), Some(&body))
        .await?;
    // Kommo answers `{id, updated_at}` (some versions wrap it in `_embedded.leads`).
    let id_out = resp
        .as_ref()
        .and_then(|v| {
            v.get("id")
                .and_then(Value::as_i64)
                .or_else(|| v.pointer("/_embedded/leads/0/id").and_then(Value::as_i64))
        })
        .unwrap_or(id);
    Ok(id_out)
}

/// Leads per `POST /leads/complex` request (Kommo's limit).
pub const COMPLEX_BATCH: usize = 50;

/// What Kommo answered for one complex lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplexResult {
    /// Lead id.
    pub id: i64,
    #[serde(default)]
    pub contact_id: Option<i64>,
    #[serde(default)]
    pub company_id: Option<i64>,
    /// The item's request ids (Kommo answers an array).
    #[serde(default)]
    pub request_id: Vec<String>,
    /// True when Kommo's duplicate control merged it into an existing lead.
    #[serde(default)]
    pub merged: bool,
}

/// Creates leads with their contact and company (`POST /leads/complex`), 50 per request. Each
/// item is a lead object whose `_embedded.contacts[0]` / `_embedded.companies[0]` are new
/// entities (or `{id}` of existing ones). Results come back in input order.
pub async fn create_complex(client: &Client, items: Vec<Map<String, Value>>) -> Result<Vec<ComplexResult>> {
    if items.is_empty() {
        return Err(Error::invalid("items", "is empty; give at least one lead"));
    }
    if items.len() > crate::api::write::MAX_BATCH_ITEMS {
        return Err(Error::invalid("items", "has too many leads"));
    }
    let mut out = Vec::with_capacity(items.len());
    let indexed: Vec<(usize, Map<String, Value>)> = items.into_iter().enumerate().collect();
    for chunk in indexed.chunks(COMPLEX_BATCH) {
        let body = Value::Array(
            chunk
                .iter()
                .map(|(i, item)| {
                    let mut item = item.clone();
                    item.insert("request_id".into(), Value::String(i.to_string()));
                    Value::Object(item)
                })
                .collect(),
        );
        let resp: Option<Vec<ComplexResult>> = client
            .send_json(Method::POST, "leads/complex", &Query::new(), Some(&body))
            .await?;
        let mut resp = resp.unwrap_or_default();
        // Put Kommo's answers in input order through request_id.
        for (i, _) in chunk {
            let key = i.to_string();
            if let Some(pos) = resp.iter().position(|r| r.request_id.contains(&key)) {
                out.push(resp.remove(pos));
            } else if !resp.is_empty() {
                out.push(resp.remove(0));
            }
        }
    }
    Ok(out)
}

/// Ids of the leads linked to a contact or company (`GET /{entity}/{id}?with=leads`); `None`
/// when the contact or company does not exist.
pub async fn linked_lead_ids(client: &Client, entity: &str, id: i64) -> Result<Option<Vec<i64>>> {
    check_id(
        if entity == "companies" {
            "companyId"
        } else {
            "contactId"
        },
        id,
    )?;
    let mut q = Query::new();
    q.with(&["leads"]);
    let got: Option<Value> = match client.get::<Value>(&format!("{entity}/{id}"), &q).await {
        Err(Error::NotFound { .. }) => return Ok(None),
        other => other?,
    };
    Ok(got.map(|v| {
        v.pointer("/_embedded/leads")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|l| l.get("id").and_then(Value::as_i64)).collect())
            .unwrap_or_default()
    }))
}

/// Leads linked to a contact or company, in one page of up to 250 (two requests: the
/// contact's or company's lead ids, then `filter[id][]`). `None` when it does not exist.
pub async fn linked_leads(client: &Client, entity: &str, id: i64, opts: &ListOptions) -> Result<Option<Listing<Lead>>> {
    let Some(ids) = linked_lead_ids(client, entity, id).await? else {
        return Ok(None);
    };
    if ids.is_empty() {
        return Ok(Some(Listing {
            items: Vec::new(),
            page: opts.page.unwrap_or(1),
            next_page: None,
            total_items: Some(0),
            page_count: None,
            capped: false,
        }));
    }
    let filter = LeadFilter {
        ids,
        ..LeadFilter::default()
    };
    Ok(Some(list_leads(client, &filter, opts).await?))
}
