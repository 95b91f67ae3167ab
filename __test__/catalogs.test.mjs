// Catalog and catalog element SDK functions against the embedded sandbox (seeded "Productos"
// catalog with 25 elements and "Proveedores" with 2).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { addon } from './helpers.mjs'

const {
  startSandbox, listCatalogs, getCatalog, searchCatalog, getCatalogCustomFields, listCatalogElements,
  getCatalogElement, searchCatalogElement, createCatalogElement, updateCatalogElement,
} = addon

const PRODUCTS = 8000001
const SUPPLIERS = 8000002
const CRM_PRO = 50000001

let sandbox
let config
before(async () => {
  sandbox = await startSandbox()
  config = { baseUrl: sandbox.baseUrl, accessToken: sandbox.accessToken }
})
after(async () => {
  await sandbox?.stop()
})

test('listCatalogs, getCatalog and searchCatalog', async () => {
  const all = await listCatalogs(config)
  assert.deepEqual(all.catalogs.map((c) => [c.name, c.type]), [['Productos', 'products'], ['Proveedores', 'regular']])
  assert.equal(all.totalFound, 2)
  assert.equal((await getCatalog({ catalogId: PRODUCTS }, config)).catalog.name, 'Productos')
  assert.deepEqual(await getCatalog({ catalogId: 1 }, config), { success: false, error: 'Catalog with ID 1 not found' })
  assert.deepEqual((await searchCatalog({ name: 'PRODUC' }, config)).catalogs.map((c) => c.id), [PRODUCTS])
  assert.deepEqual((await searchCatalog({ name: 'o', type: 'regular' }, config)).catalogs.map((c) => c.id), [SUPPLIERS])
  assert.equal((await searchCatalog({ name: 'nothing' }, config)).totalFound, 0)
})

test('getCatalogCustomFields lists the field definitions', async () => {
  const r = await getCatalogCustomFields({ catalogId: PRODUCTS }, config)
  assert.deepEqual(r.customFields.map((f) => [f.name, f.code, f.type]), [['SKU', 'SKU', 'text'], ['Precio', 'PRICE', 'price'], ['Descripción', 'DESCRIPTION', 'textarea']])
  assert.equal((await getCatalogCustomFields({ catalogId: 1 }, config)).success, false)
})

test('listCatalogElements pages through _links.next', async () => {
  const p1 = await listCatalogElements({ catalogId: PRODUCTS, limit: 10 }, config)
  assert.equal(p1.elements.length, 10)
  assert.deepEqual([p1.page, p1.hasMore, p1.nextPage], [1, true, 2])
  const p3 = await listCatalogElements({ catalogId: PRODUCTS, limit: 10, page: 3 }, config)
  assert.deepEqual([p3.elements.length, p3.hasMore], [5, false])
  const all = await listCatalogElements({ catalogId: PRODUCTS, limit: 10, allPages: true }, config)
  assert.equal(all.elements.length, 25)
  const past = await listCatalogElements({ catalogId: PRODUCTS, page: 9 }, config)
  assert.deepEqual([past.success, past.elements], [true, []])
  assert.equal((await listCatalogElements({ catalogId: 1 }, config)).success, false)
})

test('getCatalogElement reads one element with one request', async () => {
  const r = await getCatalogElement({ catalogId: PRODUCTS, elementId: CRM_PRO }, config)
  assert.equal(r.element.name, 'Licencia CRM Pro')
  assert.equal(r.element.custom_fields_values.find((f) => f.field_code === 'SKU').values[0].value, 'CRM-PRO')
  const missing = await getCatalogElement({ catalogId: PRODUCTS, elementId: 99 }, config)
  assert.deepEqual(missing, { success: false, error: 'Element with ID 99 not found in catalog 8000001' })
})

test('searchCatalogElement uses Kommo query over names and fields', async () => {
  assert.deepEqual((await searchCatalogElement({ catalogId: PRODUCTS, query: 'licencia crm' }, config)).elements.map((e) => e.name).sort(), ['Licencia CRM Básica', 'Licencia CRM Pro'])
  assert.deepEqual((await searchCatalogElement({ catalogId: PRODUCTS, query: 'TRAIN-01' }, config)).elements.map((e) => e.name), ['Capacitación de equipo'])
  assert.equal((await searchCatalogElement({ catalogId: PRODUCTS, query: 'zzz' }, config)).totalFound, 0)
})

test('createCatalogElement and updateCatalogElement', async () => {
  const c = await createCatalogElement(PRODUCTS, { name: 'Kit de bienvenida', custom_fields_values: [{ field_code: 'SKU', values: [{ value: 'KIT-01' }] }] }, config)
  assert.equal(c.success, true, c.error)
  assert.equal(c.element.name, 'Kit de bienvenida')
  const u = await updateCatalogElement(PRODUCTS, c.elementId, { name: 'Kit VIP' }, config)
  assert.deepEqual([u.success, u.elementId], [true, c.elementId])
  const read = await getCatalogElement({ catalogId: PRODUCTS, elementId: c.elementId }, config)
  assert.equal(read.element.name, 'Kit VIP')
  assert.equal(read.element.custom_fields_values[0].values[0].value, 'KIT-01')
  const bad = await createCatalogElement(PRODUCTS, { name: 'Y', custom_fields_values: [{ field_id: 1, values: [{ value: 1 }] }] }, config)
  assert.equal(bad.success, false)
  assert.match(bad.error, /NotSupportedChoice/)
  assert.equal((await createCatalogElement(PRODUCTS, {}, config)).success, false)
  assert.throws(() => createCatalogElement(PRODUCTS, { title: 'x' }, config), TypeError)
})
