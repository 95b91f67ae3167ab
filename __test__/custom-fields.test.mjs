// Custom fields by name: definitions, typed values, the cache, and the original's lead helpers.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { addon } from './helpers.mjs'
import * as S from './sandbox-util.mjs'

const {
  startSandbox, updateLeadCustomFields, getLeadCustomFields, searchLeadCustomField, getLeadCustomFieldInfo,
  getSelectFieldOptions, getLeadCustomFieldsMetadata, listCustomFields, getCustomField, listCustomFieldGroups, getLead,
  createLead, updateLead,
} = addon

let sandbox
let config
before(async () => {
  sandbox = await startSandbox()
  config = { baseUrl: sandbox.baseUrl, accessToken: sandbox.accessToken }
})
after(async () => {
  await sandbox?.stop()
})

const valuesOf = (lead, id) => lead.custom_fields_values?.find((f) => f.field_id === id)?.values ?? []

test('updateLeadCustomFields writes fields by name with typed values, empty fields included', async () => {
  const r = await updateLeadCustomFields(
    S.ANDINA_LEAD_ID,
    {
      fuente: 'referido',
      'PRODUCTOS DE INTERES': 'crm, automatizacion',
      Unidades: '40',
      Facturado: 'sí',
      'Fecha estimada de cierre': '2026-03-15',
    },
    config,
  )
  assert.equal(r.success, true, r.error)
  assert.equal(r.errors, undefined)
  assert.deepEqual(r.updatedFields.map((f) => f.field_name).sort(), [
    'Facturado', 'Fecha estimada de cierre', 'Fuente', 'Productos de interés', 'Unidades',
  ])
  const { lead } = await getLead({ leadId: S.ANDINA_LEAD_ID }, config)
  assert.deepEqual(valuesOf(lead, S.LEAD_SOURCE_FIELD_ID).map((v) => v.value), ['Referido'])
  assert.deepEqual(valuesOf(lead, S.LEAD_PRODUCTS_FIELD_ID).map((v) => v.value), ['CRM', 'Automatización'])
  assert.equal(String(valuesOf(lead, S.LEAD_UNITS_FIELD_ID)[0].value), '40')
  assert.equal(valuesOf(lead, S.LEAD_INVOICED_FIELD_ID)[0].value, true)
  assert.equal(valuesOf(lead, S.LEAD_CLOSE_DATE_FIELD_ID)[0].value, 1773532800)
})

test('a warm update by name costs exactly one request: the PATCH', async () => {
  await updateLeadCustomFields(S.ANDINA_LEAD_ID, { Unidades: 1 }, config) // warms the definitions cache
  await S.resetStats(sandbox)
  const r = await updateLeadCustomFields(S.ANDINA_LEAD_ID, { Fuente: 'Evento', Unidades: 7 }, config)
  assert.equal(r.success, true, r.error)
  const s = await S.stats(sandbox)
  assert.equal(s.requests, 1, JSON.stringify(s.by_route))
  assert.deepEqual(s.by_route, { 'PATCH /api/v4/leads/{id}': 1 })
})

test('an unknown option is an error listing the valid options; other fields are still written', async () => {
  const r = await updateLeadCustomFields(S.ANDINA_LEAD_ID, { Fuente: 'Telepatía', Unidades: 9 }, config)
  assert.equal(r.success, true)
  assert.equal(r.updatedFields.length, 1)
  assert.equal(r.errors.length, 1)
  assert.equal(r.errors[0].field, 'Fuente')
  assert.match(r.errors[0].error, /"Telepatía" is not an option/)
  assert.match(r.errors[0].error, /"Búsqueda orgánica", "Referido"/)
})

test('nothing resolvable is a failure that lists the field names', async () => {
  const r = await updateLeadCustomFields(S.ANDINA_LEAD_ID, { Colour: 'blue' }, config)
  assert.equal(r.success, false)
  assert.match(r.error, /no custom field is named "Colour"/)
  assert.match(r.error, /"Fuente"/)
})

test('a missing lead is reported in the result', async () => {
  const r = await updateLeadCustomFields(99999999, { Unidades: 1 }, config)
  assert.equal(r.success, false)
  assert.match(r.error, /99999999/)
})

test('wrong argument types throw a TypeError naming the argument', () => {
  assert.throws(() => updateLeadCustomFields('x', {}, config), { name: 'TypeError', message: /leadId/ })
  assert.throws(() => updateLeadCustomFields(1, 'Fuente', config), { name: 'TypeError', message: /fields/ })
})

test('createLead and updateLead accept custom_fields by name', async () => {
  const c = await createLead({ name: 'Custom by name', custom_fields: { Fuente: 'publicidad PAGADA' } }, config)
  assert.equal(c.success, true, c.error)
  const u = await updateLead(c.leadId, { custom_fields: { Unidades: 3 } }, config)
  assert.equal(u.success, true, u.error)
  const { lead } = await getLead({ leadId: c.leadId }, config)
  assert.deepEqual(valuesOf(lead, S.LEAD_SOURCE_FIELD_ID).map((v) => v.value), ['Publicidad pagada'])
  assert.equal(String(valuesOf(lead, S.LEAD_UNITS_FIELD_ID)[0].value), '3')
  const bad = await createLead({ name: 'x', custom_fields: { Fuente: 'nope' } }, config)
  assert.equal(bad.success, false)
  assert.match(bad.error, /valid options/)
})

test('getLeadCustomFields lists every lead field, filled or not, with the lead values', async () => {
  const r = await getLeadCustomFields(S.ANDINA_LEAD_ID, config)
  assert.equal(r.success, true, r.error)
  assert.equal(r.pipelineId, S.VENTAS_PIPELINE_ID)
  assert.equal(r.customFields.length, 7)
  const notes = r.customFields.find((f) => f.field_name === 'Notas internas')
  assert.deepEqual(notes.values, [])
  const missing = await getLeadCustomFields(99999999, config)
  assert.equal(missing.success, false)
  assert.deepEqual(missing.customFields, [])
})

test('searchLeadCustomField finds a field by part of its name, accents ignored, and refuses ambiguity', async () => {
  const r = await searchLeadCustomField(S.ANDINA_LEAD_ID, 'interes', config)
  assert.equal(r.success, true, r.error)
  assert.equal(r.field.field_id, S.LEAD_PRODUCTS_FIELD_ID)
  const byId = await searchLeadCustomField(S.ANDINA_LEAD_ID, S.LEAD_UNITS_FIELD_ID, config)
  assert.equal(byId.field.field_name, 'Unidades')
  const none = await searchLeadCustomField(S.ANDINA_LEAD_ID, 'zzz', config)
  assert.equal(none.success, false)
  assert.match(none.error, /no custom field/)
})

test('getLeadCustomFieldInfo gives the definition and the current value', async () => {
  const r = await getLeadCustomFieldInfo(S.ANDINA_LEAD_ID, S.LEAD_SOURCE_FIELD_ID, config)
  assert.equal(r.success, true, r.error)
  assert.equal(r.field.field_type, 'select')
  assert.equal(r.currentValue.length, 1)
  const unknown = await getLeadCustomFieldInfo(S.ANDINA_LEAD_ID, 123, config)
  assert.equal(unknown.success, false)
})

test('getSelectFieldOptions lists the options from the cached definitions', async () => {
  const r = await getSelectFieldOptions(S.LEAD_SOURCE_FIELD_ID, config)
  assert.equal(r.success, true, r.error)
  assert.equal(r.fieldName, 'Fuente')
  assert.deepEqual(r.options.map((o) => o.value), ['Búsqueda orgánica', 'Referido', 'Redes sociales', 'Publicidad pagada', 'Evento'])
  assert.ok(r.options.every((o) => typeof o.enum_id === 'number'))
  const missing = await getSelectFieldOptions(42, config)
  assert.equal(missing.success, false)
  assert.equal(missing.fieldId, 42)
})

test('getLeadCustomFieldsMetadata returns every field, not only the ones with options', async () => {
  const r = await getLeadCustomFieldsMetadata(config)
  assert.equal(r.success, true, r.error)
  assert.deepEqual(r.fields.map((f) => f.type).sort(), ['checkbox', 'date', 'multiselect', 'numeric', 'select', 'text', 'url'])
})

test('listCustomFields pages definitions of any entity and filters by type', async () => {
  const all = await listCustomFields('contacts', undefined, config)
  assert.equal(all.success, true, all.error)
  assert.deepEqual(all.customFields.map((f) => f.code ?? f.name), ['POSITION', 'PHONE', 'EMAIL', 'Comentarios'])
  const page2 = await listCustomFields('leads', { limit: 5, page: 2 }, config)
  assert.equal(page2.page, 2)
  assert.equal(page2.customFields.length, 2)
  assert.equal(page2.hasMore, false)
  const first = await listCustomFields('leads', { limit: 5 }, config)
  assert.equal(first.hasMore, true)
  assert.equal(first.nextPage, 2)
  const multitext = await listCustomFields('companies', { types: ['multitext'] }, config)
  assert.deepEqual(multitext.customFields.map((f) => f.code), ['PHONE', 'EMAIL'])
  const empty = await listCustomFields('leads', { types: ['birthday'] }, config)
  assert.deepEqual(empty.customFields, [])
  assert.throws(() => listCustomFields('tasks', undefined, config), { name: 'TypeError' })
})

test('getCustomField reads one definition; a missing id is a failure', async () => {
  const r = await getCustomField('leads', S.LEAD_SOURCE_FIELD_ID, config)
  assert.equal(r.success, true, r.error)
  assert.equal(r.customField.type, 'select')
  assert.equal(r.customField.enums.length, 5)
  const missing = await getCustomField('leads', 999, config)
  assert.equal(missing.success, false)
  assert.match(missing.error, /999/)
})

test('listCustomFieldGroups lists the groups of an entity', async () => {
  const r = await listCustomFieldGroups('leads', config)
  assert.equal(r.success, true, r.error)
  assert.equal(r.totalFound, 1)
  assert.equal(r.groups[0].name, 'Statistics')
})
