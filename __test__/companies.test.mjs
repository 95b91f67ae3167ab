// Company SDK functions against the embedded sandbox.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { addon } from './helpers.mjs'

const { startSandbox, searchCompany, getCompany, listCompanies, searchCompanyByDomain, createCompany, updateCompany } = addon

const ANDINA = 30000001
const MANAGER = 9000002

let sandbox
let config
before(async () => {
  sandbox = await startSandbox()
  config = { baseUrl: sandbox.baseUrl, accessToken: sandbox.accessToken }
})
after(async () => {
  await sandbox?.stop()
})

test('searchCompany uses Kommo full-text search', async () => {
  const r = await searchCompany({ query: 'Andina Logística' }, config)
  assert.equal(r.success, true, r.error)
  assert.deepEqual(r.companies.map((c) => c.id), [ANDINA])
  assert.equal(r.totalFound, 1)
  const none = await searchCompany({ query: 'zzz no such company' }, config)
  assert.deepEqual([none.success, none.totalFound], [true, 0])
  assert.equal((await searchCompany({ query: '  ' }, config)).success, false)
})

test('getCompany returns the company or "Company with ID X not found"', async () => {
  const r = await getCompany({ companyId: ANDINA, with: ['contacts'] }, config)
  assert.equal(r.company.name, 'Andina Logística S.A.S.')
  assert.ok(r.company._embedded.contacts.some((c) => c.id === 20000001))
  assert.deepEqual(await getCompany({ companyId: 99 }, config), { success: false, error: 'Company with ID 99 not found' })
})

test('listCompanies filters by responsible user and pages', async () => {
  const p1 = await listCompanies({ responsible_user_id: [MANAGER], limit: 3 }, config)
  assert.equal(p1.success, true, p1.error)
  assert.ok(p1.companies.every((c) => c.responsible_user_id === MANAGER))
  assert.equal(p1.nextPage, 2)
  const p2 = await listCompanies({ responsible_user_id: [MANAGER], limit: 3, page: 2 }, config)
  assert.ok(!p2.companies.some((c) => p1.companies.some((d) => d.id === c.id)))
  const empty = await listCompanies({ updated_at_from: 4102444800 }, config)
  assert.deepEqual(empty.companies, [])
})

test('searchCompanyByDomain verifies the web or email domain', async () => {
  for (const d of ['andinalogistica.example', 'https://www.andinalogistica.example/', 'info@andinalogistica.example']) {
    const r = await searchCompanyByDomain(d, config)
    assert.deepEqual(r.companies.map((c) => c.id), [ANDINA], d)
  }
  assert.deepEqual((await searchCompanyByDomain('logistica.example', config)).companies, [])
  assert.equal((await searchCompanyByDomain('nodomain', config)).success, false)
})

test('createCompany and updateCompany write and read back', async () => {
  const c = await createCompany({ name: 'Café Andes S.A.S.', emails: ['hola@cafeandes.example'], custom_fields_values: [{ field_code: 'WEB', values: [{ value: 'https://cafeandes.example' }] }] }, config)
  assert.equal(c.success, true, c.error)
  assert.equal(c.company.name, 'Café Andes S.A.S.')
  const found = await searchCompanyByDomain('cafeandes.example', config)
  assert.deepEqual(found.companies.map((x) => x.id), [c.companyId])
  const u = await updateCompany(c.companyId, { name: 'Café de los Andes' }, config)
  assert.deepEqual([u.success, u.companyId], [true, c.companyId])
  assert.equal((await getCompany({ companyId: c.companyId }, config)).company.name, 'Café de los Andes')
  const bad = await createCompany({ name: 'X', custom_fields_values: [{ field_id: 1, values: [{ value: 'x' }] }] }, config)
  assert.equal(bad.success, false)
  assert.match(bad.error, /NotSupportedChoice|field_id/)
})
