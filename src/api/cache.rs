//! A small per-account cache for metadata that changes rarely (pipelines, users, custom-field
//! definitions), so a tool can show stage and user names, or resolve a field by name, without a
//! request per call.
//!
//! Entries expire after a TTL; callers that miss a name in a cached value call
//! [`Cache::invalidate`] and fetch once more ("refreshed on a miss").

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::Result;

/// How long metadata stays fresh.
pub const METADATA_TTL: Duration = Duration::from_secs(300);

type Entry = (Instant, Arc<dyn Any + Send + Sync>);

/// Cached values by key, each with its fetch time.
#[derive(Default)]
pub struct Cache {
    entries: Mutex<HashMap<String, Entry>>,
    /// Serialises fetches so concurrent misses make one request.
    fetch_lock: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").finish_non_exhaustive()
    }
}

impl Cache {
    fn lookup<T: Send + Sync + 'static>(&self, key: &str, ttl: Duration) -> Option<Arc<T>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let (at, value) = entries.get(key)?;
        if at.elapsed() > ttl {
            return None;
        }
        value.clone().downcast::<T>().ok()
    }

    /// The cached value for `key`, or the result of `fetch` (stored on success).
    pub async fn get_or_fetch<T, F, Fut>(&self, key: &str, ttl: Duration, fetch: F) -> Result<Arc<T>>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        if let Some(v) = self.lookup::<T>(key, ttl) {
            return Ok(v);
        }
        let _guard = self.fetch_lock.lock().await;
        // Another task may have fetched it while we waited.
        if let Some(v) = self.lookup::<T>(key, ttl) {
            return Ok(v);
        }
        let value = Arc::new(fetch().await?);
        let stored: Arc<dyn Any + Send + Sync> = value.clone();
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.to_string(), (Instant::now(), stored));
        Ok(value)
    }

    /// The cached value if present and fresh; no fetch.
    pub fn peek<T: Send + Sync + 'static>(&self, key: &str, ttl: Duration) -> Option<Arc<T>> {
        self.lookup(key, ttl)
    }

    /// Drops `key` so the next read fetches it again.
    pub fn invalidate(&self, key: &str) {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }
}
