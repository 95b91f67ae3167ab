//! Progress and cancellation of long work against the sandbox: every page of a listing, and a
//! batch write of several requests. One report per request, in order; once cancelled, no
//! further request is sent.

use std::sync::{Arc, Mutex};

use kommo_mcp::api::list::{list, ListOptions};
use kommo_mcp::api::progress::{Progress, Step};
use kommo_mcp::api::write::batch_with_progress;
use kommo_mcp::api::{Client, Query};
use kommo_mcp::config::{validate, RawConfig};
use kommo_mcp::error::Error;
use kommo_mcp::sandbox::seed::LEAD_COUNT;
use kommo_mcp::sandbox::{Sandbox, SandboxOptions};
use reqwest::Method;
use serde_json::{json, Map, Value};
use tokio_util::sync::CancellationToken;

async fn start() -> (Sandbox, Client) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sandbox = Sandbox::start(SandboxOptions::default()).await.expect("sandbox");
    let config = validate(RawConfig {
        base_url: Some(sandbox.base_url()),
        access_token: Some(sandbox.token().to_string()),
        ..RawConfig::default()
    })
    .expect("config");
    (sandbox, Client::new(&config).expect("client"))
}

/// A progress that records every step, and cancels `ct` after `cancel_after` steps.
fn recorder(ct: &CancellationToken, cancel_after: Option<usize>) -> (Progress, Arc<Mutex<Vec<Step>>>) {
    let steps = Arc::new(Mutex::new(Vec::new()));
    let sink = steps.clone();
    let cancel = ct.clone();
    let p = Progress::new(move |s: Step| {
        let sink = sink.clone();
        let cancel = cancel.clone();
        async move {
            let n = {
                let mut v = sink.lock().unwrap();
                v.push(s);
                v.len()
            };
            if cancel_after == Some(n) {
                cancel.cancel();
            }
        }
    })
    .with_cancel(ct.clone());
    (p, steps)
}

fn lead_pages(sandbox: &Sandbox) -> u64 {
    sandbox.stats().by_route.get("GET /api/v4/leads").copied().unwrap_or(0)
}

#[tokio::test]
async fn an_all_pages_listing_reports_each_page_in_order() {
    let (sandbox, client) = start().await;
    let ct = CancellationToken::new();
    let (progress, steps) = recorder(&ct, None);
    let opts = ListOptions {
        limit: Some(50),
        all_pages: true,
        progress: Some(progress),
        ..ListOptions::default()
    };
    let listing = list::<Value>(&client, "leads", "leads", Query::new(), &opts)
        .await
        .unwrap();
    assert_eq!(listing.items.len(), LEAD_COUNT);
    let steps = steps.lock().unwrap().clone();
    let done: Vec<u64> = steps.iter().map(|s| s.done).collect();
    assert_eq!(done, [1, 2, 3], "{steps:?}");
    assert_eq!(
        steps.last().unwrap().total,
        Some(3),
        "the last page makes the total known"
    );
    assert_eq!(steps[0].message, "read page 1: 50 leads so far");
    assert_eq!(steps[2].message, "read page 3 of 3: 150 leads so far");
    assert_eq!(lead_pages(&sandbox), 3);
}

#[tokio::test]
async fn a_single_page_listing_reports_nothing() {
    let (_sandbox, client) = start().await;
    let ct = CancellationToken::new();
    let (progress, steps) = recorder(&ct, None);
    let opts = ListOptions {
        limit: Some(50),
        progress: Some(progress),
        ..ListOptions::default()
    };
    let listing = list::<Value>(&client, "leads", "leads", Query::new(), &opts)
        .await
        .unwrap();
    assert_eq!(listing.items.len(), 50);
    assert!(steps.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_cancelled_listing_stops_before_the_next_page() {
    let (sandbox, client) = start().await;
    let ct = CancellationToken::new();
    let (progress, _steps) = recorder(&ct, Some(1));
    let opts = ListOptions {
        limit: Some(50),
        all_pages: true,
        progress: Some(progress),
        ..ListOptions::default()
    };
    let err = list::<Value>(&client, "leads", "leads", Query::new(), &opts)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled { .. }), "{err}");
    assert!(err.to_string().contains("after 1 pages"), "{err}");
    assert_eq!(lead_pages(&sandbox), 1, "no page requested after the cancellation");
}

fn new_leads(n: usize) -> Vec<Map<String, Value>> {
    (0..n)
        .map(|i| match json!({ "name": format!("Batch lead {i}") }) {
            Value::Object(m) => m,
            _ => unreachable!(),
        })
        .collect()
}

#[tokio::test]
async fn a_batch_reports_after_each_request_of_250() {
    let (sandbox, client) = start().await;
    let ct = CancellationToken::new();
    let (progress, steps) = recorder(&ct, None);
    let results = batch_with_progress(&client, Method::POST, "leads", "leads", new_leads(600), Some(&progress))
        .await
        .unwrap();
    assert!(results.iter().all(|r| r.success), "every lead created");
    let steps = steps.lock().unwrap().clone();
    let seen: Vec<(u64, Option<u64>)> = steps.iter().map(|s| (s.done, s.total)).collect();
    assert_eq!(seen, [(250, Some(600)), (500, Some(600)), (600, Some(600))]);
    assert_eq!(steps[1].message, "request 2 of 3: 500 of 600 items sent");
    assert_eq!(sandbox.stats().by_route.get("POST /api/v4/leads").copied(), Some(3));
}

#[tokio::test]
async fn a_cancelled_batch_sends_no_further_request_and_says_which_items_were_not_sent() {
    let (sandbox, client) = start().await;
    let ct = CancellationToken::new();
    let (progress, steps) = recorder(&ct, Some(1));
    let results = batch_with_progress(&client, Method::POST, "leads", "leads", new_leads(600), Some(&progress))
        .await
        .unwrap();
    assert!(results[..250].iter().all(|r| r.success));
    for r in &results[250..] {
        assert!(!r.success);
        assert!(r.error.as_deref().unwrap_or_default().contains("cancelled"), "{r:?}");
    }
    assert_eq!(steps.lock().unwrap().len(), 1);
    assert_eq!(sandbox.stats().by_route.get("POST /api/v4/leads").copied(), Some(1));
}
