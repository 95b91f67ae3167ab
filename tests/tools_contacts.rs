//! The contact, company, catalog, link and tag MCP tools against the sandbox: compact text for
//! the model, structured content, original argument names, and errors that say what to do.

use kommo_mcp::api::Client;
use kommo_mcp::config::{validate, RawConfig};
use kommo_mcp::mcp::tools::{all, Access, Context, ToolOutput};
use kommo_mcp::sandbox::seed::{
    ANA_GOMEZ_ID, ANDINA_COMPANY_ID, ANDINA_LEAD_ID, CRM_PRO_ELEMENT_ID, JUAN_PEREZ_ID, PRODUCTS_CATALOG_ID,
    SUPPORT_ELEMENT_ID,
};
use kommo_mcp::sandbox::{Sandbox, SandboxOptions, DEFAULT_TOKEN};
use serde_json::{json, Value};

struct Env {
    sandbox: Sandbox,
    ctx: Context,
}

async fn start() -> Env {
    let sandbox = Sandbox::start(SandboxOptions::default()).await.expect("sandbox starts");
    let config = validate(RawConfig {
        base_url: Some(sandbox.base_url()),
        access_token: Some(DEFAULT_TOKEN.into()),
        ..RawConfig::default()
    })
    .expect("config");
    let ctx = Context::new(Client::new(&config).expect("client"));
    Env { sandbox, ctx }
}

impl Env {
    async fn call(&self, name: &str, args: Value) -> Result<ToolOutput, String> {
        let tools = all();
        let tool = tools
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("{name} is registered"));
        let Value::Object(args) = args else {
            panic!("args must be an object")
        };
        tool.call(self.ctx.clone(), args).await.map_err(|e| e.to_string())
    }
    async fn ok(&self, name: &str, args: Value) -> ToolOutput {
        let out = self.call(name, args).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            !out.text.contains('{'),
            "{name} returns compact text, not JSON: {}",
            out.text
        );
        out
    }
}

#[test]
fn every_new_tool_is_registered_with_a_title_and_the_right_access() {
    let tools = all();
    let find = |n: &str| {
        tools
            .iter()
            .find(|t| t.name == n)
            .unwrap_or_else(|| panic!("{n} missing"))
    };
    for name in [
        "kommo_search_contact_by_email",
        "kommo_get_contact",
        "kommo_list_contacts",
        "kommo_search_company",
        "kommo_get_company",
        "kommo_list_companies",
        "kommo_list_catalogs",
        "kommo_list_catalog_elements",
        "kommo_get_lead_products",
        "kommo_list_links",
        "kommo_list_tags",
    ] {
        let t = find(name);
        assert_eq!(t.access, Access::Read, "{name}");
        assert!(!t.title.is_empty() && t.description.len() > 60, "{name}");
    }
    for name in [
        "kommo_create_contact",
        "kommo_update_contact",
        "kommo_create_company",
        "kommo_update_company",
        "kommo_link_product_to_lead",
        "kommo_unlink_product_from_lead",
        "kommo_link_lead_to_contact",
        "kommo_link_entities",
        "kommo_unlink_entities",
        "kommo_add_tags",
        "kommo_remove_tags",
    ] {
        assert!(!find(name).is_read_only(), "{name} writes");
    }
}

#[tokio::test]
async fn contact_tools_search_get_list_create_and_update() {
    let env = start().await;
    let found = env
        .ok(
            "kommo_search_contact_by_email",
            json!({ "email": "JUAN.PEREZ@example.co" }),
        )
        .await;
    assert!(found.text.starts_with("1 contact has email"), "{}", found.text);
    assert!(found
        .text
        .contains("Juan Pérez #20000001 · phone +57 300 123 4567 (WORK)"));
    assert_eq!(found.structured["total_found"], 1);
    let none = env
        .ok("kommo_search_contact_by_email", json!({ "email": "nobody@example.co" }))
        .await;
    assert_eq!(none.text, "No contact has email nobody@example.co.");

    let got = env.ok("kommo_get_contact", json!({ "contactId": JUAN_PEREZ_ID })).await;
    assert!(got.text.contains("leads: #10000001"), "{}", got.text);
    assert_eq!(got.structured["contact"]["company_ids"], json!([ANDINA_COMPANY_ID]));
    let missing = env
        .call("kommo_get_contact", json!({ "contactId": 99 }))
        .await
        .unwrap_err();
    assert!(missing.contains("no contact has id 99"), "{missing}");
    let wrong_arg = env.call("kommo_get_contact", json!({ "id": 1 })).await.unwrap_err();
    assert!(wrong_arg.contains("unknown field"), "{wrong_arg}");

    let page = env.ok("kommo_list_contacts", json!({ "limit": 5, "page": 2 })).await;
    assert!(page.text.starts_with("5 contacts (page 2):"), "{}", page.text);
    assert!(page.text.contains("More results: call again with page=3."));
    let filtered = env.ok("kommo_list_contacts", json!({ "query": "Ana Gómez" })).await;
    assert_eq!(filtered.structured["contacts"][0]["id"], ANA_GOMEZ_ID);
    let empty = env.ok("kommo_list_contacts", json!({ "query": "zzzz" })).await;
    assert_eq!(empty.text, "No contacts match.");

    let created = env
        .ok(
            "kommo_create_contact",
            json!({ "name": "Lucía Vargas", "phones": [{ "value": "+57 315 000 1122", "type": "MOB" }],
                    "emails": ["lucia@example.co"], "company_id": ANDINA_COMPANY_ID, "tags": ["Nuevo"] }),
        )
        .await;
    let id = created.structured["id"].as_i64().unwrap();
    assert_eq!(created.text, format!("Contact #{id} created."));
    let read = env.ok("kommo_get_contact", json!({ "contactId": id })).await;
    assert!(
        read.text
            .contains("phone +57 315 000 1122 (MOB) · email lucia@example.co (WORK)"),
        "{}",
        read.text
    );
    assert!(read.text.contains("tags: Nuevo"));
    let bad_type = env
        .call(
            "kommo_create_contact",
            json!({ "name": "X", "phones": [{ "value": "1", "type": "CELL" }] }),
        )
        .await
        .unwrap_err();
    assert!(bad_type.contains("WORK, WORKDD, MOB"), "{bad_type}");

    let updated = env
        .ok(
            "kommo_update_contact",
            json!({ "contactId": id, "last_name": "Vargas Ruiz" }),
        )
        .await;
    assert_eq!(updated.text, format!("Contact #{id} updated."));
    let nothing = env
        .call("kommo_update_contact", json!({ "contactId": id }))
        .await
        .unwrap_err();
    assert!(nothing.contains("nothing to change"));
}

#[tokio::test]
async fn company_tools_search_get_list_create_and_update() {
    let env = start().await;
    let found = env.ok("kommo_search_company", json!({ "query": "Andina" })).await;
    assert!(
        found
            .text
            .contains("Andina Logística S.A.S. #30000001 · phone +57 601 745 2200 (WORK)"),
        "{}",
        found.text
    );
    assert!(found.text.contains("web https://andinalogistica.example"));
    let got = env
        .ok("kommo_get_company", json!({ "companyId": ANDINA_COMPANY_ID }))
        .await;
    assert!(got.text.contains("contacts #20000001"), "{}", got.text);
    assert!(got.text.contains("leads #10000001"));
    assert!(env
        .call("kommo_get_company", json!({ "companyId": 99 }))
        .await
        .unwrap_err()
        .contains("kommo_search_company"));
    let page = env.ok("kommo_list_companies", json!({ "limit": 10 })).await;
    assert!(page.text.starts_with("10 companies (page 1):"));
    assert!(page.text.contains("page=2"));
    let last = env.ok("kommo_list_companies", json!({ "limit": 10, "page": 5 })).await;
    assert_eq!(last.text, "No companies on page 5.");

    let created = env
        .ok(
            "kommo_create_company",
            json!({ "name": "Café Andes", "emails": ["hola@cafe.example"], "tags": ["Aliado"] }),
        )
        .await;
    let id = created.structured["id"].as_i64().unwrap();
    let read = env.ok("kommo_get_company", json!({ "companyId": id })).await;
    assert!(
        read.text.contains("email hola@cafe.example (WORK)") && read.text.contains("tags Aliado"),
        "{}",
        read.text
    );
    env.ok(
        "kommo_update_company",
        json!({ "companyId": id, "name": "Café de los Andes" }),
    )
    .await;
    let read = env.ok("kommo_get_company", json!({ "companyId": id })).await;
    assert!(read.text.starts_with("Café de los Andes #"));
    assert!(env.call("kommo_create_company", json!({ "name": " " })).await.is_err());
}

#[tokio::test]
async fn catalog_and_product_tools_find_the_catalog_and_show_names() {
    let env = start().await;
    let cats = env.ok("kommo_list_catalogs", json!({})).await;
    assert_eq!(
        cats.text,
        "2 catalogs:\n- Productos #8000001 (products)\n- Proveedores #8000002 (regular)\n"
    );
    let page = env
        .ok(
            "kommo_list_catalog_elements",
            json!({ "catalog_id": PRODUCTS_CATALOG_ID, "limit": 3 }),
        )
        .await;
    assert!(
        page.text
            .contains("Licencia CRM Pro #50000001 · SKU: CRM-PRO · Precio: 450000"),
        "{}",
        page.text
    );
    assert!(page.text.contains("page=2"));
    let searched = env
        .ok(
            "kommo_list_catalog_elements",
            json!({ "catalog_id": PRODUCTS_CATALOG_ID, "query": "zzz" }),
        )
        .await;
    assert_eq!(searched.text, "No elements in catalog #8000001 match.");
    let missing = env
        .call("kommo_list_catalog_elements", json!({ "catalog_id": 1 }))
        .await
        .unwrap_err();
    assert!(missing.contains("kommo_list_catalogs"), "{missing}");

    // Original argument names, no catalog_id: the catalog is found.
    let linked = env
        .ok(
            "kommo_link_product_to_lead",
            json!({ "leadId": ANDINA_LEAD_ID, "productId": SUPPORT_ELEMENT_ID, "quantity": 2 }),
        )
        .await;
    assert_eq!(
        linked.text,
        "Product #50000003 (catalog #8000001) linked to lead #10000001 with quantity 2."
    );
    let products = env
        .ok("kommo_get_lead_products", json!({ "leadId": ANDINA_LEAD_ID }))
        .await;
    assert!(
        products.text.contains("Licencia CRM Pro #50000001 · quantity 3"),
        "{}",
        products.text
    );
    assert!(products.text.contains("Soporte premium anual #50000003 · quantity 2"));
    let removed = env
        .ok(
            "kommo_unlink_product_from_lead",
            json!({ "leadId": ANDINA_LEAD_ID, "productId": SUPPORT_ELEMENT_ID }),
        )
        .await;
    assert_eq!(removed.text, "Product #50000003 removed from lead #10000001.");
    let products = env
        .ok("kommo_get_lead_products", json!({ "leadId": ANDINA_LEAD_ID }))
        .await;
    assert!(!products.text.contains("Soporte premium"));
    let unknown = env
        .call(
            "kommo_link_product_to_lead",
            json!({ "leadId": ANDINA_LEAD_ID, "productId": 123 }),
        )
        .await
        .unwrap_err();
    assert!(unknown.contains("no catalog has an element with id 123"), "{unknown}");
    assert!(env
        .call(
            "kommo_link_product_to_lead",
            json!({ "leadId": ANDINA_LEAD_ID, "productId": CRM_PRO_ELEMENT_ID, "quantity": 0 })
        )
        .await
        .is_err());
}

#[tokio::test]
async fn link_and_tag_tools() {
    let env = start().await;
    env.sandbox.reset_stats();
    let first = env
        .ok(
            "kommo_link_lead_to_contact",
            json!({ "leadId": ANDINA_LEAD_ID, "contactId": ANA_GOMEZ_ID }),
        )
        .await;
    assert_eq!(first.text, "Lead #10000001 linked to contact #20000005.");
    assert_eq!(env.sandbox.stats().requests, 1);
    let again = env
        .ok(
            "kommo_link_lead_to_contact",
            json!({ "leadId": ANDINA_LEAD_ID, "contactId": ANA_GOMEZ_ID }),
        )
        .await;
    assert_eq!(again.text, "Lead #10000001 was already linked to contact #20000005.");

    let links = env
        .ok(
            "kommo_list_links",
            json!({ "entity_type": "leads", "entity_id": ANDINA_LEAD_ID }),
        )
        .await;
    assert!(
        links.text.contains("- contacts #20000001 (main contact)"),
        "{}",
        links.text
    );
    assert!(links
        .text
        .contains("- catalog_elements #50000001 · quantity 3 · catalog #8000001"));
    let only = env
        .ok(
            "kommo_list_links",
            json!({ "entity_type": "leads", "entity_id": ANDINA_LEAD_ID, "to_entity_type": "companies" }),
        )
        .await;
    assert_eq!(only.text, "lead #10000001 is linked to:\n- companies #30000001\n");

    let linked = env
        .ok(
            "kommo_link_entities",
            json!({ "entity_type": "contacts", "entity_id": ANA_GOMEZ_ID,
                    "links": [{ "to_entity_type": "companies", "to_entity_id": ANDINA_COMPANY_ID }] }),
        )
        .await;
    assert_eq!(linked.text, "contact #20000005 linked to companies #30000001.");
    let unlinked = env
        .ok(
            "kommo_unlink_entities",
            json!({ "entity_type": "contacts", "entity_id": ANA_GOMEZ_ID,
                    "links": [{ "to_entity_type": "companies", "to_entity_id": ANDINA_COMPANY_ID }] }),
        )
        .await;
    assert_eq!(unlinked.text, "contact #20000005 unlinked from companies #30000001.");
    let none = env
        .ok(
            "kommo_list_links",
            json!({ "entity_type": "contacts", "entity_id": ANA_GOMEZ_ID, "to_entity_type": "companies" }),
        )
        .await;
    assert_eq!(none.text, "contact #20000005 has no links to companies.");
    assert!(env
        .call("kommo_list_links", json!({ "entity_type": "deals", "entity_id": 1 }))
        .await
        .unwrap_err()
        .contains("unknown variant"));

    let tags = env.ok("kommo_list_tags", json!({ "entity_type": "leads" })).await;
    assert!(tags.text.starts_with("4 tags: VIP #"), "{}", tags.text);
    let some = env
        .ok("kommo_list_tags", json!({ "entity_type": "leads", "query": "zz" }))
        .await;
    assert_eq!(some.text, "No tags match.");
    env.ok(
        "kommo_add_tags",
        json!({ "entity_type": "contacts", "entity_id": JUAN_PEREZ_ID, "tags": ["Cliente", "VIP"] }),
    )
    .await;
    let juan = env.ok("kommo_get_contact", json!({ "contactId": JUAN_PEREZ_ID })).await;
    assert!(juan.text.contains("tags: Cliente, VIP"), "{}", juan.text);
    env.ok(
        "kommo_remove_tags",
        json!({ "entity_type": "contacts", "entity_id": JUAN_PEREZ_ID, "tags": ["VIP"] }),
    )
    .await;
    let juan = env.ok("kommo_get_contact", json!({ "contactId": JUAN_PEREZ_ID })).await;
    assert!(juan.text.contains("tags: Cliente\n"), "{}", juan.text);
    assert!(env
        .call(
            "kommo_add_tags",
            json!({ "entity_type": "contacts", "entity_id": 99, "tags": ["x"] })
        )
        .await
        .is_err());
}
