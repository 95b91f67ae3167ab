use serde_json::json;

use super::kommo::*;
use super::*;

fn issues(s: &'static Schema, v: serde_json::Value) -> Vec<Issue> {
    s.check(&&v)
}

fn paths(issues: &[Issue]) -> Vec<String> {
    issues.iter().map(Issue::path_string).collect()
}

#[test]
fn documented_lead_examples_are_valid() {
    let body = json!([
        { "name": "Example Lead 1", "created_by": 8375357, "price": 20000, "status_id": 58141807,
          "pipeline_id": 6950551, "custom_fields_values": [ { "field_id": 184994, "values": [ { "value": true } ] } ] },
        { "name": "Example Lead 2", "price": 10000 }
    ]);
    assert_eq!(LEAD_CREATE.check_batch(&&body), vec![]);
    let update = json!([
        { "id": 152464, "name": "Lead with Sam", "price": 12000, "status_id": 58141811,
          "custom_fields_values": [ { "field_id": 184994, "values": [ { "value": true } ] } ] },
        { "id": 152462, "price": 15000, "pipeline_id": 6954751 }
    ]);
    assert_eq!(LEAD_UPDATE.check_batch(&&update), vec![]);
}

#[test]
fn wrong_types_are_reported_with_paths_and_codes() {
    let found = issues(
        &LEAD_CREATE,
        json!({ "name": 5, "price": -1, "status_id": 1.5,
        "custom_fields_values": [ { "values": [ {} ] } ] }),
    );
    // serde_json objects iterate in key order (JS objects in insertion order).
    let got: Vec<(String, &str)> = found.iter().map(|i| (i.path_string(), i.code)).collect();
    assert_eq!(
        got,
        vec![
            ("custom_fields_values[0].values[0]".to_string(), "custom"),
            ("custom_fields_values[0]".to_string(), "custom"),
            ("name".to_string(), "invalid_type"),
            ("price".to_string(), "too_small"),
            ("status_id".to_string(), "invalid_type"),
        ]
    );
    assert_eq!(found[2].message, "expected string, received number");
    assert_eq!(found[1].message, "custom field needs field_id or field_code");
    assert_eq!(
        found[0].message,
        "custom field value needs value or enum_id or enum_code"
    );
}

#[test]
fn unknown_keys_are_listed_with_a_hint() {
    let found = issues(&CONTACT_CREATE, json!({ "firstName": "Ana" }));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].code, "unrecognized_keys");
    assert_eq!(found[0].keys, vec!["firstName".to_string()]);
    assert!(
        found[0].message.contains("did you mean first_name?"),
        "{}",
        found[0].message
    );
}

#[test]
fn update_payloads_need_an_id() {
    let found = issues(&COMPANY_UPDATE, json!({ "name": "Acme" }));
    assert_eq!(paths(&found), ["id"]);
    assert_eq!(found[0].message, "required: expected a positive integer id");
    assert_eq!(issues(&COMPANY_UPDATE, json!({ "id": 0 }))[0].code, "too_small");
}

#[test]
fn tasks_need_text_and_deadline_and_entity_pairs() {
    let found = issues(&TASK_CREATE, json!({}));
    assert_eq!(paths(&found), ["text", "complete_till"]);
    let found = issues(
        &TASK_CREATE,
        json!({ "text": " ", "complete_till": 1588885140, "entity_id": 5 }),
    );
    assert_eq!(paths(&found), ["text", "entity_type"]);
    assert_eq!(found[0].code, "too_small");
    let ok = json!({"task_type_id":1,"text":"Meeting with the client","complete_till":1588885140,"entity_id":9785993,"entity_type":"leads","request_id":"example"});
    assert_eq!(issues(&TASK_CREATE, ok), vec![]);
    let bad = issues(
        &TASK_CREATE,
        json!({"text":"x","complete_till":1,"entity_id":1,"entity_type":"deals"}),
    );
    assert_eq!(bad[0].code, "invalid_value");
    assert!(bad[0].message.contains("\"leads\""));
}

#[test]
fn common_notes_need_params_text() {
    let ok = json!({"entity_id":1234567,"note_type":"common","params":{"text":"Called"}});
    assert_eq!(issues(&NOTE_CREATE, ok), vec![]);
    let found = issues(
        &NOTE_CREATE,
        json!({"entity_id":1234567,"note_type":"common","text":"Called"}),
    );
    assert_eq!(paths(&found), ["", "params.text"]);
    assert_eq!(found[0].code, "unrecognized_keys");
    assert!(found[1].message.contains("params.text"));
    // Call notes carry other params, text is not required.
    let call =
        json!({"entity_id":1,"note_type":"call_in","params":{"uniq":"a","duration":60,"source":"x","phone":"+1"}});
    assert_eq!(issues(&NOTE_CREATE, call), vec![]);
    assert_eq!(paths(&issues(&NOTE_UPDATE, json!({"id": 1}))), ["entity_id"]);
}

#[test]
fn complex_leads_enforce_one_contact_and_forty_values() {
    let doc = json!({
        "name": "New lead 1", "price": 2222,
        "_embedded": {
            "contacts": [ { "first_name": "Adam", "created_at": 1668784888, "responsible_user_id": 8375357,
                "custom_fields_values": [ { "field_id": 562166, "field_name": "Phone",
                    "values": [ { "value": "0965423364", "enum_code": "WORK" } ] } ],
                "updated_by": 0 } ],
            "companies": [ { "name": "Kommo" } ]
        },
        "created_at": 1668784001, "responsible_user_id": 8375357, "status_id": 49366079,
        "pipeline_id": 5597036, "request_id": "1"
    });
    assert_eq!(issues(&COMPLEX_LEAD, doc), vec![]);
    let values: Vec<_> = (0..41).map(|i| json!({ "value": i })).collect();
    let found = issues(
        &COMPLEX_LEAD,
        json!({
            "_embedded": { "contacts": [ {}, {} ] },
            "custom_fields_values": [ { "field_id": 1, "values": values } ]
        }),
    );
    assert_eq!(paths(&found), ["_embedded.contacts", "custom_fields_values"]);
    assert!(found.iter().all(|i| i.code == "too_big"));
    assert!(found[1].message.contains("at most 40"));
}

#[test]
fn batches_are_limited_per_request() {
    let many = serde_json::Value::Array((0..251).map(|_| json!({ "name": "x" })).collect());
    let found = LEAD_CREATE.check_batch(&&many);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].code, "too_big");
    assert!(found[0].message.contains("at most 250 leads per request"));
    let complex = serde_json::Value::Array((0..51).map(|_| json!({})).collect());
    assert!(COMPLEX_LEAD.check_batch(&&complex)[0].message.contains("at most 50"));
    let empty = json!([]);
    assert_eq!(LEAD_CREATE.check_batch(&&empty)[0].code, "too_small");
    let found = LEAD_CREATE.check_batch(&&json!([{}, { "price": "1" }]));
    assert_eq!(paths(&found), ["[1].price"]);
}

#[test]
fn custom_fields_accept_null_to_clear_and_field_codes() {
    let v = json!({ "id": 1, "custom_fields_values": [
        { "field_code": "PHONE", "values": [ { "value": "+19651796214", "enum_code": "WORK" } ] },
        { "field_id": 3, "values": null } ] });
    assert_eq!(issues(&CONTACT_UPDATE, v), vec![]);
    let v = json!({ "custom_fields_values": [ { "field_id": 3, "values": [ { "value": [1] } ] } ] });
    assert_eq!(issues(&CONTACT_CREATE, v)[0].code, "invalid_type");
}

#[test]
fn webhook_bodies_decode_into_typed_objects() {
    let body = "leads[add][0][id]=30449937&leads[add][0][name]=Deal%20%231&leads[add][0][status_id]=53822434\
&leads[add][0][price]=0&leads[add][0][responsible_user_id]=9040358&leads[add][0][last_modified]=1672189247\
&leads[add][0][modified_user_id]=9040358&leads[add][0][created_user_id]=9040358&leads[add][0][date_create]=1672189247\
&leads[add][0][pipeline_id]=6254262&leads[add][0][account_id]=30739638&leads[add][0][created_at]=1672189247\
&leads[add][0][updated_at]=1672189247&account[subdomain]=121273hvv&account[id]=30739638\
&account[_links][self]=https://121273hvv.amocrm.ru";
    let v = webhook::parse(body.as_bytes()).unwrap();
    let lead = &v["leads"]["add"][0];
    assert_eq!(lead["id"], json!(30449937));
    assert_eq!(lead["name"], json!("Deal #1"));
    assert_eq!(lead["price"], json!(0));
    assert_eq!(lead["date_create"], json!(1672189247));
    assert_eq!(v["account"]["subdomain"], json!("121273hvv"));
    assert_eq!(v["account"]["_links"]["self"], json!("https://121273hvv.amocrm.ru"));

    let msg = "account[subdomain]=shop&account[id]=1&message[add][0][id]=3f2a-uuid&message[add][0][chat_id]=c-1\
&message[add][0][text]=Hola+mundo&message[add][0][created_at]=1700000000&message[add][0][attachment][type]=picture";
    let v = webhook::parse(msg.as_bytes()).unwrap();
    assert_eq!(v["message"]["add"][0]["id"], json!("3f2a-uuid"));
    assert_eq!(v["message"]["add"][0]["text"], json!("Hola mundo"));
    assert_eq!(v["message"]["add"][0]["attachment"]["type"], json!("picture"));

    let err = webhook::parse(b"foo=bar").unwrap_err();
    assert_eq!(
        err.iter().map(|i| i.code).collect::<Vec<_>>(),
        ["invalid_type", "custom"]
    );
    assert_eq!(webhook::parse(b"").unwrap_err()[0].code, "too_small");
    assert_eq!(webhook::parse(b"a[b=1&account[id]=1").unwrap_err()[0].code, "custom");
}

#[test]
fn quoted_writes_what_debug_formatting_writes() {
    let cases: &[&str] = &[
        "common",
        "call_in",
        "",
        "it's",
        "a \"b\"",
        "back\\slash",
        "tab\there",
        "ñandú",
        "line\nbreak",
        "\u{7f}",
        "\u{200b}zero",
        "~ ok",
    ];
    let expected = cases.iter().map(|o| format!("{o:?}")).collect::<Vec<_>>().join(", ");
    assert_eq!(quoted(cases), expected);
    let owned: Vec<String> = cases.iter().map(|s| s.to_string()).collect();
    assert_eq!(quoted(&owned), expected);
    assert_eq!(quoted::<&str>(&[]), "");
}

#[test]
fn similar_ignores_case_dashes_and_underscores() {
    assert!(similar("custom_fields_values", "customFieldsValues"));
    assert!(similar("custom_fields_values", "CUSTOM-FIELDS-VALUES"));
    assert!(similar("price", "Price"));
    assert!(!similar("price", "prices"));
    assert!(!similar("name", "nam"));
    assert!(similar("", "_-"));
}
