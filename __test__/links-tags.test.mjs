// Lead↔contact and lead↔product links (array bodies, fixed arguments), generic links and tags.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { addon } from './helpers.mjs'

const {
  startSandbox, linkLeadToContact, linkProductToLead, unlinkProductFromLead, getLeadProducts, listLinks, linkEntities,
  unlinkEntities, listTags, createTags, attachTags, detachTags, getContact, getLead,
} = addon

const ANDINA_LEAD = 10000001
const ANDINA = 30000001
const JUAN = 20000001
const ANA = 20000005
const PRODUCTS = 8000001
const CRM_PRO = 50000001
const SUPPORT = 50000003

let sandbox
let config
const stats = async () => (await fetch(`${sandbox.baseUrl}/__sandbox/stats`)).json()
const resetStats = () => fetch(`${sandbox.baseUrl}/__sandbox/reset-stats`, { method: 'POST' })
before(async () => {
  sandbox = await startSandbox()
  config = { baseUrl: sandbox.baseUrl, accessToken: sandbox.accessToken }
})
after(async () => {
  await sandbox?.stop()
})

test('getLeadProducts returns real names and quantities in two requests', async () => {
  await resetStats()
  const r = await getLeadProducts(ANDINA_LEAD, config)
  assert.equal(r.success, true, r.error)
  assert.deepEqual(r.products.map((p) => [p.name, p.quantity, p.catalog_id]), [['Licencia CRM Pro', 3, PRODUCTS], ['Capacitación de equipo', 1, PRODUCTS]])
  assert.equal(r.products[0].custom_fields_values.find((f) => f.field_code === 'SKU').values[0].value, 'CRM-PRO')
  assert.equal((await stats()).requests, 2)
  assert.deepEqual(await getLeadProducts(99, config), { success: false, error: 'Lead with ID 99 not found' })
})

test('linkProductToLead takes (leadId, elementId, catalogId, quantity) and unlinkProductFromLead removes it', async () => {
  const r = await linkProductToLead(ANDINA_LEAD, SUPPORT, PRODUCTS, 4, config)
  assert.equal(r.success, true, r.error)
  let products = (await getLeadProducts(ANDINA_LEAD, config)).products
  assert.deepEqual(products.find((p) => p.id === SUPPORT), { id: SUPPORT, name: 'Soporte premium anual', catalog_id: PRODUCTS, quantity: 4, custom_fields_values: products.find((p) => p.id === SUPPORT).custom_fields_values })
  const again = await linkProductToLead(ANDINA_LEAD, SUPPORT, PRODUCTS, undefined, config)
  assert.equal(again.success, true)
  products = (await getLeadProducts(ANDINA_LEAD, config)).products
  assert.equal(products.find((p) => p.id === SUPPORT).quantity, 1, 'quantity defaults to 1')
  const wrongCatalog = await linkProductToLead(ANDINA_LEAD, SUPPORT, 8000002, 1, config)
  assert.equal(wrongCatalog.success, false)
  assert.deepEqual(await unlinkProductFromLead(ANDINA_LEAD, SUPPORT, config), { success: true })
  products = (await getLeadProducts(ANDINA_LEAD, config)).products
  assert.ok(!products.some((p) => p.id === SUPPORT))
})

test('linkLeadToContact posts an array once and recognises an existing link', async () => {
  await resetStats()
  assert.deepEqual(await linkLeadToContact(ANDINA_LEAD, ANA, config), { success: true, alreadyLinked: false })
  assert.equal((await stats()).requests, 1)
  assert.deepEqual(await linkLeadToContact(ANDINA_LEAD, ANA, config), { success: true, alreadyLinked: true })
  const lead = (await getLead({ leadId: ANDINA_LEAD, with: ['contacts'] }, config)).lead
  assert.ok(lead._embedded.contacts.some((c) => c.id === ANA))
  assert.equal((await linkLeadToContact(ANDINA_LEAD, 99, config)).success, false)
})

test('listLinks, linkEntities and unlinkEntities work between any entities', async () => {
  const all = await listLinks('leads', ANDINA_LEAD, undefined, config)
  assert.equal(all.success, true, all.error)
  assert.ok(all.links.some((l) => l.to_entity_type === 'companies' && l.to_entity_id === ANDINA))
  const products = await listLinks('leads', ANDINA_LEAD, { to_catalog_id: PRODUCTS }, config)
  assert.ok(products.links.every((l) => l.to_entity_type === 'catalog_elements'))
  assert.ok(products.links.length >= 2)
  const page = await listLinks('leads', ANDINA_LEAD, { limit: 1, page: 2 }, config)
  assert.deepEqual([page.links.length, page.page], [1, 2])

  const linked = await linkEntities('companies', ANDINA, [{ to_entity_id: ANA, to_entity_type: 'contacts' }, { to_entity_id: CRM_PRO, to_entity_type: 'catalog_elements', metadata: { catalog_id: PRODUCTS, quantity: 2 } }], config)
  assert.equal(linked.success, true, linked.error)
  assert.equal(linked.links.length, 2)
  const ana = (await getContact({ contactId: ANA }, config)).contact
  assert.ok(ana._embedded.companies.some((c) => c.id === ANDINA))
  const only = await listLinks('companies', ANDINA, { to_entity_id: ANA, to_entity_type: 'contacts' }, config)
  assert.equal(only.links.length, 1)

  assert.deepEqual(await unlinkEntities('companies', ANDINA, [{ to_entity_id: ANA, to_entity_type: 'contacts' }], config), { success: true })
  assert.equal((await listLinks('companies', ANDINA, { to_entity_id: ANA, to_entity_type: 'contacts' }, config)).links.length, 0)

  const missing = await listLinks('leads', 99, undefined, config)
  assert.equal(missing.success, false)
  const invalid = await linkEntities('leads', ANDINA_LEAD, [{ to_entity_id: CRM_PRO, to_entity_type: 'catalog_elements' }], config)
  assert.equal(invalid.success, false)
  assert.match(invalid.error, /catalog_id/)
  assert.equal((await listLinks('deals', 1, undefined, config)).success, false)
})

test('tags: list, create, attach and detach', async () => {
  const leads = await listTags('leads', undefined, config)
  assert.deepEqual(leads.tags.map((t) => t.name), ['VIP', 'Recompra', 'Web', 'Evento'])
  assert.deepEqual((await listTags('leads', { query: 'vi' }, config)).tags.map((t) => t.name), ['VIP'])
  assert.deepEqual((await listTags('leads', { name: 'web' }, config)).tags.map((t) => t.name), ['Web'])
  const p2 = await listTags('leads', { limit: 3, page: 2 }, config)
  assert.deepEqual(p2.tags.map((t) => t.name), ['Evento'])
  assert.deepEqual((await listTags('companies', undefined, config)).tags, [])

  const created = await createTags('contacts', ['Cliente', { name: 'Proveedor', color: 'DDEBB5' }], config)
  assert.deepEqual(created.tags.map((t) => t.name), ['Cliente', 'Proveedor'])
  const again = await createTags('contacts', ['cliente'], config)
  assert.equal(again.tags[0].id, created.tags[0].id)

  assert.deepEqual(await attachTags('contacts', JUAN, ['Cliente', 'Nuevo'], config), { success: true })
  let juan = (await getContact({ contactId: JUAN }, config)).contact
  assert.deepEqual(juan._embedded.tags.map((t) => t.name).sort(), ['Cliente', 'Nuevo'])
  assert.deepEqual(await detachTags('contacts', JUAN, [{ name: 'Nuevo' }], config), { success: true })
  juan = (await getContact({ contactId: JUAN }, config)).contact
  assert.deepEqual(juan._embedded.tags.map((t) => t.name), ['Cliente'])

  assert.equal((await attachTags('contacts', 99, ['x'], config)).success, false)
  assert.equal((await createTags('contacts', [''], config)).success, false)
  assert.equal((await listTags('tasks', undefined, config)).success, false)
})
