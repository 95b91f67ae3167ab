//! Catalogs, elements, links and tags: the API client against the sandbox over real HTTP, so both
//! the emulator and the client are checked on the data they exchange.

use kommo_mcp::api::links::{self, Link, LinkFilter, LinkMetadata, Linked};
use kommo_mcp::api::list::ListOptions;
use kommo_mcp::api::model::TagWrite;
use kommo_mcp::api::{catalogs, companies, contacts, tags, Client};
use kommo_mcp::config::{validate, RawConfig};
use kommo_mcp::error::Error;
use kommo_mcp::sandbox::seed::{
    ANA_GOMEZ_ID, ANDINA_COMPANY_ID, ANDINA_LEAD_ID, CRM_PRO_ELEMENT_ID, JUAN_PEREZ_ID, PRODUCTS_CATALOG_ID,
    PRODUCT_COUNT, PRODUCT_SKU_FIELD_ID, SUPPLIERS_CATALOG_ID, SUPPORT_ELEMENT_ID, TRAINING_ELEMENT_ID,
};
use kommo_mcp::sandbox::{Sandbox, SandboxOptions, DEFAULT_TOKEN};
use serde_json::{json, Map, Value};

async fn start() -> (Sandbox, Client) {
    let sandbox = Sandbox::start(SandboxOptions::default()).await.expect("sandbox starts");
    let config = validate(RawConfig {
        base_url: Some(sandbox.base_url()),
        access_token: Some(DEFAULT_TOKEN.into()),
        ..RawConfig::default()
    })
    .expect("sandbox config is valid");
    let client = Client::new(&config).expect("client");
    (sandbox, client)
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => panic!("not an object"),
    }
}

fn opts(page: u32, limit: u32) -> ListOptions {
    ListOptions {
        page: Some(page),
        limit: Some(limit),
        ..ListOptions::default()
    }
}

#[tokio::test]
async fn catalogs_list_with_their_types_and_field_definitions() {
    let (_sb, client) = start().await;
    let list = catalogs::list_catalogs(&client).await.unwrap();
    let names: Vec<(&str, Option<&str>)> = list.iter().map(|c| (c.name.as_str(), c.kind.as_deref())).collect();
    assert_eq!(
        names,
        vec![("Productos", Some("products")), ("Proveedores", Some("regular"))]
    );
    let one = catalogs::get_catalog(&client, PRODUCTS_CATALOG_ID)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(one.name, "Productos");
    assert!(catalogs::get_catalog(&client, 1).await.unwrap().is_none());
    let fields = catalogs::custom_fields(&client, PRODUCTS_CATALOG_ID)
        .await
        .unwrap()
        .unwrap();
    let codes: Vec<Option<&str>> = fields.iter().map(|f| f.code.as_deref()).collect();
    assert_eq!(codes, vec![Some("SKU"), Some("PRICE"), Some("DESCRIPTION")]);
    assert!(catalogs::custom_fields(&client, 1).await.unwrap().is_none());
}

#[tokio::test]
async fn catalog_elements_page_search_and_read_by_id() {
    let (_sb, client) = start().await;
    let first = catalogs::list_elements(&client, PRODUCTS_CATALOG_ID, &[], &opts(1, 10))
        .await
        .unwrap();
    assert_eq!(first.items.len(), 10);
    assert_eq!(first.next_page, Some(2));
    assert_eq!(first.items[0].name, "Licencia CRM Pro");
    let third = catalogs::list_elements(&client, PRODUCTS_CATALOG_ID, &[], &opts(3, 10))
        .await
        .unwrap();
    assert_eq!(third.items.len(), PRODUCT_COUNT - 20);
    assert!(!third.has_more());
    let beyond = catalogs::list_elements(&client, PRODUCTS_CATALOG_ID, &[], &opts(9, 10))
        .await
        .unwrap();
    assert!(beyond.items.is_empty());

    // `query` matches names and field values (the SKU).
    let by_sku = ListOptions {
        query: Some("sup-prem".into()),
        ..ListOptions::default()
    };
    let found = catalogs::list_elements(&client, PRODUCTS_CATALOG_ID, &[], &by_sku)
        .await
        .unwrap();
    assert_eq!(
        found.items.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![SUPPORT_ELEMENT_ID]
    );
    let none = ListOptions {
        query: Some("no such product".into()),
        ..ListOptions::default()
    };
    assert!(catalogs::list_elements(&client, PRODUCTS_CATALOG_ID, &[], &none)
        .await
        .unwrap()
        .items
        .is_empty());

    let by_ids = catalogs::elements_by_ids(&client, PRODUCTS_CATALOG_ID, &[TRAINING_ELEMENT_ID, CRM_PRO_ELEMENT_ID])
        .await
        .unwrap();
    assert_eq!(by_ids.len(), 2);

    let e = catalogs::get_element(&client, PRODUCTS_CATALOG_ID, CRM_PRO_ELEMENT_ID)
        .await
        .unwrap()
        .unwrap();
    let sku = e
        .custom_fields_values
        .unwrap()
        .into_iter()
        .find(|f| f.field_id == PRODUCT_SKU_FIELD_ID)
        .unwrap();
    assert_eq!(sku.field_code.as_deref(), Some("SKU"));
    assert_eq!(sku.values[0].as_text().as_deref(), Some("CRM-PRO"));
    // An element of another catalog is not found through this one.
    assert!(catalogs::get_element(&client, SUPPLIERS_CATALOG_ID, CRM_PRO_ELEMENT_ID)
        .await
        .unwrap()
        .is_none());
    let missing = catalogs::list_elements(&client, 1, &[], &ListOptions::default()).await;
    assert!(matches!(missing, Err(Error::NotFound { .. })), "{missing:?}");
}

#[tokio::test]
async fn catalog_elements_are_created_updated_and_validated() {
    let (_sb, client) = start().await;
    let id = catalogs::create_element(
        &client,
        PRODUCTS_CATALOG_ID,
        obj(json!({ "name": "Kit de bienvenida", "custom_fields_values": [{ "field_code": "SKU", "values": [{ "value": "KIT-01" }] }] })),
    )
    .await
    .unwrap();
    let e = catalogs::get_element(&client, PRODUCTS_CATALOG_ID, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.name, "Kit de bienvenida");
    catalogs::update_element(&client, PRODUCTS_CATALOG_ID, id, obj(json!({ "name": "Kit VIP" })))
        .await
        .unwrap();
    let e = catalogs::get_element(&client, PRODUCTS_CATALOG_ID, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.name, "Kit VIP");
    assert_eq!(
        e.custom_fields_values.unwrap()[0].values[0].as_text().as_deref(),
        Some("KIT-01")
    );

    let bad = catalogs::create_element(
        &client,
        PRODUCTS_CATALOG_ID,
        obj(json!({ "name": "X", "custom_fields_values": [{ "field_id": 1, "values": [{ "value": "x" }] }] })),
    )
    .await;
    match bad {
        Err(Error::Validation { errors, .. }) => {
            assert_eq!(errors[0].code, "NotSupportedChoice");
            assert_eq!(errors[0].path, "custom_fields_values.0.field_id");
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    let nameless = catalogs::create_element(&client, PRODUCTS_CATALOG_ID, obj(json!({}))).await;
    assert!(matches!(nameless, Err(Error::Validation { .. })));
}

#[tokio::test]
async fn lead_products_read_names_with_one_request_per_catalog() {
    let (sb, client) = start().await;
    sb.reset_stats();
    let products = catalogs::lead_products(&client, ANDINA_LEAD_ID).await.unwrap().unwrap();
    let got: Vec<(&str, Option<f64>)> = products.iter().map(|p| (p.name.as_str(), p.quantity)).collect();
    assert_eq!(
        got,
        vec![("Licencia CRM Pro", Some(3.0)), ("Capacitación de equipo", Some(1.0))]
    );
    assert_eq!(products[0].catalog_id, PRODUCTS_CATALOG_ID);
    assert_eq!(sb.stats().requests, 2, "the lead, then the elements of its one catalog");
    assert!(catalogs::lead_products(&client, 99).await.unwrap().is_none());
}

#[tokio::test]
async fn links_are_listed_created_and_removed_with_array_bodies() {
    let (sb, client) = start().await;
    let all = links::list_links(
        &client,
        "leads",
        ANDINA_LEAD_ID,
        &LinkFilter::default(),
        &ListOptions::default(),
    )
    .await
    .unwrap();
    let kinds: Vec<(&str, i64)> = all
        .items
        .iter()
        .map(|l| (l.to_entity_type.as_str(), l.to_entity_id))
        .collect();
    assert!(kinds.contains(&("contacts", JUAN_PEREZ_ID)));
    assert!(kinds.contains(&("companies", ANDINA_COMPANY_ID)));
    assert!(kinds.contains(&("catalog_elements", CRM_PRO_ELEMENT_ID)));
    let juan = all.items.iter().find(|l| l.to_entity_id == JUAN_PEREZ_ID).unwrap();
    assert_eq!(juan.metadata.as_ref().and_then(|m| m.main_contact), Some(true));

    let filtered = LinkFilter {
        to_entity: Some((ANA_GOMEZ_ID, "contacts".into())),
        to_catalog_id: None,
    };
    assert!(
        links::list_links(&client, "leads", ANDINA_LEAD_ID, &filtered, &ListOptions::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );

    // Linking: one request; linking again hits Kommo's 500 and is recognised as "already linked".
    let ana = Link {
        to_entity_id: ANA_GOMEZ_ID,
        to_entity_type: "contacts".into(),
        metadata: None,
    };
    sb.reset_stats();
    assert_eq!(
        links::link_one(&client, "leads", ANDINA_LEAD_ID, ana.clone())
            .await
            .unwrap(),
        Linked::Created
    );
    assert_eq!(sb.stats().requests, 1);
    assert_eq!(
        links::link_one(&client, "leads", ANDINA_LEAD_ID, ana.clone())
            .await
            .unwrap(),
        Linked::AlreadyLinked
    );
    let now = links::list_links(&client, "leads", ANDINA_LEAD_ID, &filtered, &ListOptions::default())
        .await
        .unwrap();
    assert_eq!(now.items.len(), 1);

    links::unlink(&client, "leads", ANDINA_LEAD_ID, std::slice::from_ref(&ana))
        .await
        .unwrap();
    let after = links::list_links(&client, "leads", ANDINA_LEAD_ID, &filtered, &ListOptions::default())
        .await
        .unwrap();
    assert!(after.items.is_empty());

    // Products: quantity and catalog in metadata; a wrong catalog is a validation error.
    let product = Link {
        to_entity_id: SUPPORT_ELEMENT_ID,
        to_entity_type: "catalog_elements".into(),
        metadata: Some(LinkMetadata {
            quantity: Some(2.0),
            catalog_id: Some(PRODUCTS_CATALOG_ID),
            ..LinkMetadata::default()
        }),
    };
    links::link(&client, "contacts", JUAN_PEREZ_ID, std::slice::from_ref(&product))
        .await
        .unwrap();
    let by_catalog = LinkFilter {
        to_entity: None,
        to_catalog_id: Some(PRODUCTS_CATALOG_ID),
    };
    let juan_products = links::list_links(&client, "contacts", JUAN_PEREZ_ID, &by_catalog, &ListOptions::default())
        .await
        .unwrap();
    assert_eq!(juan_products.items.len(), 1);
    assert_eq!(
        juan_products.items[0].metadata.as_ref().and_then(|m| m.quantity),
        Some(2.0)
    );
    let mut wrong = product.clone();
    wrong.metadata = Some(LinkMetadata {
        catalog_id: Some(SUPPLIERS_CATALOG_ID),
        ..LinkMetadata::default()
    });
    assert!(matches!(
        links::link(&client, "contacts", JUAN_PEREZ_ID, &[wrong]).await,
        Err(Error::Validation { .. })
    ));
    // Invalid input never reaches Kommo.
    assert!(matches!(
        links::link(&client, "deals", 1, std::slice::from_ref(&product)).await,
        Err(Error::InvalidArgument { .. })
    ));
}

#[tokio::test]
async fn tags_are_listed_created_attached_and_detached() {
    let (_sb, client) = start().await;
    let lead_tags = tags::list_tags(&client, "leads", &[], None, &ListOptions::default())
        .await
        .unwrap();
    let names: Vec<&str> = lead_tags.items.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, vec!["VIP", "Recompra", "Web", "Evento"]);
    let second = tags::list_tags(&client, "leads", &[], None, &opts(2, 3)).await.unwrap();
    assert_eq!(second.items.len(), 1);
    let searched = ListOptions {
        query: Some("comp".into()),
        ..ListOptions::default()
    };
    let found = tags::list_tags(&client, "leads", &[], None, &searched).await.unwrap();
    assert_eq!(
        found.items.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        vec!["Recompra"]
    );
    assert!(tags::list_tags(&client, "contacts", &[], None, &ListOptions::default())
        .await
        .unwrap()
        .items
        .is_empty());

    let created = tags::create_tags(
        &client,
        "contacts",
        &[
            tags::NewTag {
                name: "Cliente".into(),
                color: None,
            },
            tags::NewTag {
                name: "cliente".into(),
                color: None,
            },
        ],
    )
    .await
    .unwrap();
    assert_eq!(created.len(), 2);
    assert_eq!(
        created[0].id, created[1].id,
        "an existing name gives back the existing tag"
    );

    let by_name = |n: &str| TagWrite {
        id: None,
        name: Some(n.into()),
    };
    tags::attach(
        &client,
        "contacts",
        JUAN_PEREZ_ID,
        &[by_name("Cliente"), by_name("Nuevo")],
    )
    .await
    .unwrap();
    let juan = contacts::get(&client, JUAN_PEREZ_ID, &[]).await.unwrap().unwrap();
    let mut names: Vec<String> = juan.embedded.unwrap().tags.into_iter().map(|t| t.name).collect();
    names.sort();
    assert_eq!(names, vec!["Cliente", "Nuevo"]);
    tags::detach(&client, "contacts", JUAN_PEREZ_ID, &[by_name("Nuevo")])
        .await
        .unwrap();
    let juan = contacts::get(&client, JUAN_PEREZ_ID, &[]).await.unwrap().unwrap();
    let names: Vec<String> = juan.embedded.unwrap().tags.into_iter().map(|t| t.name).collect();
    assert_eq!(names, vec!["Cliente"]);

    tags::attach(&client, "companies", ANDINA_COMPANY_ID, &[by_name("Aliado")])
        .await
        .unwrap();
    let andina = companies::get(&client, ANDINA_COMPANY_ID, &[]).await.unwrap().unwrap();
    assert_eq!(andina.tag_names(), vec!["Aliado"]);
    assert!(matches!(
        tags::attach(&client, "tasks", 1, &[by_name("x")]).await,
        Err(Error::InvalidArgument { .. })
    ));
}

#[tokio::test]
async fn contacts_filter_search_by_email_and_write_phones_with_types() {
    let (_sb, client) = start().await;
    let found = contacts::search_by_email(&client, "JUAN.PEREZ@example.co")
        .await
        .unwrap();
    assert_eq!(found.iter().map(|c| c.id).collect::<Vec<_>>(), vec![JUAN_PEREZ_ID]);
    assert!(contacts::search_by_email(&client, "juan.perez@example.com")
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        contacts::search_by_email(&client, "not-an-email").await,
        Err(Error::InvalidArgument { .. })
    ));

    let data: contacts::ContactData = serde_json::from_value(json!({
        "first_name": "Lucía", "last_name": "Vargas",
        "phones": ["+57 315 000 1122", { "value": "+57 601 000 3344", "type": "work" }],
        "emails": [{ "value": "lucia@example.co", "type": "PRIV" }],
        "_embedded": { "companies": [{ "id": ANDINA_COMPANY_ID }] }
    }))
    .unwrap();
    let id = contacts::create_one(&client, data.to_map().unwrap()).await.unwrap();
    let c = contacts::get(&client, id, &[]).await.unwrap().unwrap();
    assert_eq!(c.name, "Lucía Vargas");
    assert_eq!(
        c.phones(),
        vec![
            ("+57 315 000 1122".to_string(), Some("WORK")),
            ("+57 601 000 3344".to_string(), Some("WORK"))
        ]
    );
    assert_eq!(c.emails(), vec![("lucia@example.co".to_string(), Some("PRIV"))]);
    assert_eq!(c.company_ids(), vec![ANDINA_COMPANY_ID]);

    let bad: contacts::ContactData =
        serde_json::from_value(json!({ "phones": [{ "value": "1", "type": "CELL" }] })).unwrap();
    assert!(bad.to_map().is_err());

    let filter = contacts::EntityFilter {
        ids: vec![JUAN_PEREZ_ID, id],
        ..Default::default()
    };
    let listed = contacts::list_contacts(&client, &filter, &ListOptions::default())
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 2);

    contacts::update_one(&client, id, obj(json!({ "last_name": "Vargas Ruiz" })))
        .await
        .unwrap();
    assert_eq!(
        contacts::get(&client, id, &[]).await.unwrap().unwrap().name,
        "Lucía Vargas Ruiz"
    );
}

#[tokio::test]
async fn companies_are_found_by_domain_not_by_mentions() {
    let (_sb, client) = start().await;
    for domain in [
        "andinalogistica.example",
        "https://www.andinalogistica.example/contacto",
        "ventas@andinalogistica.example",
    ] {
        let found = companies::search_by_domain(&client, domain).await.unwrap();
        assert_eq!(
            found.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![ANDINA_COMPANY_ID],
            "{domain}"
        );
    }
    assert!(companies::search_by_domain(&client, "logistica.example")
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        companies::search_by_domain(&client, "nodot").await,
        Err(Error::InvalidArgument { .. })
    ));
    let id = companies::create_one(&client, obj(json!({ "name": "Nueva S.A.S." })))
        .await
        .unwrap();
    companies::update_one(&client, id, obj(json!({ "name": "Nueva Renombrada S.A.S." })))
        .await
        .unwrap();
    assert_eq!(
        companies::get(&client, id, &[]).await.unwrap().unwrap().name,
        "Nueva Renombrada S.A.S."
    );
    assert!(companies::get(&client, 1, &[]).await.unwrap().is_none());
}

#[tokio::test]
async fn link_routes_want_arrays_and_unlink_answers_204() {
    use kommo_mcp::api::Query;
    use reqwest::Method;
    let (_sb, client) = start().await;
    let single = json!({ "to_entity_id": ANA_GOMEZ_ID, "to_entity_type": "contacts" });
    let r = client
        .send_json::<Value>(
            Method::POST,
            &format!("leads/{ANDINA_LEAD_ID}/link"),
            &Query::new(),
            Some(&single),
        )
        .await;
    match r {
        Err(Error::Validation { errors, .. }) => assert_eq!(errors[0].code, "InvalidType"),
        other => panic!("a single object must be refused, got {other:?}"),
    }
    let missing = client
        .send_json::<Value>(Method::POST, "leads/99/link", &Query::new(), Some(&json!([single])))
        .await;
    assert!(matches!(missing, Err(Error::NotFound { .. })), "{missing:?}");
    let unlink = json!([{ "to_entity_id": CRM_PRO_ELEMENT_ID, "to_entity_type": "catalog_elements" }]);
    let r = client
        .send_json::<Value>(
            Method::POST,
            &format!("leads/{ANDINA_LEAD_ID}/unlink"),
            &Query::new(),
            Some(&unlink),
        )
        .await
        .unwrap();
    assert!(r.is_none(), "204 No Content");
    let products = catalogs::lead_products(&client, ANDINA_LEAD_ID).await.unwrap().unwrap();
    assert_eq!(
        products.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![TRAINING_ELEMENT_ID]
    );
}
