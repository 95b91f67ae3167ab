// The original package's 39 MCP tools: every name is listed and accepts the original's
// argument names. Tools that live on other branches until the merge are skipped only when
// KOMMO_ALLOW_MISSING_EXPORTS=1 (after the merge this runs strict).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from './mcp-util.mjs'

// name → [required args, optional args] (original-and-peers.md §1.b).
export const ORIGINAL_TOOLS = {
  kommo_search_contact_by_phone: [['phone'], ['name']],
  kommo_search_contact_by_email: [['email'], []],
  kommo_get_contact: [['contactId'], []],
  kommo_create_contact: [['name'], ['first_name', 'last_name', 'responsible_user_id']],
  kommo_list_leads: [[], ['status_id', 'pipeline_id', 'responsible_user_id', 'page', 'limit']],
  kommo_get_lead: [['leadId'], []],
  kommo_create_lead: [[], ['name', 'price', 'status_id', 'pipeline_id']],
  kommo_update_lead: [['leadId'], ['name', 'price', 'status_id', 'pipeline_id']],
  kommo_search_lead: [['query'], ['pipeline_id']],
  kommo_list_pipelines: [[], []],
  kommo_create_task: [['text', 'complete_till', 'entity_id', 'entity_type'], []],
  kommo_update_lead_custom_fields: [['leadId', 'fields'], []],
  kommo_search_company: [['query'], []],
  kommo_get_company: [['companyId'], []],
  kommo_list_companies: [[], ['page', 'limit']],
  kommo_create_company: [['name'], ['responsible_user_id']],
  kommo_list_deals: [[], ['page', 'limit', 'responsible_user_id']],
  kommo_create_deal: [[], ['name', 'price', 'status_id', 'pipeline_id']],
  kommo_list_catalogs: [[], []],
  kommo_list_catalog_elements: [['catalog_id'], ['page', 'limit']],
  kommo_link_product_to_lead: [['leadId', 'productId'], ['quantity']],
  kommo_list_notes: [['entityType'], ['entityId', 'page', 'limit']],
  kommo_create_note: [['entityType', 'entityId', 'text'], []],
  kommo_get_pipeline_statuses: [['pipelineId'], []],
  kommo_link_lead_to_contact: [['leadId', 'contactId'], []],
  kommo_get_leads_by_contact: [['contactId'], []],
  kommo_unlink_product_from_lead: [['leadId', 'productId'], []],
  kommo_get_select_field_options: [['fieldId'], ['leadId']],
  kommo_list_contacts: [[], ['page', 'limit', 'query', 'responsible_user_id']],
  kommo_update_contact: [['contactId'], ['name', 'first_name', 'last_name']],
  kommo_update_company: [['companyId'], ['name', 'responsible_user_id']],
  kommo_search_deal: [['query'], []],
  kommo_get_deal: [['dealId'], []],
  kommo_update_deal: [['dealId'], ['name', 'price', 'status_id', 'pipeline_id']],
  kommo_list_tasks: [[], ['entity_type', 'entity_id', 'is_completed']],
  kommo_get_task: [['taskId'], []],
  kommo_update_task: [['taskId'], ['text', 'is_completed']],
  kommo_get_note: [['noteId', 'entityType'], []],
  kommo_update_note: [['noteId', 'entityType', 'text'], []],
}

const allowMissing = process.env.KOMMO_ALLOW_MISSING_EXPORTS === '1'

let session
let byName
before(async () => {
  session = await connect()
  const { tools } = await session.client.listTools()
  byName = Object.fromEntries(tools.map((t) => [t.name, t]))
})
after(async () => {
  await session?.close()
})

test('the original has 39 tools', () => {
  assert.equal(Object.keys(ORIGINAL_TOOLS).length, 39)
})

for (const [name, [required, optional]] of Object.entries(ORIGINAL_TOOLS)) {
  test(`${name} exists and accepts the original's arguments`, (t) => {
    const tool = byName[name]
    if (!tool && allowMissing) return t.skip(`${name} is built on another branch (KOMMO_ALLOW_MISSING_EXPORTS=1)`)
    assert.ok(tool, `${name} is listed`)
    const props = Object.keys(tool.inputSchema.properties ?? {})
    for (const arg of [...required, ...optional]) assert.ok(props.includes(arg), `${name} accepts ${arg}`)
    // Never stricter than the original: only its required arguments may be required.
    for (const r of tool.inputSchema.required ?? []) assert.ok(required.includes(r), `${name} requires only original args, not ${r}`)
  })
}
