//! Resources, prompts and completions against the sandbox: metadata comes from the account's
//! cache (a second read costs no request), and Kommo failures become clear JSON-RPC errors.

use kommo_mcp::api::Client;
use kommo_mcp::config::{validate, RawConfig};
use kommo_mcp::mcp::{completion, prompts, resources};
use kommo_mcp::sandbox::faults::{FaultKind, FaultRule};
use kommo_mcp::sandbox::{Sandbox, SandboxOptions};
use rmcp::model::{CompletionContext, ErrorCode, Reference, ResourceContents};

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

fn text(c: ResourceContents) -> String {
    match c {
        ResourceContents::TextResourceContents { text, .. } => text,
        other => panic!("not text: {other:?}"),
    }
}

fn hits(sandbox: &Sandbox, route: &str) -> u64 {
    sandbox.stats().by_route.get(route).copied().unwrap_or(0)
}

#[tokio::test]
async fn metadata_resources_are_served_from_the_cache_on_a_second_read() {
    let (sandbox, client) = start().await;
    for _ in 0..2 {
        let account = text(resources::read(&client, "kommo://account").await.unwrap());
        assert!(account.contains("- Timezone: America/Bogota"), "{account}");
        let ps = text(resources::read(&client, "kommo://pipelines").await.unwrap());
        assert!(ps.contains("Ventas #7000001 (main)"), "{ps}");
        let fields = text(resources::read(&client, "kommo://custom-fields/leads").await.unwrap());
        assert!(fields.contains("Fuente #1000021 · select"), "{fields}");
    }
    assert_eq!(hits(&sandbox, "GET /api/v4/account"), 1);
    assert_eq!(hits(&sandbox, "GET /api/v4/leads/pipelines"), 1);
    assert_eq!(hits(&sandbox, "GET /api/v4/users"), 1);
    assert_eq!(hits(&sandbox, "GET /api/v4/leads/custom_fields"), 1);
    // Completions and prompts reuse the same entries: no further request.
    let reference = Reference::for_prompt("summarize_pipeline");
    let ctx = CompletionContext::with_arguments([("pipeline".to_string(), "partners".to_string())].into());
    let all: Vec<&str> = kommo_mcp::mcp::tools::all().iter().map(|t| t.name).collect();
    let stages = completion::complete(&client, &reference, "stage", "", Some(&ctx), &all)
        .await
        .unwrap();
    assert_eq!(
        stages.values,
        [
            "Prospecto",
            "Evaluación",
            "Acuerdo firmado",
            "Closed - won",
            "Closed - lost"
        ]
    );
    let args = serde_json::json!({ "pipeline": "Soporte" });
    let p = prompts::get(&client, "summarize_pipeline", args.as_object(), &all)
        .await
        .unwrap();
    assert_eq!(p.messages.len(), 1);
    assert_eq!(hits(&sandbox, "GET /api/v4/leads/pipelines"), 1);
}

#[tokio::test]
async fn a_kommo_failure_is_an_internal_error_saying_what_failed() {
    let (sandbox, client) = start().await;
    let mut rule = FaultRule::new(FaultKind::Status);
    rule.status = Some(500);
    sandbox.inject(rule);
    let e = resources::read(&client, "kommo://users").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::INTERNAL_ERROR);
    assert!(
        e.message
            .contains("could not read kommo://users from Kommo: Kommo answered HTTP 500"),
        "{}",
        e.message
    );
    let e = resources::read(&client, "kommo://leads/10000001").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::INTERNAL_ERROR, "{}", e.message);
    sandbox.clear_faults();
    // A missing record is "resource not found", once Kommo answers again.
    let e = resources::read(&client, "kommo://companies/39999999")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::RESOURCE_NOT_FOUND);
    assert!(e.message.contains("no company with this id"), "{}", e.message);
}
