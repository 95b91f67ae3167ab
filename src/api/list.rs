//! Listing collections the way Kommo pages them, shared by every resource.
//!
//! A caller gives [`ListOptions`] (page, limit, query, `with`, order, all-pages) plus a
//! resource-specific filter already written into a [`Query`]; [`list`] returns a [`Listing`]
//! with paging facts read from the HAL envelope (`_links.next`), never guessed.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::api::progress::Progress;
use crate::api::{Client, Query};
use crate::error::{Error, Result};

/// Largest page Kommo serves.
pub const MAX_LIMIT: u32 = 250;
/// Page size when the caller does not say.
pub const DEFAULT_LIMIT: u32 = 50;
/// Hard cap on pages read by an all-pages listing (50 x 250 = 12,500 records).
pub const MAX_ALL_PAGES: usize = 50;

/// Sort direction for `order[field]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Asc,
    Desc,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Asc => "asc",
            Direction::Desc => "desc",
        }
    }
}

/// How to read a collection.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    /// 1-based page (default 1).
    pub page: Option<u32>,
    /// Page size, 1..=250 (default 50).
    pub limit: Option<u32>,
    /// Kommo's full-text `query`.
    pub query: Option<String>,
    /// `with=` values.
    pub with: Vec<String>,
    /// `order[field]=asc|desc`.
    pub order: Option<(String, Direction)>,
    /// Read every page from `page` on, up to `max_pages` (default [`MAX_ALL_PAGES`]).
    pub all_pages: bool,
    pub max_pages: Option<usize>,
    /// With `all_pages`: told after each page read, and checked for cancellation before the
    /// next one (`None`: no reports, never cancelled).
    pub progress: Option<Progress>,
}

impl ListOptions {
    /// Checks the paging arguments; `limit` above 250 is clamped (Kommo's maximum).
    pub fn validate(&self) -> Result<()> {
        if self.page == Some(0) {
            return Err(Error::invalid("page", "pages start at 1"));
        }
        if self.limit == Some(0) {
            return Err(Error::invalid("limit", "must be between 1 and 250"));
        }
        if let Some(q) = &self.query {
            if q.chars().count() > 500 {
                return Err(Error::invalid("query", "is longer than 500 characters"));
            }
        }
        Ok(())
    }

    /// Effective page size.
    pub fn limit(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
    }

    /// Writes page, limit, query, with and order into `q`.
    pub fn apply(&self, q: &mut Query) {
        q.push("page", self.page.unwrap_or(1));
        q.push("limit", self.limit());
        if let Some(query) = self.query.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            q.push("query", query);
        }
        let with: Vec<&str> = self.with.iter().map(String::as_str).collect();
        q.with(&with);
        if let Some((field, dir)) = &self.order {
            q.push(format!("order[{field}]"), dir.as_str());
        }
    }
}

/// One listing result.
#[derive(Debug, Clone)]
pub struct Listing<T> {
    pub items: Vec<T>,
    /// The (first) page that was read.
    pub page: u32,
    /// The page after the last one read, when Kommo has more.
    pub next_page: Option<u32>,
    /// Total items, on collections where Kommo reports it.
    pub total_items: Option<u64>,
    /// Total pages, on collections where Kommo reports it.
    pub page_count: Option<u32>,
    /// An all-pages listing stopped at the page cap.
    pub capped: bool,
}

impl<T> Listing<T> {
    /// Whether more records exist after these.
    pub fn has_more(&self) -> bool {
        self.next_page.is_some()
    }
}

fn page_of(href: &str) -> Option<u32> {
    url::Url::parse(href)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == "page")
        .and_then(|(_, v)| v.parse().ok())
}

/// Lists `path` (e.g. `leads`), items under `_embedded.<key>`, with `filter` already in `query`.
pub async fn list<T: DeserializeOwned>(
    client: &Client,
    path: &str,
    key: &str,
    mut query: Query,
    opts: &ListOptions,
) -> Result<Listing<T>> {
    opts.validate()?;
    opts.apply(&mut query);
    let first = client.get_page::<T>(path, &query, key).await?;
    let start = opts.page.unwrap_or(1);
    let mut listing = Listing {
        next_page: first.next.as_deref().map(|h| page_of(h).unwrap_or(first.page + 1)),
        page: start,
        total_items: first.total_items,
        page_count: first.page_count,
        capped: false,
        items: Vec::new(),
    };
    let mut page = first;
    listing.items.append(&mut page.items);
    if opts.all_pages {
        let max = opts.max_pages.unwrap_or(MAX_ALL_PAGES).max(1);
        // Pages this call will read at most, when Kommo says how many there are.
        let total = listing
            .page_count
            .map(|n| u64::from(n.saturating_sub(start).saturating_add(1)).min(max as u64));
        let mut read = 1;
        report(opts, read, total, page.next.is_some(), listing.items.len(), key).await;
        while page.next.is_some() {
            if read >= max {
                listing.capped = true;
                break;
            }
            if opts.progress.as_ref().is_some_and(Progress::is_cancelled) {
                return Err(Error::Cancelled {
                    context: format!("reading every page of {path} (after {read} pages)"),
                });
            }
            let Some(mut next) = client.next_page(&page, key).await? else {
                break;
            };
            listing.items.append(&mut next.items);
            listing.next_page = next.next.as_deref().map(|h| page_of(h).unwrap_or(next.page + 1));
            page = next;
            read += 1;
            report(opts, read, total, page.next.is_some(), listing.items.len(), key).await;
        }
        if !listing.capped {
            listing.next_page = None;
        }
    }
    Ok(listing)
}

/// Tells `opts.progress` that page `read` was read (`items` so far).
async fn report(opts: &ListOptions, read: usize, total: Option<u64>, more: bool, items: usize, key: &str) {
    let Some(progress) = &opts.progress else {
        return;
    };
    let read = read as u64;
    // When Kommo gives no page count: the total is known once the last page is in.
    let total = total.or((!more).then_some(read));
    let of = total.map(|t| format!(" of {t}")).unwrap_or_default();
    let what = key.replace('_', " ");
    progress
        .report(read, total, format!("read page {read}{of}: {items} {what} so far"))
        .await;
}

/// Validates a positive id argument.
pub fn check_id(arg: &str, id: i64) -> Result<()> {
    if id <= 0 {
        return Err(Error::invalid(arg, format!("must be a positive integer id, got {id}")));
    }
    Ok(())
}
