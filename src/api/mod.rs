//! The Kommo API v4 client.
//!
//! [`Client`] wraps the shared [`transport::Transport`] with HAL paging helpers; one module per
//! resource (`contacts`, `pipelines`, ...) builds requests and typed results on top of it, with
//! the same module names as in `mcp::tools` and `sandbox`.

pub mod account;
pub mod cache;
pub mod catalogs;
pub mod companies;
pub mod contacts;
pub mod custom_fields;
pub mod events;
pub mod hal;
pub mod leads;
pub mod limiter;
pub mod links;
pub mod list;
pub mod model;
pub mod notes;
pub mod oauth;
pub mod pipelines;
pub mod progress;
pub mod retry;
pub mod tags;
pub mod tasks;
pub mod token_file;
pub mod transport;
pub mod unsorted;
pub mod write;

use std::sync::Arc;

use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::config::KommoConfig;
use crate::error::Result;
pub use hal::Page;
pub use transport::Query;
use transport::Transport;

/// A client for one Kommo account. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Client {
    transport: Arc<Transport>,
}

impl Client {
    /// A client for `config`, sharing connections with other clients of the same account and token.
    pub fn new(config: &KommoConfig) -> Result<Self> {
        Ok(Self {
            transport: transport::shared(config)?,
        })
    }

    /// A client for an OAuth `config` whose refreshed tokens go to `store` (see
    /// [`transport::shared_with_store`]).
    pub fn with_store(config: &KommoConfig, store: Option<Arc<dyn oauth::TokenStore>>) -> Result<Self> {
        Ok(Self {
            transport: transport::shared_with_store(config, store)?,
        })
    }

    /// A client with a transport of its own (not shared with other clients of the config; the
    /// account's pacing and block breaker still are) whose attempts get `request_timeout` each
    /// and whose retries follow `policy`. Tests use it for short timeouts.
    pub fn with_limits(
        config: &KommoConfig,
        request_timeout: std::time::Duration,
        policy: retry::Policy,
    ) -> Result<Self> {
        let transport = Transport::new(config.clone())?.with_limits(request_timeout, policy);
        Ok(Self {
            transport: Arc::new(transport),
        })
    }

    /// The OAuth token manager, when the config is the OAuth form.
    pub fn token_manager(&self) -> Option<&oauth::TokenManager> {
        self.transport.token_manager()
    }

    /// The validated config.
    pub fn config(&self) -> &KommoConfig {
        self.transport.config()
    }

    /// Metadata cached for this account.
    pub fn cache(&self) -> &cache::Cache {
        &self.transport.cache
    }

    /// Sends `body` as JSON with `method` to an API path; `None` for 204 / an empty body.
    pub async fn send_json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &Query,
        body: Option<&serde_json::Value>,
    ) -> Result<Option<T>> {
        let url = self.transport.api_url(path);
        let context = format!("{method} {}", url.path());
        let resp = self.transport.send(method, url, query, body).await?;
        resp.json(&context)
    }

    /// GET an API path (`contacts/3`); `None` when Kommo answers 204 (nothing there).
    pub async fn get<T: DeserializeOwned>(&self, path: &str, query: &Query) -> Result<Option<T>> {
        let url = self.transport.api_url(path);
        let context = format!("GET {}", url.path());
        let resp = self.transport.send(Method::GET, url, query, None).await?;
        resp.json(&context)
    }

    /// GET one page of a HAL collection; an empty page for 204.
    pub async fn get_page<T: DeserializeOwned>(&self, path: &str, query: &Query, key: &str) -> Result<Page<T>> {
        let url = self.transport.api_url(path);
        self.fetch_page(url, query, key).await
    }

    /// Follows `_links.next` of `page`, if there is one.
    pub async fn next_page<T: DeserializeOwned>(&self, page: &Page<T>, key: &str) -> Result<Option<Page<T>>> {
        let Some(href) = page.next.as_deref() else {
            return Ok(None);
        };
        let url = self.transport.check_own_link(href, key)?;
        Ok(Some(self.fetch_page(url, &Query::new(), key).await?))
    }

    /// Reads pages from `path` until there is no next page or `max_pages` were read.
    /// Returns the items and whether the cap cut the result.
    pub async fn get_all<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &Query,
        key: &str,
        max_pages: usize,
    ) -> Result<(Vec<T>, bool)> {
        let mut page = self.get_page::<T>(path, query, key).await?;
        let mut items = std::mem::take(&mut page.items);
        let mut pages = 1;
        while page.next.is_some() {
            if pages >= max_pages {
                return Ok((items, true));
            }
            match self.next_page(&page, key).await? {
                Some(mut next) => {
                    items.append(&mut next.items);
                    page = next;
                    pages += 1;
                }
                None => break,
            }
        }
        Ok((items, false))
    }

    async fn fetch_page<T: DeserializeOwned>(&self, url: url::Url, query: &Query, key: &str) -> Result<Page<T>> {
        let context = format!("GET {}", url.path());
        let resp = self.transport.send(Method::GET, url, query, None).await?;
        match resp.json::<hal::Envelope<T>>(&context)? {
            None => Ok(Page::empty(query)),
            Some(env) => env.into_page(key, &context),
        }
    }
}
