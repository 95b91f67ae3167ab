// MCP tools for leads, deals, pipelines and custom fields, over the real stdio server.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { connect, call } from './mcp-util.mjs'
import * as S from './sandbox-util.mjs'

let session
let client
before(async () => {
  session = await connect()
  client = session.client
})
after(async () => {
  await session?.close()
})

test('kommo_update_lead_custom_fields sets fields by name; warm it costs one request', async () => {
  const first = await call(client, 'kommo_update_lead_custom_fields', { leadId: S.ANDINA_LEAD_ID, fields: { fuente: 'REFERIDO' } })
  assert.ok(!first.isError, first.text)
  assert.match(first.text, /^Lead #10000001 updated: Fuente = Referido\./)
  await S.resetStats(session.sandbox)
  const r = await call(client, 'kommo_update_lead_custom_fields', {
    leadId: S.ANDINA_LEAD_ID,
    fields: { 'Productos de interés': ['crm', 'capacitacion'], Unidades: 5 },
  })
  assert.ok(!r.isError, r.text)
  assert.match(r.text, /Productos de interés = CRM, Capacitación/)
  assert.deepEqual(r.data.updated.map((f) => f.name), ['Productos de interés', 'Unidades'])
  assert.deepEqual((await S.stats(session.sandbox)).by_route, { 'PATCH /api/v4/leads/{id}': 1 })
})

test('kommo_update_lead_custom_fields lists valid options when a value matches none', async () => {
  const r = await call(client, 'kommo_update_lead_custom_fields', { leadId: S.ANDINA_LEAD_ID, fields: { Fuente: 'Radio' } })
  assert.ok(r.isError)
  assert.match(r.text, /"Radio" is not an option/)
  assert.match(r.text, /Redes sociales/)
})

test('kommo_get_select_field_options accepts the unused leadId and a field name', async () => {
  const r = await call(client, 'kommo_get_select_field_options', { leadId: 1, fieldId: S.LEAD_SOURCE_FIELD_ID })
  assert.ok(!r.isError, r.text)
  assert.equal(r.text, 'Fuente: Búsqueda orgánica, Referido, Redes sociales, Publicidad pagada, Evento')
  assert.equal(r.data.field_id, 1000021)
  assert.ok(r.data.options.every((o) => o.enum_id > 0), 'enum ids stay in structuredContent')
  const byName = await call(client, 'kommo_get_select_field_options', { fieldId: 'productos' })
  assert.equal(byName.data.name, 'Productos de interés')
  assert.match(byName.text, /^Productos de interés \(several\): CRM, /)
  const missing = await call(client, 'kommo_get_select_field_options', { fieldId: 42 })
  assert.ok(missing.isError)
})

test('kommo_list_custom_fields lists names, types and options', async () => {
  const r = await call(client, 'kommo_list_custom_fields', { entity: 'leads' })
  assert.ok(!r.isError, r.text)
  assert.match(r.text, /^Fields of leads \(7\):\n/)
  assert.match(r.text, /\nFuente \(select\): Búsqueda orgánica, Referido/)
  assert.match(r.text, /\nUnidades \(numeric\)(\n|$)/)
  assert.equal(r.data.fields.find((f) => f.name === 'Fuente').id, 1000021)
  const contacts = await call(client, 'kommo_list_custom_fields', { entity: 'contacts' })
  assert.match(contacts.text, /\nPhone \(multitext, code PHONE\)/)
  const bad = await call(client, 'kommo_list_custom_fields', { entity: 'tasks' })
  assert.ok(bad.isError)
})

test('kommo_get_pipeline_statuses lists one pipeline stages from the cache', async () => {
  const r = await call(client, 'kommo_get_pipeline_statuses', { pipelineId: S.VENTAS_PIPELINE_ID })
  assert.ok(!r.isError, r.text)
  assert.match(r.text, /^Ventas #7000001: Incoming leads \d+ \(incoming\), Contacto inicial \d+, /)
  assert.match(r.text, /, Closed - won 142, Closed - lost 143$/)
  await S.resetStats(session.sandbox)
  await call(client, 'kommo_get_pipeline_statuses', { pipelineId: S.VENTAS_PIPELINE_ID })
  assert.equal((await S.stats(session.sandbox)).requests, 0)
  const missing = await call(client, 'kommo_get_pipeline_statuses', { pipelineId: 5 })
  assert.ok(missing.isError)
  assert.match(missing.text, /no pipeline has id 5/)
})

test('kommo_get_leads_by_contact lists the contact leads', async () => {
  const r = await call(client, 'kommo_get_leads_by_contact', { contactId: S.JUAN_PEREZ_ID })
  assert.ok(!r.isError, r.text)
  assert.match(r.text, /Implementación CRM — Andina Logística #10000001/)
  assert.ok(r.data.leads.length < 20)
  const missing = await call(client, 'kommo_get_leads_by_contact', { contactId: 99999999 })
  assert.ok(missing.isError)
})

test('deal tools accept the original names and arguments', async () => {
  const list = await call(client, 'kommo_list_deals', { page: 2, limit: 5, responsible_user_id: 9000002 })
  assert.ok(!list.isError, list.text)
  assert.match(list.text, /\(page 2\)/)
  assert.ok(list.data.leads.every((l) => l.responsible_user_id === 9000002))
  const created = await call(client, 'kommo_create_deal', { name: 'MCP deal', price: 10, status_id: S.PROPUESTA_STATUS_ID })
  assert.ok(!created.isError, created.text)
  const id = created.data.lead_id
  const got = await call(client, 'kommo_get_deal', { dealId: id })
  assert.match(got.text, /^MCP deal #\d+: Ventas › Propuesta enviada, price 10, user #\d+$/)

  const upd = await call(client, 'kommo_update_deal', { dealId: id, price: 20, custom_fields: { Facturado: 'yes' } })
  assert.ok(!upd.isError, upd.text)
  const after = await call(client, 'kommo_get_deal', { dealId: id })
  assert.match(after.text, /price 20/)
  assert.match(after.text, /Facturado: true/)
  const search = await call(client, 'kommo_search_deal', { query: 'MCP deal' })
  assert.ok(search.data.leads.some((l) => l.id === id))
  const missing = await call(client, 'kommo_get_deal', { dealId: 99999999 })
  assert.ok(missing.isError)
  const empty = await call(client, 'kommo_search_deal', { query: 'zzz-nothing' })
  assert.match(empty.text, /^No leads match/)
})

test('kommo_create_lead and kommo_update_lead take custom_fields by name', async () => {
  const c = await call(client, 'kommo_create_lead', { name: 'With fields', custom_fields: { Fuente: 'evento', Unidades: '3' } })
  assert.ok(!c.isError, c.text)
  const got = await call(client, 'kommo_get_lead', { leadId: c.data.lead_id })
  assert.match(got.text, /Fuente: Evento/)
  const u = await call(client, 'kommo_update_lead', { leadId: c.data.lead_id, custom_fields: { Fuente: null } })
  assert.ok(!u.isError, u.text)
  const bad = await call(client, 'kommo_update_lead', { leadId: c.data.lead_id, custom_fields: { Nope: 1 } })
  assert.ok(bad.isError)
  assert.match(bad.text, /no custom field is named "Nope"/)
})

test('kommo_create_complex_lead creates lead, contact with phone and email, and company in one request', async () => {
  await S.resetStats(session.sandbox)
  const r = await call(client, 'kommo_create_complex_lead', {
    name: 'Complex via MCP',
    contact_name: 'Pilar Ortiz',
    phone: '+57 315 000 1122',
    email: 'pilar@example.co',
    company_name: 'Ortiz Ltda',
    custom_fields: { Fuente: 'Referido' },
  })
  assert.ok(!r.isError, r.text)
  assert.match(r.text, /^Lead #\d+ created with contact #\d+ and company #\d+\.$/)
  assert.deepEqual((await S.stats(session.sandbox)).by_route, { 'POST /api/v4/leads/complex': 1 })
  const phone = await call(client, 'kommo_search_contact_by_phone', { phone: '3150001122' })
  assert.match(phone.text, /Pilar Ortiz/)
  const none = await call(client, 'kommo_create_complex_lead', { name: 'alone' })
  assert.ok(none.isError)
})

test('lead tools name the responsible user once the users list is cached, without a request of their own', async () => {
  const s = await connect() // a fresh server: nothing cached
  try {
    const cold = await call(s.client, 'kommo_get_lead', { leadId: S.ANDINA_LEAD_ID })
    assert.ok(!cold.isError, cold.text)
    assert.match(cold.text, /, user #9000002,/)
    assert.doesNotMatch(cold.text, /Diego Torres/)
    assert.deepEqual(Object.keys((await S.stats(s.sandbox)).by_route).filter((r) => r.includes('/users')), [])
    // Task tools load the users list (cached); lead tools then use the names.
    assert.ok(!(await call(s.client, 'kommo_list_tasks', {})).isError)
    await S.resetStats(s.sandbox)
    const warm = await call(s.client, 'kommo_get_lead', { leadId: S.ANDINA_LEAD_ID })
    assert.match(warm.text, /, Diego Torres \(user #9000002\),/)
    assert.equal(warm.data.lead.responsible, 'Diego Torres')
    const list = await call(s.client, 'kommo_list_leads', { limit: 3 })
    assert.match(list.text, /^- Implementación CRM — Andina Logística #10000001 · .* · Diego Torres \(user #9000002\) · /m)
    assert.deepEqual((await S.stats(s.sandbox)).by_route, { 'GET /api/v4/leads/{id}': 1, 'GET /api/v4/leads': 1 })
  } finally {
    await s.close()
  }
})
