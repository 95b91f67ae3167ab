//! The MCP server under bad input, cancellation and load, spoken to with raw JSON-RPC lines over
//! an in-process pipe (the same rmcp line transport the bin runs over stdio).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use kommo_mcp::api::Client;
use kommo_mcp::config::{validate, RawConfig};
use kommo_mcp::mcp::server::{KommoServer, ServerOptions};
use kommo_mcp::sandbox::faults::FaultRule;
use kommo_mcp::sandbox::seed::ANDINA_LEAD_ID;
use kommo_mcp::sandbox::{Sandbox, SandboxOptions};
use rmcp::ServiceExt;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

struct Session {
    sandbox: Sandbox,
    write: tokio::io::WriteHalf<tokio::io::DuplexStream>,
    lines: mpsc::UnboundedReceiver<Value>,
    stash: HashMap<i64, Value>,
}

impl Session {
    async fn start(read_only: bool, rate: Option<f64>) -> Session {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let sandbox = Sandbox::start(SandboxOptions::default()).await.expect("sandbox");
        let config = validate(RawConfig {
            base_url: Some(sandbox.base_url()),
            access_token: Some(sandbox.token().to_string()),
            rate_limit: rate,
            ..RawConfig::default()
        })
        .unwrap();
        let server = KommoServer::new(
            Client::new(&config).unwrap(),
            &ServerOptions {
                read_only,
                toolsets: None,
            },
        );
        let (client_io, server_io) = tokio::io::duplex(1 << 20);
        tokio::spawn(async move {
            let running = server.serve(tokio::io::split(server_io)).await.expect("session starts");
            let _ = running.waiting().await;
        });
        let (read, write) = tokio::io::split(client_io);
        let (tx, lines) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut reader = BufReader::new(read).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                let value: Value = serde_json::from_str(&line).expect("the server writes JSON lines");
                if tx.send(value).is_err() {
                    break;
                }
            }
        });
        let mut s = Session {
            sandbox,
            write,
            lines,
            stash: HashMap::new(),
        };
        s.send(json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "0"}}}))
            .await;
        s.response(0).await;
        s.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        s
    }

    async fn raw(&mut self, line: &str) {
        self.write.write_all(line.as_bytes()).await.unwrap();
        self.write.write_all(b"\n").await.unwrap();
    }

    async fn send(&mut self, msg: Value) {
        self.raw(&msg.to_string()).await;
    }

    async fn call(&mut self, id: i64, name: &str, args: Value) {
        self.send(
            json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": args}}),
        )
        .await;
    }

    /// The response with this id (other messages are kept for later).
    async fn response(&mut self, id: i64) -> Value {
        if let Some(v) = self.stash.remove(&id) {
            return v;
        }
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(60), self.lines.recv())
                .await
                .expect("a response in time")
                .expect("the server is still up");
            match msg.get("id").and_then(Value::as_i64) {
                Some(i) if i == id => return msg,
                Some(i) => {
                    self.stash.insert(i, msg);
                }
                None => {}
            }
        }
    }

    async fn tool(&mut self, id: i64, name: &str, args: Value) -> Value {
        self.call(id, name, args).await;
        self.response(id).await
    }
}

fn text(resp: &Value) -> String {
    resp["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn is_tool_error(resp: &Value) -> bool {
    resp["result"]["isError"] == json!(true)
}

#[tokio::test]
async fn malformed_json_rpc_lines_never_end_the_session() {
    let mut s = Session::start(false, None).await;
    for garbage in [
        "this is not json",
        "{\"jsonrpc\": \"2.0\", \"id\": 5, \"method\": ",
        "[1, 2, 3]",
        "{\"jsonrpc\": \"2.0\", \"id\": 6, \"method\": 42}",
        "null",
        "\u{0}\u{1}\u{2}",
        &"x".repeat(100_000),
    ] {
        s.raw(garbage).await;
    }
    // Some garbage gets a JSON-RPC error answer, some is ignored; the session keeps serving.
    s.send(json!({"jsonrpc": "2.0", "id": 7, "method": "tools/list"})).await;
    let list = s.response(7).await;
    assert!(
        list["result"]["tools"].as_array().is_some_and(|t| !t.is_empty()),
        "{list}"
    );
    let resp = s.tool(8, "kommo_get_lead", json!({"leadId": ANDINA_LEAD_ID})).await;
    assert!(!is_tool_error(&resp), "{resp}");
}

#[tokio::test]
async fn an_unknown_tool_is_an_invalid_params_error() {
    let mut s = Session::start(false, None).await;
    let resp = s.tool(1, "kommo_delete_everything", json!({})).await;
    assert_eq!(resp["error"]["code"], -32602, "{resp}");
    assert!(resp["error"]["message"].as_str().unwrap().contains("kommo_get_lead"));
}

#[tokio::test]
async fn bad_arguments_are_tool_errors_and_never_reach_kommo() {
    let mut s = Session::start(false, None).await;
    let long = "x".repeat(100_000);
    let cases = [
        ("kommo_get_lead", json!({"leadId": "abc"}), "leadId"),
        ("kommo_get_lead", json!({}), "leadId"),
        ("kommo_get_lead", json!({"leadId": 0}), "positive"),
        ("kommo_get_lead", json!({"leadId": -5}), "positive"),
        ("kommo_get_lead", json!({"leadId": 1.5}), "leadId"),
        ("kommo_get_lead", json!({"leadId": 1, "extra": true}), "extra"),
        ("kommo_update_lead", json!({"leadId": 0, "status_id": 142}), "positive"),
        (
            "kommo_update_lead",
            json!({"leadId": 5, "pipeline_id": -1}),
            "pipeline_id",
        ),
        ("kommo_create_lead", json!({"name": long}), "at most 255"),
        (
            "kommo_create_lead",
            json!({"name": "ok", "contact_ids": [1, 0]}),
            "contact_ids[1]",
        ),
        (
            "kommo_create_lead",
            json!({"name": "ok", "contact_ids": vec![1; 5000]}),
            "at most 50",
        ),
        (
            "kommo_create_lead",
            json!({"name": "ok", "tags": vec!["t"; 5000]}),
            "at most 50",
        ),
        (
            "kommo_create_lead",
            json!({"name": "ok", "company_id": -3}),
            "company_id",
        ),
        ("kommo_list_leads", json!({"query": long}), "at most 200"),
        ("kommo_list_leads", json!({"pipeline_id": 0}), "pipeline_id"),
        ("kommo_search_contact_by_phone", json!({"phone": long}), "phone"),
        (
            "kommo_search_contact_by_phone",
            json!({"phone": 573001234567i64}),
            "phone",
        ),
    ];
    for (i, (tool, args, needle)) in cases.iter().enumerate() {
        let resp = s.tool(100 + i as i64, tool, args.clone()).await;
        let ok = is_tool_error(&resp) || resp["error"]["code"] == -32602;
        assert!(ok, "{tool} {args}: {resp}");
        let message = if is_tool_error(&resp) {
            text(&resp)
        } else {
            resp["error"]["message"].as_str().unwrap_or_default().to_string()
        };
        assert!(message.contains(needle), "{tool}: {message:?} should mention {needle}");
    }
    assert_eq!(s.sandbox.stats().requests, 0, "no invalid request reached Kommo");
}

#[tokio::test]
async fn read_only_mode_neither_lists_nor_runs_write_tools() {
    let mut s = Session::start(true, None).await;
    s.send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})).await;
    let list = s.response(1).await;
    let names: Vec<&str> = list["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(names.contains(&"kommo_get_lead"));
    assert!(
        !names.iter().any(|n| n.contains("create") || n.contains("update")),
        "{names:?}"
    );
    for (id, tool) in [(2, "kommo_create_lead"), (3, "kommo_update_lead")] {
        let resp = s.tool(id, tool, json!({"name": "x", "leadId": ANDINA_LEAD_ID})).await;
        assert_eq!(resp["error"]["code"], -32602, "{resp}");
    }
    assert_eq!(s.sandbox.stats().requests, 0);
}

#[tokio::test]
async fn cancelling_a_call_drops_its_in_flight_kommo_request() {
    let mut s = Session::start(false, None).await;
    s.sandbox.inject(FaultRule::latency(3000).path("/api/v4/leads/"));
    s.call(1, "kommo_get_lead", json!({"leadId": ANDINA_LEAD_ID})).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        s.sandbox.stats().by_route.get("GET /api/v4/leads/{id}"),
        Some(&1),
        "request in flight"
    );
    s.send(
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1, "reason": "user"}}),
    )
    .await;
    // The sandbox sees the client go away while it is still waiting to answer.
    let deadline = Instant::now() + Duration::from_secs(2);
    while s.sandbox.fault_stats().dropped == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        s.sandbox.fault_stats().dropped,
        1,
        "the in-flight request was abandoned"
    );
    // The session still serves.
    s.sandbox.clear_faults();
    let resp = s.tool(2, "kommo_get_lead", json!({"leadId": ANDINA_LEAD_ID})).await;
    assert!(!is_tool_error(&resp), "{resp}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_calls_succeed_under_an_enforced_limit_of_7_per_second() {
    let mut s = Session::start(false, Some(7.0)).await;
    s.sandbox.enforce_rate_limit(7, Some(3));
    let started = Instant::now();
    for id in 1..=200 {
        s.call(id, "kommo_get_lead", json!({"leadId": ANDINA_LEAD_ID})).await;
    }
    for id in 1..=200 {
        let resp = s.response(id).await;
        assert!(!is_tool_error(&resp), "call {id}: {resp}");
        assert!(text(&resp).contains(&ANDINA_LEAD_ID.to_string()), "{resp}");
    }
    let elapsed = started.elapsed();
    let stats = s.sandbox.fault_stats();
    eprintln!("200 calls in {elapsed:?}; sandbox: {stats:?}");
    assert!(stats.max_per_second <= 7, "{stats:?}");
    assert_eq!((stats.rate_limited, stats.blocked), (0, 0));
}
