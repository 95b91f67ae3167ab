//! The sandbox over real HTTP: each test starts its own emulator on an ephemeral port and talks to
//! it with reqwest, asserting on the data Kommo clients depend on.

use std::collections::BTreeSet;

use kommo_mcp::sandbox::seed::{
    ANDINA_COMPANY_ID, ANDINA_LEAD_ID, CARLOS_RUIZ_ID, CONTACT_COUNT, CONTACT_PHONE_FIELD_ID, JUANA_PEREZ_GOMEZ_ID,
    JUAN_PEREZ_ID, MARIA_RODRIGUEZ_ID, VENTAS_PIPELINE_ID,
};
use kommo_mcp::sandbox::{MissingEntity, Sandbox, SandboxOptions, DEFAULT_TOKEN};
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};

/// A started sandbox plus an HTTP client that sends its token.
struct Api {
    sandbox: Sandbox,
    http: reqwest::Client,
}

/// What a request returned.
struct Reply {
    status: StatusCode,
    content_type: Option<String>,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }

    /// Ids of `_embedded.{collection}` in a list body.
    fn ids(&self, collection: &str) -> Vec<i64> {
        self.json()["_embedded"][collection]
            .as_array()
            .map(|items| items.iter().filter_map(|i| i["id"].as_i64()).collect())
            .unwrap_or_default()
    }
}

impl Api {
    async fn start() -> Api {
        // reqwest is built without a bundled TLS provider; plain http still needs one installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let sandbox = Sandbox::start(SandboxOptions::default()).await.expect("sandbox starts");
        let http = reqwest::Client::builder().build().expect("http client");
        Api { sandbox, http }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    async fn send(&self, method: Method, url: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        let mut request = self.http.request(method, url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request reaches the sandbox");
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response.text().await.expect("body");
        Reply {
            status,
            content_type,
            body,
        }
    }

    async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, &self.url(path), Some(DEFAULT_TOKEN), None).await
    }

    async fn get_url(&self, url: &str) -> Reply {
        self.send(Method::GET, url, Some(DEFAULT_TOKEN), None).await
    }

    async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, &self.url(path), Some(DEFAULT_TOKEN), Some(body))
            .await
    }

    async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, &self.url(path), Some(DEFAULT_TOKEN), Some(body))
            .await
    }
}

fn assert_problem(reply: &Reply, status: u16) -> Value {
    assert_eq!(reply.status.as_u16(), status, "body: {}", reply.body);
    assert_eq!(reply.content_type.as_deref(), Some("application/problem+json"));
    let body = reply.json();
    assert_eq!(body["status"], status);
    assert_eq!(body["type"], format!("https://httpstatus.es/{status}"));
    assert!(body["title"].is_string() && body["detail"].is_string(), "{body}");
    body
}

fn assert_no_content(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(reply.body.is_empty());
    assert_eq!(reply.content_type, None);
}

#[tokio::test]
async fn api_requests_without_or_with_a_wrong_token_get_401_problem_json() {
    let api = Api::start().await;
    for token in [None, Some("wrong-token")] {
        let reply = api.send(Method::GET, &api.url("/api/v4/contacts"), token, None).await;
        let body = assert_problem(&reply, 401);
        assert_eq!(body["title"], "Unauthorized");
        assert_eq!(body["detail"], "Invalid user name or password");
    }
    assert_eq!(api.get("/api/v4/contacts").await.status, StatusCode::OK);
}

#[tokio::test]
async fn pipelines_list_every_pipeline_with_won_and_lost_statuses() {
    let api = Api::start().await;
    let reply = api.get("/api/v4/leads/pipelines").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type.as_deref(), Some("application/hal+json"));
    let body = reply.json();
    let pipelines = body["_embedded"]["pipelines"].as_array().expect("pipelines");
    assert_eq!(body["_total_items"], pipelines.len());
    let names: Vec<&str> = pipelines.iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(names, ["Ventas", "Partners", "Soporte"]);
    for pipeline in pipelines {
        for key in ["id", "sort", "is_main", "is_unsorted_on", "is_archive", "account_id"] {
            assert!(!pipeline[key].is_null(), "pipeline lacks {key}: {pipeline}");
        }
        let statuses = pipeline["_embedded"]["statuses"].as_array().expect("statuses");
        let status = |id: i64| statuses.iter().find(|s| s["id"] == id).cloned();
        assert_eq!(status(142).map(|s| s["name"].clone()), Some(json!("Closed - won")));
        assert_eq!(status(143).map(|s| s["name"].clone()), Some(json!("Closed - lost")));
        for s in statuses {
            assert_eq!(s["pipeline_id"], pipeline["id"]);
            assert!(s["color"].is_string() && s["type"].is_i64() && s["_links"]["self"]["href"].is_string());
        }
    }
    let ventas = &pipelines[0];
    assert_eq!(ventas["is_main"], true);
    let incoming = ventas["_embedded"]["statuses"][0].clone();
    assert_eq!(
        (incoming["name"].clone(), incoming["type"].clone()),
        (json!("Incoming leads"), json!(1))
    );
}

#[tokio::test]
async fn contact_pages_are_numbered_and_next_href_leads_to_the_following_page() {
    let api = Api::start().await;
    let first = api.get("/api/v4/contacts?limit=100&order[id]=asc").await;
    let body = first.json();
    assert_eq!(body["_page"], 1);
    assert!(body.get("_total_items").is_none(), "contact lists carry no totals");
    let self_href = body["_links"]["self"]["href"].as_str().expect("self href");
    assert!(self_href.starts_with(&api.sandbox.base_url()), "{self_href}");
    let next = body["_links"]["next"]["href"].as_str().expect("next href").to_string();
    assert!(
        next.contains("order[id]=asc") && next.contains("limit=100") && next.contains("page=2"),
        "{next}"
    );

    let mut seen: Vec<i64> = first.ids("contacts");
    let mut url = next;
    let mut page = 1;
    loop {
        let reply = api.get_url(&url).await;
        page += 1;
        assert_eq!(reply.json()["_page"], page);
        seen.extend(reply.ids("contacts"));
        match reply.json()["_links"]["next"]["href"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    assert_eq!(page, 3);
    assert_eq!(seen.len(), CONTACT_COUNT);
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "ascending ids without repeats");
}

#[tokio::test]
async fn limit_above_250_is_capped_and_invalid_limits_are_rejected() {
    let api = Api::start().await;
    let reply = api.get("/api/v4/contacts?limit=1000").await;
    assert_eq!(reply.ids("contacts").len(), 250);
    let next = reply.json()["_links"]["next"]["href"].as_str().map(str::to_string);
    assert!(next.is_some_and(|href| href.contains("limit=250")));
    assert_problem(&api.get("/api/v4/contacts?limit=abc").await, 400);
    assert_problem(&api.get("/api/v4/contacts?page=0").await, 400);
}

#[tokio::test]
async fn a_page_beyond_the_last_and_a_query_without_matches_answer_204() {
    let api = Api::start().await;
    assert_no_content(&api.get("/api/v4/contacts?page=100").await);
    assert_no_content(&api.get("/api/v4/contacts?query=zzzz-nobody-zzzz").await);
    assert_no_content(&api.get("/api/v4/leads?query=zzzz-nothing-zzzz").await);
}

#[tokio::test]
async fn phone_digits_query_finds_every_format_and_the_substring_decoys() {
    let api = Api::start().await;
    let reply = api.get("/api/v4/contacts?query=3001234567").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type.as_deref(), Some("application/hal+json"));
    assert_eq!(reply.json()["_page"], 1);
    let found: BTreeSet<i64> = reply.ids("contacts").into_iter().collect();
    let expected: BTreeSet<i64> = [JUAN_PEREZ_ID, JUANA_PEREZ_GOMEZ_ID, MARIA_RODRIGUEZ_ID, CARLOS_RUIZ_ID].into();
    assert_eq!(found, expected);

    // Punctuated queries are reduced to digits too; no country-code rewriting happens.
    let punctuated: BTreeSet<i64> = api
        .get("/api/v4/contacts?query=(300)%20123-4567")
        .await
        .ids("contacts")
        .into_iter()
        .collect();
    assert_eq!(punctuated, expected);
    let national_with_57: Vec<i64> = api.get("/api/v4/contacts?query=573001234567").await.ids("contacts");
    assert!(
        !national_with_57.contains(&JUANA_PEREZ_GOMEZ_ID),
        "no +57 normalisation"
    );
}

#[tokio::test]
async fn email_query_finds_the_contact_case_insensitively() {
    let api = Api::start().await;
    assert_eq!(
        api.get("/api/v4/contacts?query=juan.perez@example.co")
            .await
            .ids("contacts"),
        [JUAN_PEREZ_ID]
    );
    assert_eq!(
        api.get("/api/v4/contacts?query=JUAN.PEREZ%40EXAMPLE.CO")
            .await
            .ids("contacts"),
        [JUAN_PEREZ_ID]
    );
}

#[tokio::test]
async fn filter_by_ids_accepts_every_bracket_form() {
    let api = Api::start().await;
    let wanted = [JUAN_PEREZ_ID, MARIA_RODRIGUEZ_ID];
    for query in [
        format!("filter[id][]={}&filter[id][]={}", wanted[0], wanted[1]),
        format!("filter%5Bid%5D%5B%5D={}&filter%5Bid%5D%5B%5D={}", wanted[0], wanted[1]),
        format!("filter[id][0]={}&filter[id][1]={}", wanted[0], wanted[1]),
    ] {
        let ids = api.get(&format!("/api/v4/contacts?{query}")).await.ids("contacts");
        assert_eq!(ids, wanted, "query {query}");
    }
    let single = api
        .get(&format!("/api/v4/contacts?filter[id]={JUAN_PEREZ_ID}"))
        .await
        .ids("contacts");
    assert_eq!(single, [JUAN_PEREZ_ID]);
    let by_name = api.get("/api/v4/contacts?filter[name]=Ana%20G%C3%B3mez").await.json();
    assert_eq!(by_name["_embedded"]["contacts"][0]["name"], "Ana Gómez");
}

#[tokio::test]
async fn get_contact_by_id_returns_it_at_the_root_and_missing_ids_answer_204_or_404() {
    let api = Api::start().await;
    let juan = api.get(&format!("/api/v4/contacts/{JUAN_PEREZ_ID}")).await.json();
    assert_eq!(juan["id"], JUAN_PEREZ_ID);
    assert_eq!(juan["name"], "Juan Pérez");
    assert_eq!(
        (juan["first_name"].clone(), juan["last_name"].clone()),
        (json!("Juan"), json!("Pérez"))
    );
    assert_eq!(juan["is_unsorted"], false);
    assert_eq!(juan["_embedded"]["companies"][0]["id"], ANDINA_COMPANY_ID);
    assert!(juan["_embedded"].get("leads").is_none(), "leads only with with=leads");
    let phone = &juan["custom_fields_values"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["field_code"] == "PHONE").cloned())
        .expect("phone field");
    assert_eq!(phone["values"][0]["value"], "+57 300 123 4567");
    assert_eq!(phone["values"][0]["enum_code"], "WORK");

    let with_leads = api
        .get(&format!("/api/v4/contacts/{JUAN_PEREZ_ID}?with=leads"))
        .await
        .json();
    assert_eq!(with_leads["_embedded"]["leads"][0]["id"], ANDINA_LEAD_ID);

    assert_no_content(&api.get("/api/v4/contacts/999").await);
    api.sandbox.set_missing_entity(MissingEntity::NotFound);
    assert_problem(&api.get("/api/v4/contacts/999").await, 404);
    assert_problem(&api.get("/api/v4/contacts/not-a-number").await, 404);
}

#[tokio::test]
async fn created_contacts_read_back_with_field_metadata_filled_in() {
    let api = Api::start().await;
    let reply = api
        .post(
            "/api/v4/contacts",
            json!([
                {
                    "first_name": "Lucas",
                    "last_name": "Quintero",
                    "request_id": "lead-form-7",
                    "custom_fields_values": [
                        { "field_code": "PHONE", "values": [{ "value": "+57 320 000 1111", "enum_code": "MOB" }] },
                        { "field_id": kommo_mcp::sandbox::seed::CONTACT_EMAIL_FIELD_ID,
                          "values": [{ "value": "lucas@example.co" }] }
                    ]
                },
                { "name": "Sin Campos" }
            ]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let body = reply.json();
    let created = body["_embedded"]["contacts"].as_array().expect("created").clone();
    assert_eq!(created.len(), 2);
    assert_eq!(created[0]["request_id"], "lead-form-7");
    assert_eq!(created[1]["request_id"], "1");
    assert_eq!(
        (created[0]["is_deleted"].clone(), created[0]["is_unsorted"].clone()),
        (json!(false), json!(false))
    );
    let id = created[0]["id"].as_i64().expect("id");

    let contact = api.get(&format!("/api/v4/contacts/{id}")).await.json();
    assert_eq!(contact["name"], "Lucas Quintero");
    let fields = contact["custom_fields_values"].as_array().expect("fields").clone();
    assert_eq!(fields[0]["field_id"], CONTACT_PHONE_FIELD_ID);
    assert_eq!(fields[0]["field_name"], "Phone");
    assert_eq!(fields[0]["field_code"], "PHONE");
    assert_eq!(fields[0]["field_type"], "multitext");
    assert_eq!(fields[0]["values"][0]["enum_code"], "MOB");
    assert!(fields[0]["values"][0]["enum_id"].is_i64());
    assert_eq!(fields[1]["field_code"], "EMAIL");
    assert_eq!(
        fields[1]["values"][0]["enum_code"], "WORK",
        "default type of a multitext value"
    );

    let bare = api.get(&format!("/api/v4/contacts/{}", created[1]["id"])).await.json();
    assert_eq!(bare["custom_fields_values"], Value::Null);
    assert_eq!(api.get("/api/v4/contacts?query=3200001111").await.ids("contacts"), [id]);
}

#[tokio::test]
async fn invalid_items_get_validation_errors_under_their_request_id_and_nothing_is_created() {
    let api = Api::start().await;
    let reply = api
        .post(
            "/api/v4/contacts",
            json!([
                { "name": "Válido Pero Descartado" },
                {
                    "request_id": "bad-one",
                    "name": 42,
                    "custom_fields_values": [{ "field_id": 999, "values": [{ "value": "x" }] }]
                },
                { "custom_fields_values": [{ "values": [] }] }
            ]),
        )
        .await;
    let body = assert_problem(&reply, 400);
    assert_eq!(body["detail"], "Request validation failed");
    let errors = body["validation-errors"].as_array().expect("validation-errors").clone();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0]["request_id"], "bad-one");
    let codes: Vec<(Value, Value)> = errors[0]["errors"]
        .as_array()
        .map(|e| e.iter().map(|e| (e["code"].clone(), e["path"].clone())).collect())
        .unwrap_or_default();
    assert_eq!(
        codes,
        [
            (json!("InvalidType"), json!("name")),
            (json!("NotSupportedChoice"), json!("custom_fields_values.0.field_id")),
        ]
    );
    assert_eq!(errors[1]["request_id"], "2");
    assert_eq!(errors[1]["errors"][0]["code"], "FieldMissing");
    assert_eq!(errors[1]["errors"][0]["path"], "custom_fields_values.0.field_id");
    assert_no_content(&api.get("/api/v4/contacts?query=Descartado").await);

    let not_array = api.post("/api/v4/contacts", json!({ "name": "Objeto" })).await;
    assert_problem(&not_array, 400);
}

#[tokio::test]
async fn patching_a_contact_bumps_updated_at_and_replaces_field_values() {
    let api = Api::start().await;
    let before = api.get(&format!("/api/v4/contacts/{MARIA_RODRIGUEZ_ID}")).await.json();
    let reply = api
        .patch(
            &format!("/api/v4/contacts/{MARIA_RODRIGUEZ_ID}"),
            json!({ "last_name": "Rodríguez Díaz",
                    "custom_fields_values": [{ "field_code": "PHONE", "values": null }] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let updated = reply.json();
    assert_eq!(updated["id"], MARIA_RODRIGUEZ_ID);
    assert!(updated["updated_at"].as_i64() > before["updated_at"].as_i64());

    let after = api.get(&format!("/api/v4/contacts/{MARIA_RODRIGUEZ_ID}")).await.json();
    assert_eq!(after["name"], "María Rodríguez Díaz");
    assert_eq!(after["updated_at"], updated["updated_at"]);
    let codes: Vec<&str> = after["custom_fields_values"]
        .as_array()
        .map(|f| f.iter().filter_map(|f| f["field_code"].as_str()).collect())
        .unwrap_or_default();
    assert!(!codes.contains(&"PHONE"), "phone cleared: {codes:?}");

    let batch = api
        .patch(
            "/api/v4/contacts",
            json!([{ "id": JUAN_PEREZ_ID, "responsible_user_id": 9_000_003 }, { "id": 1 }]),
        )
        .await;
    let body = assert_problem(&batch, 400);
    assert_eq!(body["validation-errors"][0]["errors"][0]["path"], "id");
}

#[tokio::test]
async fn created_pipelines_get_incoming_won_and_lost_statuses() {
    let api = Api::start().await;
    let reply = api
        .post(
            "/api/v4/leads/pipelines",
            json!([{
                "name": "Renovaciones",
                "is_unsorted_on": true,
                "_embedded": { "statuses": [
                    { "name": "Por contactar", "sort": 20, "color": "#fffeb2" },
                    { "name": "Cotizado" }
                ] }
            }]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let body = reply.json();
    assert_eq!(body["_total_items"], 1);
    let pipeline = body["_embedded"]["pipelines"][0].clone();
    assert_eq!(pipeline["name"], "Renovaciones");
    assert_eq!(pipeline["is_main"], false);
    let statuses: Vec<(String, i64)> = pipeline["_embedded"]["statuses"]
        .as_array()
        .map(|s| {
            s.iter()
                .map(|s| {
                    (
                        s["name"].as_str().unwrap_or("").to_string(),
                        s["type"].as_i64().unwrap_or(-1),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let names: Vec<&str> = statuses.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Incoming leads",
            "Por contactar",
            "Cotizado",
            "Closed - won",
            "Closed - lost"
        ]
    );
    assert_eq!(statuses[0].1, 1);

    let id = pipeline["id"].as_i64().expect("id");
    assert_eq!(
        api.get(&format!("/api/v4/leads/pipelines/{id}")).await.json()["name"],
        "Renovaciones"
    );
    let listed = api.get(&format!("/api/v4/leads/pipelines/{id}/statuses")).await.json();
    assert_eq!(listed["_total_items"], 5);
    let won = api
        .get(&format!("/api/v4/leads/pipelines/{id}/statuses/142"))
        .await
        .json();
    assert_eq!((won["id"].clone(), won["pipeline_id"].clone()), (json!(142), json!(id)));
    assert_eq!(api.get("/api/v4/leads/pipelines").await.json()["_total_items"], 4);
}

#[tokio::test]
async fn invalid_pipelines_are_rejected_and_missing_ones_are_404() {
    let api = Api::start().await;
    let reply = api
        .post(
            "/api/v4/leads/pipelines",
            json!([{ "name": "x".repeat(256) }, { "request_id": "r2", "_embedded": { "statuses": [{ "name": 7 }] } }]),
        )
        .await;
    let body = assert_problem(&reply, 400);
    let errors = &body["validation-errors"];
    assert_eq!(errors[0]["request_id"], "0");
    assert_eq!(errors[0]["errors"][0]["path"], "name");
    assert_eq!(errors[1]["request_id"], "r2");
    let paths: Vec<&str> = errors[1]["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["path"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(paths, ["name", "_embedded.statuses.0.name"]);
    assert_eq!(api.get("/api/v4/leads/pipelines").await.json()["_total_items"], 3);

    let missing = assert_problem(&api.get("/api/v4/leads/pipelines/1").await, 404);
    assert_eq!(missing["detail"], "Pipeline not found");
    assert_problem(
        &api.get(&format!("/api/v4/leads/pipelines/{VENTAS_PIPELINE_ID}/statuses/1"))
            .await,
        404,
    );
}

#[tokio::test]
async fn leads_filter_by_pipeline_status_pairs_and_embed_contacts_on_request() {
    let api = Api::start().await;
    let won = api
        .get(&format!(
            "/api/v4/leads?limit=250&filter[statuses][0][pipeline_id]={VENTAS_PIPELINE_ID}&filter[statuses][0][status_id]=142"
        ))
        .await
        .json();
    let leads = won["_embedded"]["leads"].as_array().expect("won leads").clone();
    assert!(!leads.is_empty());
    assert!(leads
        .iter()
        .all(|l| l["status_id"] == 142 && l["pipeline_id"] == VENTAS_PIPELINE_ID));
    assert!(leads.iter().all(|l| l["closed_at"].is_i64()));

    let priced = api
        .get("/api/v4/leads?limit=250&filter[price][from]=10000000&filter[price][to]=20000000")
        .await;
    assert!(priced.json()["_embedded"]["leads"].as_array().is_some_and(|l| l
        .iter()
        .all(|l| (10_000_000..=20_000_000).contains(&l["price"].as_i64().unwrap_or(-1)))));

    let lead = api
        .get(&format!("/api/v4/leads/{ANDINA_LEAD_ID}?with=contacts"))
        .await
        .json();
    assert_eq!(lead["_embedded"]["contacts"][0]["id"], JUAN_PEREZ_ID);
    assert_eq!(lead["_embedded"]["contacts"][0]["is_main"], true);
    assert_eq!(lead["_embedded"]["companies"][0]["id"], ANDINA_COMPANY_ID);
    assert_eq!(lead["_embedded"]["tags"][0]["name"], "VIP");
    let source = lead["custom_fields_values"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["field_type"] == "select").cloned())
        .expect("select value");
    assert_eq!(source["values"][0]["value"], "Búsqueda orgánica");
    let plain = api.get(&format!("/api/v4/leads/{ANDINA_LEAD_ID}")).await.json();
    assert!(plain["_embedded"].get("contacts").is_none());
}

#[tokio::test]
async fn leads_in_a_status_outside_their_pipeline_are_rejected() {
    let api = Api::start().await;
    let ok = api
        .post(
            "/api/v4/leads",
            json!([{ "name": "Nuevo", "price": 1000, "_embedded": { "contacts": [{ "id": JUAN_PEREZ_ID }] } }]),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let id = ok.json()["_embedded"]["leads"][0]["id"].as_i64().expect("id");
    let lead = api.get(&format!("/api/v4/leads/{id}?with=contacts")).await.json();
    assert_eq!(lead["pipeline_id"], VENTAS_PIPELINE_ID);
    assert_eq!(lead["_embedded"]["contacts"][0]["is_main"], true);

    let bad = api
        .post(
            "/api/v4/leads",
            json!([{ "pipeline_id": VENTAS_PIPELINE_ID, "status_id": 1 }]),
        )
        .await;
    let body = assert_problem(&bad, 400);
    assert_eq!(body["validation-errors"][0]["errors"][0]["code"], "NotSupportedChoice");
    assert_eq!(body["validation-errors"][0]["errors"][0]["path"], "status_id");
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405_problem_json() {
    let api = Api::start().await;
    let body = assert_problem(&api.get("/api/v4/notes").await, 404);
    assert_eq!(
        body["detail"],
        format!("Cannot GET {}/api/v4/notes", api.sandbox.base_url())
    );
    let reply = api
        .send(Method::DELETE, &api.url("/api/v4/contacts"), Some(DEFAULT_TOKEN), None)
        .await;
    assert_problem(&reply, 405);
}

#[tokio::test]
async fn stats_count_every_api_request_by_route() {
    let api = Api::start().await;
    api.get("/api/v4/contacts?limit=1").await;
    api.get(&format!("/api/v4/contacts/{JUAN_PEREZ_ID}")).await;
    api.get(&format!(
        "/api/v4/contacts/{ANA_GOMEZ}",
        ANA_GOMEZ = kommo_mcp::sandbox::seed::ANA_GOMEZ_ID
    ))
    .await;
    api.send(Method::GET, &api.url("/api/v4/account"), None, None).await;

    let stats = api.sandbox.stats();
    assert_eq!(stats.requests, 4);
    assert_eq!(stats.by_route.get("GET /api/v4/contacts/{id}"), Some(&2));
    assert_eq!(stats.by_route.get("GET /api/v4/contacts"), Some(&1));
    assert_eq!(stats.by_route.get("GET /api/v4/account"), Some(&1));

    let over_http = api
        .send(Method::GET, &api.url("/__sandbox/stats"), None, None)
        .await
        .json();
    assert_eq!(over_http["requests"], 4, "control calls are not counted");
    let reset = api
        .send(Method::POST, &api.url("/__sandbox/reset-stats"), None, None)
        .await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT);
    assert_eq!(api.sandbox.stats().requests, 0);
}

#[tokio::test]
async fn custom_field_definitions_are_paged_with_totals() {
    let api = Api::start().await;
    let body = api.get("/api/v4/contacts/custom_fields").await.json();
    assert_eq!(body["_total_items"], 4);
    let fields = body["_embedded"]["custom_fields"].as_array().expect("fields").clone();
    let phone = fields.iter().find(|f| f["code"] == "PHONE").expect("PHONE");
    assert_eq!(phone["type"], "multitext");
    let enums: Vec<&str> = phone["enums"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["value"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(enums, ["WORK", "WORKDD", "MOB", "FAX", "HOME", "OTHER"]);

    let first = api.get("/api/v4/leads/custom_fields?limit=2").await.json();
    assert_eq!(
        (first["_page"].clone(), first["_page_count"].clone()),
        (json!(1), json!(4))
    );
    let next = first["_links"]["next"]["href"].as_str().expect("next").to_string();
    assert_eq!(api.get_url(&next).await.json()["_page"], 2);
    assert_problem(&api.get("/api/v4/leads/custom_fields/1").await, 404);
}

#[tokio::test]
async fn account_and_users_describe_the_colombian_sandbox() {
    let api = Api::start().await;
    let account = api.get("/api/v4/account").await.json();
    assert_eq!(account["subdomain"], "sandbox");
    assert_eq!(
        (account["country"].clone(), account["currency"].clone()),
        (json!("CO"), json!("COP"))
    );
    let users = api.get("/api/v4/users").await.json();
    assert_eq!(users["_total_items"], 3);
    assert_eq!(users["_embedded"]["users"][0]["rights"]["is_admin"], true);
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let api = Api::start().await;
    let url = api.url("/api/v4/account");
    let http = api.http.clone();
    api.sandbox.shutdown().await;
    assert!(http.get(&url).bearer_auth(DEFAULT_TOKEN).send().await.is_err());
}

#[tokio::test]
async fn companies_embed_contacts_and_leads_only_on_request() {
    let api = Api::start().await;
    let plain = api.get(&format!("/api/v4/companies/{ANDINA_COMPANY_ID}")).await.json();
    assert_eq!(plain["name"], "Andina Logística S.A.S.");
    assert!(plain["_embedded"].get("contacts").is_none());
    let with = api
        .get(&format!("/api/v4/companies/{ANDINA_COMPANY_ID}?with=contacts,leads"))
        .await
        .json();
    let contacts: Vec<i64> = with["_embedded"]["contacts"]
        .as_array()
        .map(|c| c.iter().filter_map(|c| c["id"].as_i64()).collect())
        .unwrap_or_default();
    assert!(contacts.contains(&JUAN_PEREZ_ID), "{contacts:?}");
    assert_eq!(with["_embedded"]["leads"][0]["id"], ANDINA_LEAD_ID);
    let found = api
        .get("/api/v4/companies?query=andinalogistica")
        .await
        .ids("companies");
    assert_eq!(found, [ANDINA_COMPANY_ID]);
}

#[tokio::test]
async fn moving_a_lead_to_won_sets_closed_at_and_leaving_it_clears_it() {
    let api = Api::start().await;
    let path = format!("/api/v4/leads/{ANDINA_LEAD_ID}");
    let won = api.patch(&path, json!({ "status_id": 142 })).await;
    assert_eq!(won.status, StatusCode::OK, "{}", won.body);
    let lead = api.get(&path).await.json();
    assert_eq!(
        (lead["status_id"].clone(), lead["pipeline_id"].clone()),
        (json!(142), json!(VENTAS_PIPELINE_ID))
    );
    assert!(lead["closed_at"].is_i64());

    let reopened = api
        .patch("/api/v4/leads", json!([{ "id": ANDINA_LEAD_ID, "status_id": kommo_mcp::sandbox::seed::VENTAS_PROPUESTA_STATUS_ID, "price": 1 }]))
        .await;
    assert_eq!(reopened.json()["_embedded"]["leads"][0]["id"], ANDINA_LEAD_ID);
    let lead = api.get(&path).await.json();
    assert_eq!(
        (lead["closed_at"].clone(), lead["price"].clone()),
        (Value::Null, json!(1))
    );
}

#[tokio::test]
async fn mass_link_and_unlink_write_many_sources_in_one_request() {
    let api = Api::start().await;
    let created = api
        .post("/api/v4/leads", json!([{ "name": "Mass A" }, { "name": "Mass B" }]))
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let ids = created.ids("leads");
    assert_eq!(ids.len(), 2);
    let linked = api
        .post(
            "/api/v4/leads/link",
            json!([
                { "entity_id": ids[0], "to_entity_id": JUAN_PEREZ_ID, "to_entity_type": "contacts", "metadata": { "is_main": true } },
                { "entity_id": ids[1], "to_entity_id": ANDINA_COMPANY_ID, "to_entity_type": "companies" },
            ]),
        )
        .await;
    assert_eq!(linked.status, StatusCode::OK, "{}", linked.body);
    let links = linked.json()["_embedded"]["links"].clone();
    assert_eq!(links[0]["entity_id"], ids[0]);
    assert_eq!(links[0]["entity_type"], "leads");
    assert_eq!(links[1]["to_entity_type"], "companies");
    let of_a = api.get(&format!("/api/v4/leads/{}/links", ids[0])).await.json();
    assert_eq!(of_a["_embedded"]["links"][0]["to_entity_id"], JUAN_PEREZ_ID);
    assert_eq!(of_a["_embedded"]["links"][0]["metadata"]["main_contact"], true);
    // A repeated link answers 500 as on Kommo; an unknown source is the item's validation error.
    let again = api
        .post(
            "/api/v4/leads/link",
            json!([{ "entity_id": ids[0], "to_entity_id": JUAN_PEREZ_ID, "to_entity_type": "contacts" }]),
        )
        .await;
    assert_eq!(again.status.as_u16(), 500);
    let unknown = api
        .post(
            "/api/v4/leads/link",
            json!([{ "entity_id": 99_999_999, "to_entity_id": JUAN_PEREZ_ID, "to_entity_type": "contacts" }]),
        )
        .await;
    let problem = assert_problem(&unknown, 400);
    assert_eq!(problem["validation-errors"][0]["request_id"], "0");
    let unlinked = api
        .post(
            "/api/v4/leads/unlink",
            json!([
                { "entity_id": ids[0], "to_entity_id": JUAN_PEREZ_ID, "to_entity_type": "contacts" },
                { "entity_id": ids[1], "to_entity_id": ANDINA_COMPANY_ID, "to_entity_type": "companies" },
            ]),
        )
        .await;
    assert_no_content(&unlinked);
    for id in ids {
        assert_no_content(&api.get(&format!("/api/v4/leads/{id}/links")).await);
    }
}

#[tokio::test]
async fn lists_filter_by_custom_field_values_and_ranges() {
    let api = Api::start().await;
    // Leads: the seeded lead has Unidades = 25 and Fuente = "Búsqueda orgánica".
    let units = "filter%5Bcustom_fields_values%5D%5B1000023%5D";
    let inside = api
        .get(&format!(
            "/api/v4/leads?{units}%5Bfrom%5D=20&{units}%5Bto%5D=30&limit=250"
        ))
        .await;
    assert!(inside.ids("leads").contains(&ANDINA_LEAD_ID), "{}", inside.body);
    let above = api.get(&format!("/api/v4/leads?{units}%5Bfrom%5D=26&limit=250")).await;
    assert!(!above.ids("leads").contains(&ANDINA_LEAD_ID));
    let source = api
        .get(
            "/api/v4/leads?filter%5Bcustom_fields_values%5D%5B1000021%5D%5B%5D=b%C3%BAsqueda%20org%C3%A1nica&limit=250",
        )
        .await;
    assert!(source.ids("leads").contains(&ANDINA_LEAD_ID), "{}", source.body);
    // Contacts by phone text; companies too; a malformed field id is a 400.
    let juan = api.get(&format!("/api/v4/contacts/{JUAN_PEREZ_ID}")).await.json();
    let phone = juan["custom_fields_values"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["field_id"] == CONTACT_PHONE_FIELD_ID))
        .map(|f| f["values"][0]["value"].as_str().unwrap_or_default().to_string())
        .expect("Juan has a phone");
    let by_phone = api
        .get(&format!(
            "/api/v4/contacts?filter%5Bcustom_fields_values%5D%5B{CONTACT_PHONE_FIELD_ID}%5D={}",
            phone.replace('+', "%2B").replace(' ', "%20")
        ))
        .await;
    assert!(by_phone.ids("contacts").contains(&JUAN_PEREZ_ID), "{}", by_phone.body);
    let none = api
        .get("/api/v4/companies?filter%5Bcustom_fields_values%5D%5B1000001%5D=%2B00")
        .await;
    assert_no_content(&none);
    assert_problem(
        &api.get("/api/v4/leads?filter%5Bcustom_fields_values%5D%5Babc%5D=1")
            .await,
        400,
    );
}
