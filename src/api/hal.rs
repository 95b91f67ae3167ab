//! HAL envelopes as Kommo sends them: `_page` is a number, the next page is `_links.next.href`
//! (present only when there is one), items sit in `_embedded.<collection>`, and
//! `_total_items` / `_page_count` appear on some collections only.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::api::Query;
use crate::error::{Error, Result};

#[derive(Debug, Deserialize)]
pub(crate) struct Link {
    pub href: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Envelope<T> {
    #[serde(default, rename = "_page")]
    page: Option<u32>,
    #[serde(default, rename = "_page_count")]
    page_count: Option<u32>,
    #[serde(default, rename = "_total_items")]
    total_items: Option<u64>,
    #[serde(default, rename = "_links")]
    links: BTreeMap<String, Link>,
    #[serde(default = "BTreeMap::new", rename = "_embedded")]
    embedded: BTreeMap<String, serde_json::Value>,
    #[serde(skip)]
    _marker: std::marker::PhantomData<T>,
}

/// One page of a collection.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Page number (1-based).
    pub page: u32,
    /// Absolute URL of the next page, when there is one.
    pub next: Option<String>,
    /// Total items, on collections where Kommo reports it.
    pub total_items: Option<u64>,
    /// Total pages, on collections where Kommo reports it.
    pub page_count: Option<u32>,
}

impl<T> Page<T> {
    /// The empty page Kommo signals with 204.
    pub fn empty(query: &Query) -> Self {
        let page = query
            .pairs()
            .iter()
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(1);
        Page {
            items: Vec::new(),
            page,
            next: None,
            total_items: None,
            page_count: None,
        }
    }
    /// Whether another page exists.
    pub fn has_more(&self) -> bool {
        self.next.is_some()
    }
}

impl<T: DeserializeOwned> Envelope<T> {
    pub(crate) fn into_page(mut self, key: &str, context: &str) -> Result<Page<T>> {
        let items = match self.embedded.remove(key) {
            None | Some(serde_json::Value::Null) => Vec::new(),
            Some(v) => serde_json::from_value::<Vec<T>>(v).map_err(|e| Error::InvalidResponse {
                context: context.to_string(),
                reason: format!("_embedded.{key}: {e}"),
            })?,
        };
        Ok(Page {
            items,
            page: self.page.unwrap_or(1),
            next: self.links.remove("next").map(|l| l.href),
            total_items: self.total_items,
            page_count: self.page_count,
        })
    }
}

/// Parses a collection body as the client does (`None` for 204 / empty). Public for fuzzing.
pub fn parse_page(status: u16, body: &[u8], key: &str) -> Result<Option<Page<serde_json::Value>>> {
    let resp = crate::api::transport::Response {
        status,
        body: body.to_vec(),
    };
    match resp.json::<Envelope<serde_json::Value>>("GET /api/v4/fuzz")? {
        None => Ok(None),
        Some(env) => env.into_page(key, "GET /api/v4/fuzz").map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kommo_envelopes() {
        let body = r#"{"_page":2,"_links":{"self":{"href":"s"},"next":{"href":"https://a.kommo.com/api/v4/contacts?page=3"}},"_embedded":{"contacts":[{"id":1},{"id":2}]}}"#;
        let env: Envelope<serde_json::Value> = serde_json::from_str(body).unwrap();
        let page = env.into_page("contacts", "GET").unwrap();
        assert_eq!(page.page, 2);
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.next.as_deref(), Some("https://a.kommo.com/api/v4/contacts?page=3"));
        assert!(page.total_items.is_none());
    }

    #[test]
    fn a_last_page_has_no_next() {
        let env: Envelope<serde_json::Value> =
            serde_json::from_str(r#"{"_total_items":1,"_links":{},"_embedded":{"pipelines":[{"id":1}]}}"#).unwrap();
        let page = env.into_page("pipelines", "GET").unwrap();
        assert!(!page.has_more());
        assert_eq!(page.total_items, Some(1));
    }
}
