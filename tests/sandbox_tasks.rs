//! The sandbox's tasks, notes, events, incoming leads, loss reasons and sources over raw HTTP:
//! the shapes and status codes Kommo clients depend on.

use kommo_mcp::sandbox::activity::{FIRST_NOTE_ID, FIRST_TASK_ID};
use kommo_mcp::sandbox::seed::{ANDINA_LEAD_ID, JUAN_PEREZ_ID};
use kommo_mcp::sandbox::{MissingEntity, Sandbox, SandboxOptions, DEFAULT_TOKEN};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

struct Api {
    sandbox: Sandbox,
    http: reqwest::Client,
}

impl Api {
    async fn start() -> Api {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let sandbox = Sandbox::start(SandboxOptions::default()).await.expect("sandbox starts");
        Api {
            sandbox,
            http: reqwest::Client::new(),
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.sandbox.base_url()))
            .bearer_auth(DEFAULT_TOKEN);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, None).await
    }
}

fn ids(body: &Value, key: &str) -> Vec<i64> {
    body["_embedded"][key]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["id"].as_i64()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn tasks_filter_with_kommo_brackets_and_page_through_next_links() {
    let api = Api::start().await;
    let (s, b) = api
        .get(&format!(
            "/api/v4/tasks?filter[entity_type]=leads&filter[entity_id][]={ANDINA_LEAD_ID}&filter[is_completed]=0"
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ids(&b, "tasks"), vec![FIRST_TASK_ID, FIRST_TASK_ID + 1]);
    assert_eq!(
        b["_embedded"]["tasks"][0]["result"],
        json!([]),
        "an empty result reads as []"
    );
    let (_, done) = api.get("/api/v4/tasks?filter[is_completed]=1").await;
    assert_eq!(
        done["_embedded"]["tasks"][0]["result"],
        json!({"text": "Propuesta enviada por correo"})
    );
    let (_, p1) = api.get("/api/v4/tasks?limit=4").await;
    assert!(p1["_links"]["next"]["href"].as_str().unwrap().contains("page=2"));
    let (s, _) = api
        .get("/api/v4/tasks?filter[task_type][]=2&filter[responsible_user_id][]=9000001")
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "no match is 204");
}

#[tokio::test]
async fn task_writes_validate_like_kommo_and_update_closest_task_at() {
    let api = Api::start().await;
    let (s, b) = api
        .send(Method::POST, "/api/v4/tasks", Some(json!([{"text": "ok", "complete_till": 1_800_000_000, "entity_id": JUAN_PEREZ_ID, "entity_type": "contacts"}, {"entity_id": 1, "entity_type": "leads", "result": "x"}])))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let errors = &b["validation-errors"][0];
    assert_eq!(errors["request_id"], "1");
    let codes: Vec<(&str, &str)> = errors["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["path"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert!(codes.contains(&("text", "FieldMissing")), "{codes:?}");
    assert!(codes.contains(&("complete_till", "FieldMissing")));
    assert!(codes.contains(&("result", "InvalidType")));
    assert!(codes.contains(&("entity_id", "NotSupportedChoice")));
    let (s, b) = api
        .send(Method::POST, "/api/v4/tasks", Some(json!([{"text": "ok", "complete_till": 1_700_000_000, "entity_id": JUAN_PEREZ_ID, "entity_type": "contacts", "request_id": "mine"}])))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["_embedded"]["tasks"][0]["request_id"], "mine");
    let id = b["_embedded"]["tasks"][0]["id"].as_i64().unwrap();
    let (_, juan) = api.get(&format!("/api/v4/contacts/{JUAN_PEREZ_ID}")).await;
    assert_eq!(juan["closest_task_at"], 1_700_000_000);
    let (s, b) = api
        .send(
            Method::PATCH,
            &format!("/api/v4/tasks/{id}"),
            Some(json!({"is_completed": true, "result": {"text": "hecho"}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["id"], id);
    let (_, juan) = api.get(&format!("/api/v4/contacts/{JUAN_PEREZ_ID}")).await;
    assert_ne!(
        juan["closest_task_at"], 1_700_000_000,
        "a completed task no longer counts"
    );
    let (s, _) = api
        .send(Method::PATCH, "/api/v4/tasks/1", Some(json!({"text": "x"})))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = api.get("/api/v4/tasks/1").await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    api.sandbox.set_missing_entity(MissingEntity::NotFound);
    let (s, _) = api.get("/api/v4/tasks/1").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn notes_are_scoped_by_entity_and_there_is_no_top_level_notes_route() {
    let api = Api::start().await;
    let (s, b) = api.get("/api/v4/notes").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(b["detail"].as_str().unwrap().starts_with("Cannot GET"));
    let (_, b) = api.get(&format!("/api/v4/leads/{ANDINA_LEAD_ID}/notes")).await;
    assert_eq!(
        ids(&b, "notes"),
        vec![FIRST_NOTE_ID, FIRST_NOTE_ID + 1, FIRST_NOTE_ID + 2]
    );
    let (_, b) = api.get("/api/v4/leads/notes?filter[note_type][]=call_out").await;
    assert_eq!(ids(&b, "notes"), vec![FIRST_NOTE_ID + 2]);
    let (s, b) = api.get(&format!("/api/v4/leads/notes/{FIRST_NOTE_ID}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        b["params"]["text"],
        "El cliente pidió una demo para el equipo de bodega"
    );
    let (s, _) = api.get(&format!("/api/v4/contacts/notes/{FIRST_NOTE_ID}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "a lead note is not a contact note");
    // A note without params.text is a validation error, not a silent empty note.
    let (s, b) = api
        .send(
            Method::POST,
            "/api/v4/leads/notes",
            Some(json!([{"entity_id": ANDINA_LEAD_ID, "note_type": "common", "text": "top-level"}])),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(b["validation-errors"][0]["errors"][0]["path"], "params.text");
    let (s, b) = api
        .send(
            Method::POST,
            &format!("/api/v4/leads/{ANDINA_LEAD_ID}/notes"),
            Some(json!([{"note_type": "common", "params": {"text": "hola"}}])),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let id = b["_embedded"]["notes"][0]["id"].as_i64().unwrap();
    let (s, b) = api
        .send(
            Method::PATCH,
            &format!("/api/v4/leads/notes/{id}"),
            Some(json!({"entity_id": ANDINA_LEAD_ID, "note_type": "common", "params": {"text": "adiós"}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["id"], id, "single PATCH answers the object at the root");
    let (s, _) = api
        .send(Method::POST, &format!("/api/v4/leads/notes/{id}/pin"), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, b) = api.get(&format!("/api/v4/leads/notes/{id}?with=is_pinned")).await;
    assert_eq!(
        (b["is_pinned"].clone(), b["params"]["text"].clone()),
        (json!(true), json!("adiós"))
    );
    let (s, _) = api
        .send(Method::POST, &format!("/api/v4/leads/notes/{id}/unpin"), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn events_record_creations_and_stage_moves_with_string_ids() {
    let api = Api::start().await;
    let (_, b) = api
        .send(Method::POST, "/api/v4/leads", Some(json!([{"name": "Evento"}])))
        .await;
    let lead = b["_embedded"]["leads"][0]["id"].as_i64().unwrap();
    let (_, e) = api
        .get(&format!("/api/v4/events?filter[entity]=lead&filter[entity_id]={lead}"))
        .await;
    let events = e["_embedded"]["events"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["type"], "lead_added");
    assert!(events[0]["id"].is_string());
    let (s, _) = api.get("/api/v4/events?filter[entity_id]=1").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "entity_id needs one entity");
    let (_, e) = api
        .get("/api/v4/events?filter[type]=lead_status_changed,contact_added")
        .await;
    let types: Vec<&str> = e["_embedded"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, vec!["lead_status_changed", "contact_added"]);
}

#[tokio::test]
async fn unsorted_loss_reasons_and_sources_answer_like_kommo() {
    let api = Api::start().await;
    let (s, b) = api.get("/api/v4/leads/unsorted?filter[category][]=sip").await;
    assert_eq!(s, StatusCode::OK);
    let uid = b["_embedded"]["unsorted"][0]["uid"].as_str().unwrap().to_string();
    let (s, b) = api
        .send(
            Method::DELETE,
            &format!("/api/v4/leads/unsorted/{uid}/decline"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["uid"], uid.as_str());
    let (s, _) = api
        .send(Method::POST, &format!("/api/v4/leads/unsorted/{uid}/accept"), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, b) = api.get("/api/v4/leads/loss_reasons").await;
    assert_eq!(b["_total_items"], 4);
    let (_, b) = api.get("/api/v4/sources?filter[external_id][]=web-form").await;
    assert_eq!(b["_embedded"]["sources"][0]["name"], "Formulario web");
    let (s, _) = api.get("/api/v4/sources/1").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
