//! Task, note, account, user, event, incoming-lead, loss-reason and source tools, run through the
//! MCP server against the sandbox; each test checks the text the model reads and the structured
//! content.

use kommo_mcp::api::Client;
use kommo_mcp::config::{self, RawConfig};
use kommo_mcp::mcp::server::{KommoServer, ServerOptions};
use kommo_mcp::sandbox::activity::FIRST_TASK_ID;
use kommo_mcp::sandbox::seed::{
    ANDINA_COMPANY_ID, ANDINA_LEAD_ID, JUAN_PEREZ_ID, MANAGER_USER_ID, VENTAS_CONTACTO_INICIAL_STATUS_ID,
    VENTAS_NEGOCIACION_STATUS_ID,
};
use kommo_mcp::sandbox::{Sandbox, SandboxOptions};
use serde_json::{json, Value};

struct Env {
    _sandbox: Sandbox,
    server: KommoServer,
}

struct Out {
    text: String,
    data: Value,
    is_error: bool,
}

async fn env() -> Env {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sandbox = Sandbox::start(SandboxOptions::default()).await.expect("sandbox starts");
    let cfg = config::validate(RawConfig {
        base_url: Some(sandbox.base_url()),
        access_token: Some(sandbox.token().to_string()),
        ..Default::default()
    })
    .expect("sandbox config is valid");
    let client = Client::new(&cfg).expect("client");
    let server = KommoServer::new(client, &ServerOptions::all_tools());
    Env {
        _sandbox: sandbox,
        server,
    }
}

impl Env {
    async fn call(&self, name: &str, args: Value) -> Out {
        let Value::Object(args) = args else {
            panic!("args must be an object")
        };
        let r = self
            .server
            .run(name, args)
            .await
            .unwrap_or_else(|| panic!("{name} exists"));
        Out {
            text: r
                .content
                .iter()
                .filter_map(|c| c.as_text().map(|t| t.text.clone()))
                .collect::<Vec<_>>()
                .join("\n"),
            data: r.structured_content.unwrap_or(Value::Null),
            is_error: r.is_error.unwrap_or(false),
        }
    }
}

fn ok(o: &Out) {
    assert!(!o.is_error, "tool failed: {}", o.text);
    assert!(!o.text.contains('{'), "no raw JSON for the model: {}", o.text);
}

#[tokio::test]
async fn list_tasks_filters_by_entity_and_state_with_names() {
    let e = env().await;
    let o = e
        .call(
            "kommo_list_tasks",
            json!({"entity_type": "leads", "entity_id": ANDINA_LEAD_ID, "is_completed": false}),
        )
        .await;
    ok(&o);
    let ids: Vec<i64> = o.data["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![FIRST_TASK_ID, FIRST_TASK_ID + 1], "{}", o.text);
    assert!(
        o.text.contains("Follow-up \"Llamar a Juan para confirmar la demo\""),
        "{}",
        o.text
    );
    assert!(
        o.text.contains("Meeting \"Reunión de cierre con Andina\""),
        "{}",
        o.text
    );
    assert!(o.text.contains("Diego Torres (user #9000002)"), "{}", o.text);
    assert!(o.text.contains(&format!("lead #{ANDINA_LEAD_ID}")));
    assert!(o.text.contains("due 2026-01-03 00:00 UTC"), "{}", o.text);

    let done = e.call("kommo_list_tasks", json!({"is_completed": true})).await;
    ok(&done);
    assert!(
        done.text.contains("result \"Propuesta enviada por correo\""),
        "{}",
        done.text
    );
    assert!(!done.text.contains("Llamar a Juan"));
}

#[tokio::test]
async fn list_tasks_pages_and_empty_results() {
    let e = env().await;
    let p1 = e.call("kommo_list_tasks", json!({"limit": 2})).await;
    ok(&p1);
    assert_eq!(p1.data["tasks"].as_array().unwrap().len(), 2);
    assert!(p1.text.contains("call again with page=2"), "{}", p1.text);
    let p2 = e.call("kommo_list_tasks", json!({"limit": 2, "page": 2})).await;
    ok(&p2);
    assert_eq!(p2.data["page"], 2);
    assert_ne!(p1.data["tasks"][0]["id"], p2.data["tasks"][0]["id"]);
    let none = e
        .call(
            "kommo_list_tasks",
            json!({"entity_type": "contacts", "entity_id": 20000099}),
        )
        .await;
    ok(&none);
    assert_eq!(none.text, "No tasks match.");
    let bad = e.call("kommo_list_tasks", json!({"entity_id": 1})).await;
    assert!(bad.is_error && bad.text.contains("entity_type"), "{}", bad.text);
}

#[tokio::test]
async fn get_task_shows_one_task_and_explains_a_missing_id() {
    let e = env().await;
    let o = e.call("kommo_get_task", json!({"taskId": FIRST_TASK_ID + 3})).await;
    ok(&o);
    assert!(o.text.contains("Confirmar datos de facturación"));
    assert!(o.text.contains(&format!("contact #{JUAN_PEREZ_ID}")));
    let alias = e.call("kommo_get_task", json!({"task_id": FIRST_TASK_ID})).await;
    ok(&alias);
    let missing = e.call("kommo_get_task", json!({"taskId": 123})).await;
    assert!(
        missing.is_error && missing.text.contains("no task has id 123"),
        "{}",
        missing.text
    );
}

#[tokio::test]
async fn create_task_accepts_iso_deadlines_and_attaches_to_the_lead() {
    let e = env().await;
    let o = e
        .call(
            "kommo_create_task",
            json!({"text": "Enviar contrato", "complete_till": "2026-02-01T10:00:00-05:00", "entity_id": ANDINA_LEAD_ID, "entity_type": "leads", "task_type_id": 2, "responsible_user_id": MANAGER_USER_ID}),
        )
        .await;
    ok(&o);
    assert!(
        o.text.contains("created on lead #10000001, due 2026-02-01 15:00 UTC"),
        "{}",
        o.text
    );
    let id = o.data["task_id"].as_i64().unwrap();
    let got = e.call("kommo_get_task", json!({"taskId": id})).await;
    assert!(got.text.contains("Meeting \"Enviar contrato\""), "{}", got.text);
    assert_eq!(got.data["task"]["complete_till"], 1_769_958_000);
    // The original's arguments with Unix seconds.
    let unix = e
        .call(
            "kommo_create_task",
            json!({"text": "x", "complete_till": 1_769_958_000, "entity_id": JUAN_PEREZ_ID, "entity_type": "contacts"}),
        )
        .await;
    ok(&unix);
    let bad_date = e
        .call(
            "kommo_create_task",
            json!({"text": "x", "complete_till": "next friday"}),
        )
        .await;
    assert!(
        bad_date.is_error && bad_date.text.contains("not a date-time"),
        "{}",
        bad_date.text
    );
    let missing_entity = e
        .call(
            "kommo_create_task",
            json!({"text": "x", "complete_till": 1, "entity_id": 99999999, "entity_type": "leads"}),
        )
        .await;
    assert!(
        missing_entity.is_error && missing_entity.text.contains("entity_id"),
        "{}",
        missing_entity.text
    );
}

#[tokio::test]
async fn update_and_complete_task_record_the_result() {
    let e = env().await;
    let up = e
        .call(
            "kommo_update_task",
            json!({"taskId": FIRST_TASK_ID, "text": "Llamar el lunes", "complete_till": "2026-01-05"}),
        )
        .await;
    ok(&up);
    let got = e.call("kommo_get_task", json!({"taskId": FIRST_TASK_ID})).await;
    assert!(
        got.text
            .contains("\"Llamar el lunes\" · due 2026-01-05 23:59 UTC · open"),
        "{}",
        got.text
    );
    let done = e
        .call(
            "kommo_complete_task",
            json!({"taskId": FIRST_TASK_ID, "result_text": "Demo confirmada"}),
        )
        .await;
    ok(&done);
    assert_eq!(done.text, "Task #50000001 completed with result \"Demo confirmada\".");
    let got = e.call("kommo_get_task", json!({"taskId": FIRST_TASK_ID})).await;
    assert!(got.text.contains("done · result \"Demo confirmada\""), "{}", got.text);
    // result_text alone completes the task (the original's argument, dropped by it).
    let r = e
        .call(
            "kommo_update_task",
            json!({"taskId": FIRST_TASK_ID + 1, "result_text": "Hecho"}),
        )
        .await;
    ok(&r);
    let got = e.call("kommo_get_task", json!({"taskId": FIRST_TASK_ID + 1})).await;
    assert_eq!(got.data["task"]["is_completed"], true);
    let nothing = e.call("kommo_update_task", json!({"taskId": FIRST_TASK_ID})).await;
    assert!(nothing.is_error && nothing.text.contains("nothing to change"));
    let missing = e.call("kommo_complete_task", json!({"taskId": 77})).await;
    assert!(missing.is_error && missing.text.contains("404"), "{}", missing.text);
}

#[tokio::test]
async fn notes_list_create_get_update_and_pin() {
    let e = env().await;
    let list = e
        .call(
            "kommo_list_notes",
            json!({"entityType": "leads", "entityId": ANDINA_LEAD_ID}),
        )
        .await;
    ok(&list);
    assert_eq!(list.data["notes"].as_array().unwrap().len(), 3);
    assert!(
        list.text.contains("Presupuesto aprobado por gerencia financiera"),
        "{}",
        list.text
    );
    assert!(
        list.text.contains("call_out") && list.text.contains("phone: +57 300 123 4567"),
        "{}",
        list.text
    );
    assert!(list.text.contains("Diego Torres"));
    let calls = e
        .call(
            "kommo_list_notes",
            json!({"entityType": "leads", "entityId": ANDINA_LEAD_ID, "note_type": "call_out"}),
        )
        .await;
    assert_eq!(calls.data["notes"].as_array().unwrap().len(), 1);
    let page2 = e
        .call(
            "kommo_list_notes",
            json!({"entityType": "leads", "entityId": ANDINA_LEAD_ID, "limit": 2, "page": 2}),
        )
        .await;
    assert_eq!(page2.data["notes"].as_array().unwrap().len(), 1);
    let empty = e
        .call(
            "kommo_list_notes",
            json!({"entityType": "companies", "entityId": 30000002}),
        )
        .await;
    assert_eq!(empty.text, "No notes.");

    let created = e
        .call(
            "kommo_create_note",
            json!({"entityType": "contacts", "entityId": JUAN_PEREZ_ID, "text": "Llamó para pedir factura"}),
        )
        .await;
    ok(&created);
    let id = created.data["note_id"].as_i64().unwrap();
    let got = e
        .call("kommo_get_note", json!({"noteId": id, "entityType": "contacts"}))
        .await;
    ok(&got);
    assert!(
        got.text.contains("common") && got.text.contains("\"Llamó para pedir factura\""),
        "{}",
        got.text
    );
    let upd = e
        .call(
            "kommo_update_note",
            json!({"noteId": id, "entityType": "contacts", "text": "Factura enviada"}),
        )
        .await;
    ok(&upd);
    let pin = e
        .call("kommo_pin_note", json!({"noteId": id, "entityType": "contacts"}))
        .await;
    assert_eq!(pin.text, format!("Note #{id} pinned."));
    let got = e
        .call("kommo_get_note", json!({"noteId": id, "entityType": "contacts"}))
        .await;
    assert!(
        got.text.contains("\"Factura enviada\"") && got.text.contains("(pinned)"),
        "{}",
        got.text
    );

    let call = e
        .call(
            "kommo_create_note",
            json!({"entityType": "leads", "entityId": ANDINA_LEAD_ID, "text": "Llamada", "note_type": "call_in",
                   "params": {"uniq": "c-1", "duration": 30, "source": "pbx", "phone": "+573001234567"}}),
        )
        .await;
    ok(&call);
    let bad_call = e
        .call(
            "kommo_create_note",
            json!({"entityType": "leads", "entityId": ANDINA_LEAD_ID, "text": "x", "note_type": "call_in"}),
        )
        .await;
    assert!(
        bad_call.is_error && bad_call.text.contains("params.uniq"),
        "{}",
        bad_call.text
    );
    let wrong_entity = e
        .call(
            "kommo_create_note",
            json!({"entityType": "leads", "entityId": 424242, "text": "x"}),
        )
        .await;
    assert!(
        wrong_entity.is_error && wrong_entity.text.contains("entity_id"),
        "{}",
        wrong_entity.text
    );
    let missing = e
        .call("kommo_get_note", json!({"noteId": 1, "entityType": "leads"}))
        .await;
    assert!(missing.is_error && missing.text.contains("no note of leads has id 1"));
}

#[tokio::test]
async fn account_users_loss_reasons_and_sources() {
    let e = env().await;
    let a = e.call("kommo_get_account", json!({})).await;
    ok(&a);
    assert!(
        a.text
            .starts_with("Account Sandbox Kommo #31000001 (sandbox.kommo.com)"),
        "{}",
        a.text
    );
    assert!(
        a.text
            .contains("Task types: 1 Follow-up (FOLLOW_UP), 2 Meeting (MEETING)"),
        "{}",
        a.text
    );
    assert!(a.text.contains("timezone America/Bogota"));
    let v = e
        .call("kommo_get_account", json!({"with": ["version", "amojo_id"]}))
        .await;
    assert!(v.text.contains("version: 21"), "{}", v.text);
    let bad = e.call("kommo_get_account", json!({"with": ["pets"]})).await;
    assert!(bad.is_error && bad.text.contains("not an account option"));

    let users = e.call("kommo_list_users", json!({})).await;
    ok(&users);
    assert!(
        users
            .text
            .contains("- Laura Méndez #9000001 · laura.mendez@sandbox.example · admin"),
        "{}",
        users.text
    );
    let p2 = e.call("kommo_list_users", json!({"limit": 2, "page": 2})).await;
    assert_eq!(p2.data["users"].as_array().unwrap().len(), 1);

    let reasons = e.call("kommo_list_loss_reasons", json!({})).await;
    ok(&reasons);
    assert!(
        reasons
            .text
            .starts_with("4 loss reasons:\n- Precio demasiado alto #8000001"),
        "{}",
        reasons.text
    );
    let sources = e.call("kommo_list_sources", json!({})).await;
    ok(&sources);
    assert!(
        sources
            .text
            .contains("Formulario web #8100001 · external_id web-form · pipeline Ventas #7000001 · default"),
        "{}",
        sources.text
    );
}

#[tokio::test]
async fn events_show_what_happened_with_names_and_stages() {
    let e = env().await;
    // A stage change through the lead tool shows up in the feed.
    let created = e
        .call(
            "kommo_create_lead",
            json!({"name": "Evento", "status_id": VENTAS_CONTACTO_INICIAL_STATUS_ID}),
        )
        .await;
    ok(&created);
    let lead = created.data["lead_id"].as_i64().unwrap();
    let moved = e
        .call(
            "kommo_update_lead",
            json!({"leadId": lead, "status_id": VENTAS_NEGOCIACION_STATUS_ID}),
        )
        .await;
    ok(&moved);
    let o = e
        .call(
            "kommo_list_events",
            json!({"entity": "lead", "entity_id": lead, "type": ["lead_status_changed"]}),
        )
        .await;
    ok(&o);
    assert_eq!(o.data["events"].as_array().unwrap().len(), 1, "{}", o.text);
    assert!(
        o.text.contains("Ventas › Contacto inicial → Ventas › Negociación"),
        "{}",
        o.text
    );
    assert!(
        o.text
            .contains(&format!("lead_status_changed · lead #{lead} \"Evento\"")),
        "{}",
        o.text
    );
    assert!(o.data["events"][0]["id"].is_string());

    let seeded = e
        .call(
            "kommo_list_events",
            json!({"entity": "lead", "entity_id": ANDINA_LEAD_ID}),
        )
        .await;
    assert!(
        seeded.text.contains("Ventas › Contacto inicial → Ventas › Negociación"),
        "{}",
        seeded.text
    );
    assert!(seeded.text.contains("by Diego Torres"), "{}", seeded.text);

    let note = e
        .call(
            "kommo_create_note",
            json!({"entityType": "companies", "entityId": ANDINA_COMPANY_ID, "text": "Visita"}),
        )
        .await;
    ok(&note);
    let notes = e
        .call("kommo_list_events", json!({"type": ["common_note_added"]}))
        .await;
    assert!(
        notes.text.contains(&format!("company #{ANDINA_COMPANY_ID}")),
        "{}",
        notes.text
    );

    let none = e
        .call("kommo_list_events", json!({"created_at_from": "2030-01-01"}))
        .await;
    assert_eq!(none.text, "No events match.");
    let page = e.call("kommo_list_events", json!({"limit": 1, "page": 2})).await;
    assert_eq!(page.data["events"].as_array().unwrap().len(), 1);
    let bad = e.call("kommo_list_events", json!({"entity_id": 5})).await;
    assert!(bad.is_error && bad.text.contains("exactly one entity"), "{}", bad.text);
}

#[tokio::test]
async fn incoming_leads_can_be_listed_accepted_and_declined() {
    let e = env().await;
    let list = e.call("kommo_list_unsorted", json!({})).await;
    ok(&list);
    let items = list.data["unsorted"].as_array().unwrap().clone();
    assert!(items.len() >= 2, "the seed has incoming leads: {}", list.text);
    assert!(
        list.text.contains("uid sbx-unsorted-0001 · forms · Formulario web"),
        "{}",
        list.text
    );
    let forms = e.call("kommo_list_unsorted", json!({"category": "forms"})).await;
    assert_eq!(forms.data["unsorted"].as_array().unwrap().len(), 1);
    let bad = e.call("kommo_list_unsorted", json!({"category": "fax"})).await;
    assert!(bad.is_error && bad.text.contains("not a category"));

    let uid = items[0]["uid"].as_str().unwrap().to_string();
    let lead = items[0]["lead_ids"][0].as_i64().unwrap();
    let acc = e
        .call(
            "kommo_accept_unsorted",
            json!({"uid": uid, "status_id": VENTAS_NEGOCIACION_STATUS_ID, "user_id": MANAGER_USER_ID}),
        )
        .await;
    ok(&acc);
    assert_eq!(acc.text, format!("Incoming lead {uid} accepted (lead #{lead})."));
    let got = e.call("kommo_get_lead", json!({"leadId": lead})).await;
    assert!(got.text.contains("Negociación"), "{}", got.text);
    let again = e.call("kommo_accept_unsorted", json!({"uid": uid})).await;
    assert!(
        again.is_error && again.text.contains("already accepted or declined"),
        "{}",
        again.text
    );

    let uid2 = items[1]["uid"].as_str().unwrap().to_string();
    let dec = e.call("kommo_decline_unsorted", json!({"uid": uid2})).await;
    ok(&dec);
    assert!(dec.text.contains("declined"));
    let left = e.call("kommo_list_unsorted", json!({})).await;
    assert_eq!(left.data["unsorted"].as_array().unwrap().len(), items.len() - 2);
}

#[tokio::test]
async fn new_tools_carry_titles_and_annotations() {
    let e = env().await;
    let tools = e.server.tool_list();
    for name in [
        "kommo_create_task",
        "kommo_list_tasks",
        "kommo_get_task",
        "kommo_update_task",
        "kommo_complete_task",
        "kommo_list_notes",
        "kommo_create_note",
        "kommo_get_note",
        "kommo_update_note",
        "kommo_pin_note",
        "kommo_get_account",
        "kommo_list_users",
        "kommo_list_events",
        "kommo_list_unsorted",
        "kommo_accept_unsorted",
        "kommo_decline_unsorted",
        "kommo_list_loss_reasons",
        "kommo_list_sources",
    ] {
        let t = tools
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("{name} is listed"));
        assert!(t.title.is_some(), "{name} has a title");
        assert!(
            t.description.as_deref().is_some_and(|d| d.len() > 60),
            "{name} has a real description"
        );
        assert!(t.annotations.is_some());
    }
    let decline = tools.iter().find(|t| t.name == "kommo_decline_unsorted").unwrap();
    assert_eq!(
        decline.annotations.as_ref().and_then(|a| a.destructive_hint),
        Some(true)
    );
    let list = tools.iter().find(|t| t.name == "kommo_list_tasks").unwrap();
    assert_eq!(list.annotations.as_ref().and_then(|a| a.read_only_hint), Some(true));
}
