// Leads beyond the basics: by contact, complex creation, batch writes.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { addon } from './helpers.mjs'
import * as S from './sandbox-util.mjs'

const {
  startSandbox, getLeadsByContact, createComplexLeads, createLeads, updateLeads, createContacts, updateContacts,
  createCompanies, updateCompanies, getLead,
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

test('getLeadsByContact returns only the contact leads (read from its links)', async () => {
  const r = await getLeadsByContact(S.JUAN_PEREZ_ID, config)
  assert.equal(r.success, true, r.error)
  assert.ok(r.leads.some((l) => l.id === S.ANDINA_LEAD_ID))
  assert.ok(r.leads.length < 20, `${r.leads.length} leads: the filter was ignored`)
  const missing = await getLeadsByContact(99999999, config)
  assert.equal(missing.success, false)
  assert.match(missing.error, /Contact with ID 99999999 not found/)
  assert.throws(() => getLeadsByContact('1', config), { name: 'TypeError', message: /contactId/ })
})

test('createComplexLeads creates lead, contact and company linked, in one request', async () => {
  await S.resetStats(sandbox)
  const r = await createComplexLeads(
    [
      {
        name: 'Complex 1',
        price: 500,
        _embedded: {
          contacts: [{ first_name: 'Lucía', last_name: 'Vargas', custom_fields_values: [{ field_code: 'PHONE', values: [{ value: '+57 310 555 1212', enum_code: 'MOB' }] }] }],
          companies: [{ name: 'Vargas SAS' }],
        },
      },
      { name: 'Complex 2', _embedded: { contacts: [{ id: S.ANA_GOMEZ_ID }] } },
    ],
    config,
  )
  assert.equal(r.success, true, r.error)
  assert.deepEqual((await S.stats(sandbox)).by_route, { 'POST /api/v4/leads/complex': 1 })
  assert.equal(r.results.length, 2)
  const [a, b] = r.results
  assert.equal(a.merged, false)
  assert.deepEqual(a.request_id, ['0'])
  assert.equal(b.contact_id, S.ANA_GOMEZ_ID)
  assert.equal(b.company_id, null)
  const { lead } = await getLead({ leadId: a.id, with: ['contacts'] }, config)
  assert.equal(lead.name, 'Complex 1')
  assert.deepEqual(lead._embedded.contacts.map((c) => c.id), [a.contact_id])
  assert.deepEqual(lead._embedded.companies.map((c) => c.id), [a.company_id])
})

test('createComplexLeads splits more than 50 leads into several requests', async () => {
  await S.resetStats(sandbox)
  const items = Array.from({ length: 51 }, (_, i) => ({ name: `Bulk complex ${i}`, _embedded: { companies: [{ name: `Co ${i}` }] } }))
  const r = await createComplexLeads(items, config)
  assert.equal(r.success, true, r.error)
  assert.equal(r.results.length, 51)
  assert.deepEqual(r.results[50].request_id, ['50'])
  assert.equal((await S.stats(sandbox)).by_route['POST /api/v4/leads/complex'], 2)
})

test('createComplexLeads reports Kommo validation errors and an empty input', async () => {
  const bad = await createComplexLeads([{ name: 'x', status_id: 1 }], config)
  assert.equal(bad.success, false)
  assert.match(bad.error, /status_id/)
  const empty = await createComplexLeads([], config)
  assert.equal(empty.success, false)
  assert.match(empty.error, /empty/)
})

test('createLeads and updateLeads give a result per item, naming the failed one', async () => {
  const r = await createLeads([{ name: 'Batch A' }, { name: 'Batch B', status_id: 1 }, { name: 'Batch C' }], config)
  assert.equal(r.success, false)
  assert.equal(r.succeeded, 2)
  assert.equal(r.failed, 1)
  assert.equal(r.results[1].success, false)
  assert.match(r.results[1].error, /status_id/)
  const ids = [r.results[0].id, r.results[2].id]
  const u = await updateLeads(ids.map((id) => ({ id, price: 77 })), config)
  assert.equal(u.success, true)
  assert.equal((await getLead({ leadId: ids[1] }, config)).lead.price, 77)
})

test('createContacts, updateContacts, createCompanies and updateCompanies write in batches', async () => {
  const c = await createContacts([{ name: 'Batch Contact' }], config)
  assert.equal(c.success, true, JSON.stringify(c))
  const u = await updateContacts([{ id: c.results[0].id, name: 'Batch Contact 2' }], config)
  assert.equal(u.success, true)
  const co = await createCompanies([{ name: 'Batch Co' }, { name: 'Batch Co 2' }], config)
  assert.equal(co.succeeded, 2)
  const cu = await updateCompanies([{ id: co.results[0].id, name: 'Batch Co renamed' }], config)
  assert.equal(cu.success, true)
  const missingId = await updateCompanies([{ name: 'no id' }], config)
  assert.equal(missingId.success, false)
  assert.match(missingId.error, /items\[0\]\.id/)
})
