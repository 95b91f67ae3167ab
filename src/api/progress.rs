//! Progress and cancellation for work that takes several Kommo requests (every page of a
//! listing, a batch write of many items).
//!
//! The API layer knows nothing about MCP: a caller that wants progress gives a [`Progress`]
//! (a callback awaited after each request, plus an optional cancellation token). The MCP server
//! builds one from a request's `progressToken` and turns each [`Step`] into a
//! `notifications/progress`; the SDK passes none, so its behaviour is unchanged.

use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use tokio_util::sync::CancellationToken;

/// One step of long work: `done` units of `total` (when known), with a short message.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub done: u64,
    pub total: Option<u64>,
    pub message: String,
}

type Report = dyn Fn(Step) -> BoxFuture<'static, ()> + Send + Sync;

/// Where long work reports its progress, and how it learns it should stop.
#[derive(Clone)]
pub struct Progress {
    report: Arc<Report>,
    cancel: Option<CancellationToken>,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("cancellable", &self.cancel.is_some())
            .finish_non_exhaustive()
    }
}

impl Progress {
    /// Progress reported to `report`, awaited after each request (so reports arrive in order
    /// and before the final result).
    pub fn new<F, Fut>(report: F) -> Self
    where
        F: Fn(Step) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        Progress {
            report: Arc::new(move |step| Box::pin(report(step))),
            cancel: None,
        }
    }

    /// Progress that reports nothing, only carries `cancel` (for callers that can be cancelled
    /// but asked for no progress).
    pub fn silent(cancel: CancellationToken) -> Self {
        Progress::new(|_| async {}).with_cancel(cancel)
    }

    /// Stops the work between requests once `cancel` is cancelled.
    pub fn with_cancel(mut self, cancel: CancellationToken) -> Self {
        self.cancel = Some(cancel);
        self
    }

    /// Reports a step.
    pub async fn report(&self, done: u64, total: Option<u64>, message: impl Into<String>) {
        (self.report)(Step {
            done,
            total,
            message: message.into(),
        })
        .await
    }

    /// Whether the caller cancelled the work.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.as_ref().is_some_and(CancellationToken::is_cancelled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[tokio::test]
    async fn steps_reach_the_callback_in_order_and_cancellation_is_seen() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let ct = CancellationToken::new();
        let p = Progress::new(move |s: Step| {
            let sink = sink.clone();
            async move { sink.lock().unwrap().push((s.done, s.total, s.message)) }
        })
        .with_cancel(ct.clone());
        p.report(1, Some(2), "page 1 of 2").await;
        p.report(2, Some(2), "page 2 of 2").await;
        assert_eq!(
            *seen.lock().unwrap(),
            vec![
                (1, Some(2), "page 1 of 2".to_string()),
                (2, Some(2), "page 2 of 2".to_string())
            ]
        );
        assert!(!p.is_cancelled());
        ct.cancel();
        assert!(p.is_cancelled());
        assert!(!Progress::new(|_| async {}).is_cancelled(), "no token: never cancelled");
        let silent = Progress::silent(ct.clone());
        silent.report(1, None, "nobody listens").await;
        assert!(
            silent.is_cancelled(),
            "a silent progress still carries the cancellation"
        );
    }
}
