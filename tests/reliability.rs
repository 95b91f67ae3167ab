//! Pacing, retries and the block breaker against the sandbox's fault injection: reads succeed
//! after retries, writes are never duplicated, blocks stop the client.

use std::time::{Duration, Instant};

use kommo_mcp::api::{leads, retry, Client};
use kommo_mcp::config::{validate, KommoConfig, RawConfig};
use kommo_mcp::error::Error;
use kommo_mcp::sandbox::faults::{FaultKind, FaultRule};
use kommo_mcp::sandbox::seed::ANDINA_LEAD_ID;
use kommo_mcp::sandbox::{Sandbox, SandboxOptions};
use serde_json::{json, Map, Value};

async fn sandbox() -> Sandbox {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Sandbox::start(SandboxOptions::default()).await.expect("sandbox starts")
}

fn config(base_url: String, token: &str, rate: Option<f64>) -> KommoConfig {
    validate(RawConfig {
        base_url: Some(base_url),
        access_token: Some(token.to_string()),
        rate_limit: rate,
        ..RawConfig::default()
    })
    .expect("valid config")
}

fn client_with(sb: &Sandbox, token: &str, rate: Option<f64>) -> Client {
    Client::new(&config(sb.base_url(), token, rate)).expect("client")
}

fn client(sb: &Sandbox) -> Client {
    client_with(sb, sb.token(), None)
}

fn count(sb: &Sandbox, route: &str) -> u64 {
    sb.stats().by_route.get(route).copied().unwrap_or(0)
}

const GET_LEAD: &str = "GET /api/v4/leads/{id}";
const POST_LEADS: &str = "POST /api/v4/leads";

fn new_lead(name: &str) -> Map<String, Value> {
    json!({ "name": name }).as_object().cloned().unwrap()
}

fn created_leads(sb: &Sandbox) -> u64 {
    sb.fault_stats().created.get("leads").copied().unwrap_or(0)
}

async fn read_lead(c: &Client) -> Result<String, Error> {
    Ok(leads::get(c, ANDINA_LEAD_ID, &[]).await?.expect("lead exists").name)
}

#[tokio::test]
async fn reads_succeed_after_a_burst_of_429_html_pages_without_retry_after() {
    let sb = sandbox().await;
    sb.inject(FaultRule::status(429).times(3));
    let name = read_lead(&client(&sb)).await.expect("read succeeds after retries");
    assert!(!name.is_empty());
    assert_eq!(count(&sb, GET_LEAD), 4, "three 429s, then the answer");
}

#[tokio::test]
async fn retry_after_is_honoured_on_503() {
    let sb = sandbox().await;
    let mut rule = FaultRule::status(503).times(1);
    rule.retry_after = Some(1);
    sb.inject(rule);
    let started = Instant::now();
    read_lead(&client(&sb)).await.expect("read succeeds");
    assert!(started.elapsed() >= Duration::from_secs(1), "{:?}", started.elapsed());
    assert_eq!(count(&sb, GET_LEAD), 2);
}

#[tokio::test]
async fn reads_succeed_after_5xx_and_html_gateway_pages() {
    let sb = sandbox().await;
    sb.inject(FaultRule::status(500).times(1));
    sb.inject(FaultRule::new(FaultKind::Html).times(1));
    sb.inject(FaultRule::status(504).times(1));
    read_lead(&client(&sb)).await.expect("read succeeds");
    assert_eq!(count(&sb, GET_LEAD), 4);
}

#[tokio::test]
async fn reads_succeed_after_connection_resets() {
    let sb = sandbox().await;
    sb.inject(FaultRule::new(FaultKind::Reset).times(2));
    read_lead(&client(&sb)).await.expect("read succeeds");
    assert_eq!(count(&sb, GET_LEAD), 3);
}

#[tokio::test]
async fn reads_succeed_after_malformed_json() {
    let sb = sandbox().await;
    sb.inject(FaultRule::new(FaultKind::Malformed).times(2));
    read_lead(&client(&sb)).await.expect("read succeeds");
    assert_eq!(count(&sb, GET_LEAD), 3);
}

#[tokio::test]
async fn reads_succeed_through_added_latency_and_slow_bodies() {
    let sb = sandbox().await;
    sb.inject(FaultRule::latency(300).times(1));
    let mut slow = FaultRule::new(FaultKind::SlowBody).times(1);
    slow.latency_ms = Some(50);
    sb.inject(slow);
    let c = client(&sb);
    let started = Instant::now();
    read_lead(&c).await.expect("slow read");
    assert!(started.elapsed() >= Duration::from_millis(300));
    let started = Instant::now();
    read_lead(&c).await.expect("slow body read");
    assert!(started.elapsed() >= Duration::from_millis(400), "8 pieces 50 ms apart");
    assert_eq!(count(&sb, GET_LEAD), 2, "no retry needed");
    assert_eq!(sb.fault_stats().dropped, 0);
}

#[tokio::test]
async fn retries_are_bounded_and_the_last_error_is_explained() {
    let sb = sandbox().await;
    sb.inject(FaultRule::status(429));
    let started = Instant::now();
    let err = read_lead(&client(&sb)).await.expect_err("keeps failing");
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    assert!(err.to_string().contains("7 requests per second"));
    assert_eq!(count(&sb, GET_LEAD), 5, "first attempt and four retries");
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test]
async fn a_create_whose_answer_is_cut_is_not_resent_and_says_the_outcome_is_unknown() {
    let sb = sandbox().await;
    sb.inject(FaultRule::new(FaultKind::Reset).method("POST").times(1));
    let err = leads::create_one(&client(&sb), new_lead("Reset order"))
        .await
        .expect_err("outcome unknown");
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("outcome of POST /api/v4/leads is unknown"), "{text}");
    assert!(text.contains("search for them"), "{text}");
    assert_eq!(count(&sb, POST_LEADS), 1, "never resent");
    assert_eq!(created_leads(&sb), 1, "Kommo created it exactly once");
}

#[tokio::test]
async fn a_create_with_a_malformed_answer_is_not_resent() {
    let sb = sandbox().await;
    sb.inject(FaultRule::new(FaultKind::Malformed).method("POST").times(1));
    let results = leads::create(&client(&sb), vec![new_lead("A"), new_lead("B")])
        .await
        .expect("per-item results");
    assert!(results.iter().all(|r| !r.success));
    let message = results[0].error.as_deref().unwrap_or_default();
    assert!(message.contains("unknown"), "{message}");
    assert_eq!(count(&sb, POST_LEADS), 1);
    assert_eq!(created_leads(&sb), 2);
}

#[tokio::test]
async fn a_create_is_not_resent_after_a_500_or_a_gateway_timeout() {
    let sb = sandbox().await;
    sb.inject(FaultRule::status(500).method("POST").times(1));
    let c = client(&sb);
    let err = leads::create_one(&c, new_lead("X")).await.expect_err("500");
    assert!(matches!(err, Error::Status { status: 500, .. }), "{err:?}");
    sb.inject(FaultRule::status(504).method("POST").times(1));
    let err = leads::create_one(&c, new_lead("Y")).await.expect_err("504");
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    assert_eq!(count(&sb, POST_LEADS), 2);
    assert_eq!(created_leads(&sb), 0);
}

#[tokio::test]
async fn a_create_refused_with_429_is_retried_and_created_once() {
    let sb = sandbox().await;
    sb.inject(FaultRule::status(429).method("POST").times(2));
    let id = leads::create_one(&client(&sb), new_lead("Paced order"))
        .await
        .expect("created after retries");
    assert!(id > 0);
    assert_eq!(count(&sb, POST_LEADS), 3);
    assert_eq!(created_leads(&sb), 1);
}

#[tokio::test]
async fn an_update_is_retried_after_a_reset_because_patch_is_idempotent() {
    let sb = sandbox().await;
    sb.inject(FaultRule::new(FaultKind::Reset).method("PATCH").times(1));
    let c = client(&sb);
    let changes = json!({ "price": 4242 }).as_object().cloned().unwrap();
    leads::update_one(&c, ANDINA_LEAD_ID, changes)
        .await
        .expect("update succeeds");
    assert_eq!(count(&sb, "PATCH /api/v4/leads/{id}"), 2);
    let lead = leads::get(&c, ANDINA_LEAD_ID, &[]).await.unwrap().unwrap();
    assert_eq!(lead.price, Some(4242.0));
}

#[tokio::test]
async fn a_block_page_stops_every_request_to_the_account() {
    let sb = sandbox().await;
    sb.inject(FaultRule::status(403).times(1));
    let c = client(&sb);
    let err = read_lead(&c).await.expect_err("blocked");
    assert!(matches!(err, Error::Blocked { .. }), "{err:?}");
    let before = sb.stats().requests;
    let err = read_lead(&c).await.expect_err("held back");
    assert!(matches!(err, Error::SendingPaused { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.starts_with("not sent: Kommo blocked"), "{text}");
    assert!(
        text.contains("contact Kommo support") || text.contains("Contact Kommo support"),
        "{text}"
    );
    // Another token of the same account is held back too, writes included.
    let other = client_with(&sb, "another-token", Some(50.0));
    let err = leads::create_one(&other, new_lead("Z")).await.expect_err("held back");
    assert!(matches!(err, Error::SendingPaused { .. }), "{err:?}");
    assert_eq!(sb.stats().requests, before, "nothing reached the sandbox");
    assert_eq!(err.status(), Some(403));
}

#[tokio::test]
async fn paced_clients_never_exceed_the_enforced_limit() {
    let sb = sandbox().await;
    sb.enforce_rate_limit(7, Some(3));
    let c = client_with(&sb, sb.token(), Some(7.0));
    let started = Instant::now();
    let calls = (0..21).map(|_| {
        let c = c.clone();
        async move { read_lead(&c).await }
    });
    let results = futures::future::join_all(calls).await;
    assert!(
        results.iter().all(Result::is_ok),
        "{:?}",
        results.iter().find(|r| r.is_err())
    );
    let stats = sb.fault_stats();
    assert!(stats.max_per_second <= 7, "{stats:?}");
    assert_eq!(stats.rate_limited, 0);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "21 requests at 7/s take about 3 s"
    );
}

#[tokio::test]
async fn unpaced_bursts_get_429_html_then_a_403_block_from_the_enforcer() {
    let sb = sandbox().await;
    sb.enforce_rate_limit(2, Some(2));
    let http = reqwest::Client::new();
    let url = format!("{}/api/v4/leads/{ANDINA_LEAD_ID}", sb.base_url());
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let r = http.get(&url).bearer_auth(sb.token()).send().await.unwrap();
        assert!(r.headers().get("retry-after").is_none());
        let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string());
        let status = r.status().as_u16();
        if status != 200 {
            assert_eq!(ct.as_deref(), Some("text/html"));
            assert!(r.text().await.unwrap().contains("nginx"));
        }
        statuses.push(status);
    }
    assert_eq!(statuses, [200, 200, 429, 429, 403, 403]);
    let stats = sb.fault_stats();
    assert_eq!((stats.rate_limited, stats.blocked), (2, 2));
    sb.clear_faults();
    let r = http.get(&url).bearer_auth(sb.token()).send().await.unwrap();
    assert_eq!(r.status(), 200, "clearing the faults lifts the block");
}

#[tokio::test]
async fn faults_can_be_set_over_http() {
    let sb = sandbox().await;
    let http = reqwest::Client::new();
    let control = format!("{}/__sandbox/faults", sb.base_url());
    let r = http
        .post(&control)
        .json(&json!({"rules": [{"kind": "status", "status": 503, "times": 1, "path": "/api/v4/leads"}], "rate_limit": {"per_second": 7}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let state: Value = http.get(&control).send().await.unwrap().json().await.unwrap();
    assert_eq!(state["rules"][0]["status"], 503);
    assert_eq!(state["rate_limit"]["per_second"], 7);
    let url = format!("{}/api/v4/leads/{ANDINA_LEAD_ID}", sb.base_url());
    let r = http.get(&url).bearer_auth(sb.token()).send().await.unwrap();
    assert_eq!(r.status(), 503);
    let bad = http
        .post(&control)
        .json(&json!({"rules": [{"kind": "status"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert_eq!(http.delete(&control).send().await.unwrap().status(), 204);
    let state: Value = http.get(&control).send().await.unwrap().json().await.unwrap();
    assert_eq!(state["rules"], json!([]));
    assert_eq!(state["rate_limit"], Value::Null);
}

fn client_with_timeout(sb: &Sandbox, timeout: Duration) -> Client {
    Client::with_limits(
        &config(sb.base_url(), sb.token(), None),
        timeout,
        retry::Policy::default(),
    )
    .expect("client")
}

fn slow_body(gap_ms: u64) -> FaultRule {
    let mut rule = FaultRule::new(FaultKind::SlowBody).times(1);
    rule.latency_ms = Some(gap_ms);
    rule
}

#[tokio::test]
async fn a_read_that_times_out_is_retried_and_succeeds() {
    let sb = sandbox().await;
    // 8 pieces 150 ms apart: 1.2 s, against a 400 ms allowance per attempt.
    sb.inject(slow_body(150));
    let c = client_with_timeout(&sb, Duration::from_millis(400));
    let started = Instant::now();
    read_lead(&c).await.expect("the retry succeeds");
    assert_eq!(count(&sb, GET_LEAD), 2, "timed out once, then answered");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_create_that_times_out_is_not_resent_and_says_how_to_check() {
    let sb = sandbox().await;
    sb.inject(slow_body(150).method("POST"));
    let c = client_with_timeout(&sb, Duration::from_millis(400));
    let err = leads::create_one(&c, new_lead("Slow order"))
        .await
        .expect_err("no answer in time");
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("unknown") && text.contains("search for them"), "{text}");
    assert_eq!(count(&sb, POST_LEADS), 1, "never resent");
    assert_eq!(created_leads(&sb), 1, "Kommo created it once");
}

#[tokio::test]
async fn a_request_that_never_answers_times_out_with_a_clear_error() {
    let sb = sandbox().await;
    sb.inject(FaultRule::latency(5_000));
    let config = config(sb.base_url(), sb.token(), None);
    let policy = retry::Policy {
        max_total: Duration::from_millis(1_500),
        ..retry::Policy::default()
    };
    let c = Client::with_limits(&config, Duration::from_millis(300), policy).unwrap();
    let started = Instant::now();
    let err = read_lead(&c).await.expect_err("times out");
    let elapsed = started.elapsed();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.to_string().contains("did not answer GET /api/v4/leads/"), "{err}");
    assert!(err.to_string().contains("within 300 ms"), "{err}");
    assert!(
        elapsed < Duration::from_millis(2_500),
        "retries end within the total bound: {elapsed:?}"
    );
    assert!(count(&sb, GET_LEAD) >= 2, "the read was retried");
}

#[tokio::test]
async fn creates_under_latency_slow_bodies_html_pages_and_503_are_written_exactly_once() {
    let sb = sandbox().await;
    let c = client(&sb);
    sb.inject(FaultRule::latency(300).method("POST").times(1));
    leads::create_one(&c, new_lead("Latency")).await.expect("created");
    sb.inject(slow_body(30).method("POST"));
    leads::create_one(&c, new_lead("Slow body")).await.expect("created");
    sb.inject(FaultRule::status(503).method("POST").times(2));
    leads::create_one(&c, new_lead("After 503s"))
        .await
        .expect("created after retries");
    assert_eq!(created_leads(&sb), 3);
    assert_eq!(count(&sb, POST_LEADS), 5, "two 503s resent, nothing else");
    sb.inject(FaultRule::new(FaultKind::Html).method("POST").times(1));
    let err = leads::create_one(&c, new_lead("Gateway page"))
        .await
        .expect_err("502 page");
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    assert_eq!(count(&sb, POST_LEADS), 6, "a gateway page is never resent");
    assert_eq!(created_leads(&sb), 3, "the page came instead of the work");
}

#[tokio::test]
async fn a_block_page_also_stops_the_requests_already_waiting_for_their_turn() {
    let sb = sandbox().await;
    sb.inject(FaultRule::status(403));
    let c = client_with(&sb, sb.token(), Some(4.0));
    let calls = (0..12).map(|_| {
        let c = c.clone();
        async move { read_lead(&c).await }
    });
    let results = futures::future::join_all(calls).await;
    let blocked = results
        .iter()
        .filter(|r| matches!(r, Err(Error::Blocked { .. })))
        .count();
    let paused = results
        .iter()
        .filter(|r| matches!(r, Err(Error::SendingPaused { .. })))
        .count();
    assert_eq!((blocked, paused), (1, 11), "{results:?}");
    assert_eq!(count(&sb, GET_LEAD), 1, "one block page, nothing sent after it");
}

#[tokio::test]
async fn clients_of_one_account_asking_different_rates_share_the_slowest() {
    let sb = sandbox().await;
    sb.enforce_rate_limit(5, Some(3));
    let six = client_with(&sb, sb.token(), Some(6.0));
    let five = client_with(&sb, sb.token(), Some(5.0));
    let calls = (0..16).map(|i| {
        let c = if i % 2 == 0 { six.clone() } else { five.clone() };
        async move { read_lead(&c).await.map(|_| ()) }
    });
    let results = futures::future::join_all(calls).await;
    let stats = sb.fault_stats();
    assert_eq!(stats.rate_limited, 0, "{stats:?} {results:?}");
    assert!(stats.max_per_second <= 5, "{stats:?}");
}

#[tokio::test]
async fn an_answer_larger_than_the_cap_is_refused_without_reading_it() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1073741824\r\n\r\n[";
                let _ = sock.write_all(head.as_bytes()).await;
                tokio::time::sleep(Duration::from_secs(5)).await;
            });
        }
    });
    let config = config(format!("http://{addr}"), "t", None);
    let policy = retry::Policy {
        max_retries: 0,
        ..retry::Policy::default()
    };
    let c = Client::with_limits(&config, Duration::from_secs(3), policy).unwrap();
    let started = Instant::now();
    let err = read_lead(&c).await.expect_err("refused");
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
    assert!(err.to_string().contains("larger than 32 MB"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "not read: {:?}",
        started.elapsed()
    );
}
