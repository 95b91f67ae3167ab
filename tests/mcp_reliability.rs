//! The MCP server under bad input, cancellation and load, spoken to with raw JSON-RPC lines over
//! an in-process pipe (the same rmcp line transport the bin runs over stdio).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use kommo_mcp::api::Client;
use kommo_mcp::config::{validate, RawConfig};
use kommo_mcp::mcp::server::{KommoServer, ServerOptions};
use kommo_mcp::mcp::tools::{is_id_list_name, is_id_name};
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
        let options = ServerOptions {
            read_only,
            toolsets: None,
        };
        Session::start_with(&options, rate).await
    }

    async fn start_with(options: &ServerOptions, rate: Option<f64>) -> Session {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let sandbox = Sandbox::start(SandboxOptions::default()).await.expect("sandbox");
        let config = validate(RawConfig {
            base_url: Some(sandbox.base_url()),
            access_token: Some(sandbox.token().to_string()),
            rate_limit: rate,
            ..RawConfig::default()
        })
        .unwrap();
        let server = KommoServer::new(Client::new(&config).unwrap(), options);
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
async fn malformed_params_of_known_methods_are_invalid_params_errors() {
    let mut s = Session::start(false, None).await;
    let cases = [
        ("tools/call", json!({"name": 42}), "params.name"),
        ("tools/call", json!({}), "name"),
        (
            "tools/call",
            json!({"name": "kommo_get_lead", "arguments": "str"}),
            "params.arguments",
        ),
        ("resources/read", json!({}), "uri"),
        ("prompts/get", json!({"name": []}), "params.name"),
        ("completion/complete", json!({"ref": 5}), "params"),
    ];
    for (i, (method, params, needle)) in cases.iter().enumerate() {
        let id = 10 + i as i64;
        s.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        let resp = s.response(id).await;
        assert_eq!(resp["error"]["code"], -32602, "{method} {params}: {resp}");
        let message = resp["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(method), "{message}");
        assert!(message.contains(needle), "{message:?} should mention {needle}");
    }
    // tools/call without params at all.
    s.send(json!({"jsonrpc": "2.0", "id": 30, "method": "tools/call"}))
        .await;
    let resp = s.response(30).await;
    assert_eq!(resp["error"]["code"], -32602, "{resp}");
    // A method MCP does not define stays "method not found".
    s.send(json!({"jsonrpc": "2.0", "id": 31, "method": "kommo/explode", "params": {}}))
        .await;
    let resp = s.response(31).await;
    assert_eq!(resp["error"]["code"], -32601, "{resp}");
    assert_eq!(s.sandbox.stats().requests, 0);
    let resp = s.tool(32, "kommo_get_lead", json!({"leadId": ANDINA_LEAD_ID})).await;
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
        ("kommo_create_lead", json!({"name": long}), "name"),
        (
            "kommo_create_lead",
            json!({"name": "ok", "contact_ids": [1, 0]}),
            "contact_ids[1]",
        ),
        (
            "kommo_create_lead",
            json!({"name": "ok", "contact_ids": vec![1; 5000]}),
            "contact_ids",
        ),
        (
            "kommo_create_lead",
            json!({"name": "ok", "tags": vec!["t"; 5000]}),
            "tags",
        ),
        (
            "kommo_create_lead",
            json!({"name": "ok", "company_id": -3}),
            "company_id",
        ),
        ("kommo_list_leads", json!({"query": long}), "query"),
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

/// Every tool served with all toolsets, from `tools/list`.
async fn all_tools(s: &mut Session) -> Vec<Value> {
    s.send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})).await;
    let list = s.response(1).await;
    list["result"]["tools"].as_array().cloned().expect("tools")
}

fn schema_type(prop: &Value) -> &str {
    prop["type"].as_str().unwrap_or("any")
}

/// Valid-looking values for a tool's required arguments (the argument under test replaces one).
fn minimal_args(tool: &Value) -> serde_json::Map<String, Value> {
    let schema = &tool["inputSchema"];
    let mut args = serde_json::Map::new();
    for name in schema["required"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap();
        let prop = &schema["properties"][name];
        let value = if let Some(first) = prop["enum"].get(0) {
            first.clone()
        } else {
            match schema_type(prop) {
                "integer" | "number" => json!(1),
                "boolean" => json!(false),
                "array" => json!([]),
                "object" => json!({}),
                _ => json!("x"),
            }
        };
        args.insert(name.to_string(), value);
    }
    args
}

/// Calls `tool` with `args` and asserts an `isError` result that names `arg`.
async fn assert_refused(s: &mut Session, id: i64, tool: &str, args: Value, arg: &str) {
    let shown = truncated(&args);
    let resp = s.tool(id, tool, args).await;
    assert!(is_tool_error(&resp), "{tool} {shown}: {resp}");
    let message = text(&resp);
    assert!(message.contains(arg), "{tool}: {message:?} should name {arg}");
    assert!(
        message.len() < 1000,
        "{tool}: the error quotes too much: {} bytes",
        message.len()
    );
}

/// A tool's name and the properties of its input schema.
fn name_and_properties(tool: &Value) -> (String, serde_json::Map<String, Value>) {
    let name = tool["name"].as_str().unwrap().to_string();
    let props = tool["inputSchema"]["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    (name, props)
}

fn truncated(v: &Value) -> String {
    kommo_mcp::text::truncate_chars(&v.to_string(), 200)
}

#[tokio::test]
async fn every_id_argument_of_every_tool_refuses_zero_and_negative_ids() {
    let mut s = Session::start_with(&ServerOptions::all_tools(), None).await;
    let mut call = 100;
    let mut checked = Vec::new();
    for tool in all_tools(&mut s).await {
        let (name, props) = name_and_properties(&tool);
        for (arg, prop) in &props {
            let bad_values: Vec<Value> = if is_id_name(arg) && matches!(schema_type(prop), "integer" | "any") {
                vec![json!(0), json!(-1)]
            } else if is_id_list_name(arg) && schema_type(prop) == "array" {
                vec![json!([0]), json!([5, -1])]
            } else {
                continue;
            };
            for bad in bad_values {
                let mut args = minimal_args(&tool);
                args.insert(arg.clone(), bad);
                call += 1;
                assert_refused(&mut s, call, &name, Value::Object(args), arg).await;
            }
            checked.push(format!("{name}.{arg}"));
        }
    }
    eprintln!("{} id arguments checked: {checked:?}", checked.len());
    assert!(checked.len() >= 60, "the generator found only {checked:?}");
    for must in [
        "kommo_create_complex_lead.pipeline_id",
        "kommo_accept_unsorted.user_id",
        "kommo_decline_unsorted.user_id",
        "kommo_search_lead.pipeline_id",
        "kommo_list_contacts.responsible_user_id",
        "kommo_list_events.entity_id",
        "kommo_get_select_field_options.leadId",
    ] {
        assert!(checked.iter().any(|c| c == must), "{must} not checked");
    }
    assert_eq!(s.sandbox.stats().requests, 0, "no invalid id reached Kommo");
    let resp = s.tool(1, "kommo_get_lead", json!({"leadId": ANDINA_LEAD_ID})).await;
    assert!(!is_tool_error(&resp), "{resp}");
}

#[tokio::test]
async fn oversized_strings_lists_and_maps_are_refused_for_every_tool() {
    let mut s = Session::start_with(&ServerOptions::all_tools(), None).await;
    let long = "x".repeat(100_000);
    let mut call = 100;
    let mut checked = 0;
    for tool in all_tools(&mut s).await {
        let (name, props) = name_and_properties(&tool);
        for (arg, prop) in &props {
            let bad = match schema_type(prop) {
                "string" | "any" => json!(long),
                "array" => {
                    let item = match schema_type(&prop["items"]) {
                        "integer" | "number" => json!(1),
                        "object" => json!({}),
                        _ => json!("t"),
                    };
                    Value::Array(vec![item; 10_000])
                }
                "object" => Value::Object((0..1000).map(|i| (format!("f{i}"), json!("v"))).collect()),
                _ => continue,
            };
            let mut args = minimal_args(&tool);
            args.insert(arg.clone(), bad);
            call += 1;
            assert_refused(&mut s, call, &name, Value::Object(args), arg).await;
            checked += 1;
        }
    }
    assert!(checked >= 100, "only {checked} arguments checked");
    // Values that are wrong rather than long are quoted back shortly too.
    for (tool, args, arg) in [
        (
            "kommo_list_events",
            json!({"entity": format!("catalog_{long}")}),
            "entity",
        ),
        (
            "kommo_list_events",
            json!({"entity": format!("catalog_{}", "9".repeat(5000))}),
            "entity",
        ),
        ("kommo_list_events", json!({"entity": "catalog_-1"}), "entity"),
        ("kommo_list_events", json!({"entity": "catalog_0"}), "entity"),
        ("kommo_list_events", json!({"entity": "y".repeat(9000)}), "entity"),
        ("kommo_get_lead", json!({"leadId": "z".repeat(9000)}), "leadId"),
        (
            "kommo_add_tags",
            json!({"entity_type": "leads", "entity_id": 5, "tags": vec!["t"; 51]}),
            "tags",
        ),
        (
            "kommo_remove_tags",
            json!({"entity_type": "leads", "entity_id": 5, "tags": vec!["t"; 51]}),
            "tags",
        ),
    ] {
        call += 1;
        assert_refused(&mut s, call, tool, args, arg).await;
    }
    let stats = s.sandbox.stats();
    assert_eq!(
        stats.requests, 0,
        "no oversized value reached Kommo: {:?}",
        stats.by_route
    );
    let resp = s.tool(1, "kommo_get_lead", json!({"leadId": ANDINA_LEAD_ID})).await;
    assert!(!is_tool_error(&resp), "{resp}");
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
