// filter[custom_fields_values]: the SDK's and kommo_list_leads' `custom_fields` filter (names,
// options and ranges resolved by the client) against the sandbox, which applies it as Kommo does.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { addon } from './helpers.mjs'
import { connect, call } from './mcp-util.mjs'
import * as S from './sandbox-util.mjs'

let session
let config
before(async () => {
  session = await connect()
  config = { baseUrl: session.sandbox.baseUrl, accessToken: session.sandbox.accessToken }
})
after(async () => {
  await session?.close()
})

const valueOf = (lead, fieldId) =>
  (lead.custom_fields_values ?? []).find((f) => f.field_id === fieldId)?.values.map((v) => v.value) ?? []

test('listLeads filters by a select option given by name, ignoring case and accents', async () => {
  const r = await addon.listLeads({ custom_fields: { fuente: 'busqueda ORGANICA' }, limit: 250 }, config)
  assert.ok(r.success, r.error)
  assert.ok(r.leads.some((l) => l.id === S.ANDINA_LEAD_ID), 'the seeded lead with that source')
  for (const l of r.leads) assert.deepEqual(valueOf(l, S.LEAD_SOURCE_FIELD_ID), ['Búsqueda orgánica'], `lead ${l.id}`)
  const all = await addon.listLeads({ limit: 250 }, config)
  assert.ok(r.leads.length < all.leads.length, 'the filter narrows the list')
})

test('listLeads filters numeric fields by range and sends Kommo filter[custom_fields_values]', async () => {
  await S.resetStats(session.sandbox)
  const inside = await addon.listLeads({ custom_fields: { Unidades: { from: 20, to: 30 } } }, config)
  assert.ok(inside.success, inside.error)
  assert.ok(inside.leads.some((l) => l.id === S.ANDINA_LEAD_ID))
  for (const l of inside.leads) {
    const n = Number(valueOf(l, S.LEAD_UNITS_FIELD_ID)[0])
    assert.ok(n >= 20 && n <= 30, `lead ${l.id} has ${n} units`)
  }
  const above = await addon.listLeads({ custom_fields: { [S.LEAD_UNITS_FIELD_ID]: { from: 26 } } }, config)
  assert.ok(above.success, above.error)
  assert.ok(!above.leads.some((l) => l.id === S.ANDINA_LEAD_ID), 'a field id works too; 25 is below 26')
  const by = (await S.stats(session.sandbox)).by_route
  assert.ok(by['GET /api/v4/leads'] >= 2)
})

test('listLeads reports an unknown field or option with the valid choices, before any list request', async () => {
  const field = await addon.listLeads({ custom_fields: { Colour: 'red' } }, config)
  assert.equal(field.success, false)
  assert.match(field.error, /custom_fields\.Colour/)
  const option = await addon.listLeads({ custom_fields: { Fuente: 'Radio' } }, config)
  assert.equal(option.success, false)
  assert.match(option.error, /"Radio" is not an option; options: .*Referido/)
  const range = await addon.listLeads({ custom_fields: { Unidades: { from: 'soon' } } }, config)
  assert.equal(range.success, false)
  assert.match(range.error, /custom_fields\.Unidades\.from/)
})

test('listCompanies and listContacts accept custom_fields; no match is an empty list', async () => {
  const none = await addon.listContacts({ custom_fields: { PHONE: '+00 000' } }, config)
  assert.ok(none.success, none.error)
  assert.equal(none.contacts.length, 0)
  const companies = await addon.listCompanies({ custom_fields: { PHONE: '+00 000' } }, config)
  assert.ok(companies.success, companies.error)
  assert.equal(companies.companies.length, 0)
})

test('kommo_list_leads takes custom_fields by name', async () => {
  const r = await call(session.client, 'kommo_list_leads', { custom_fields: { Fuente: 'Búsqueda orgánica', Unidades: { from: 25, to: 25 } } })
  assert.ok(!r.isError, r.text)
  assert.ok(r.data.leads.some((l) => l.id === S.ANDINA_LEAD_ID), r.text)
  const bad = await call(session.client, 'kommo_list_leads', { custom_fields: { Fuente: 'Radio' } })
  assert.ok(bad.isError)
  assert.match(bad.text, /options: /)
})
