// The original's deals family: a view over leads with its names and result keys.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { addon } from './helpers.mjs'
import * as S from './sandbox-util.mjs'

const {
  startSandbox, searchDeal, getDeal, listDeals, getDealsByContact, getDealsByCompany, createDeal, updateDeal,
  updateDealStage, linkDealToContact, linkDealToCompany, getLead,
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

test('searchDeal returns deals under the original key', async () => {
  const r = await searchDeal({ query: 'Andina' }, config)
  assert.equal(r.success, true, r.error)
  assert.ok(r.deals.some((d) => d.id === S.ANDINA_LEAD_ID))
  assert.equal(r.totalFound, r.deals.length)
  assert.equal(r.leads, undefined)
  const none = await searchDeal({ query: 'zzzz-no-such-deal' }, config)
  assert.deepEqual(none, { success: true, deals: [], totalFound: 0 })
})

test('getDeal returns the deal; a missing id is a failure', async () => {
  const r = await getDeal({ dealId: S.ANDINA_LEAD_ID }, config)
  assert.equal(r.success, true, r.error)
  assert.equal(r.deal.name, 'Implementación CRM — Andina Logística')
  const missing = await getDeal({ dealId: 99999999 }, config)
  assert.equal(missing.success, false)
  assert.match(missing.error, /Deal with ID 99999999 not found/)
  assert.throws(() => getDeal({ leadId: 1 }, config), { name: 'TypeError', message: /dealId/ })
})

test('listDeals filters by stage_id (sent as Kommo status filter) and pages', async () => {
  const r = await listDeals({ stage_id: S.NEGOCIACION_STATUS_ID, limit: 250 }, config)
  assert.equal(r.success, true, r.error)
  assert.ok(r.deals.length > 0)
  assert.ok(r.deals.every((d) => d.status_id === S.NEGOCIACION_STATUS_ID))
  const p1 = await listDeals({ limit: 10 }, config)
  const p2 = await listDeals({ limit: 10, page: 2 }, config)
  assert.equal(p1.hasMore, true)
  assert.equal(p2.page, 2)
  assert.equal(p2.deals.length, 10)
  assert.ok(!p2.deals.some((d) => p1.deals.some((e) => e.id === d.id)))
})

test('listDeals company_id lists the company leads only', async () => {
  const r = await listDeals({ company_id: S.ANDINA_COMPANY_ID }, config)
  assert.equal(r.success, true, r.error)
  assert.ok(r.deals.some((d) => d.id === S.ANDINA_LEAD_ID))
  assert.ok(r.deals.every((d) => d._embedded?.companies?.some((c) => c.id === S.ANDINA_COMPANY_ID)))
})

test('getDealsByContact and getDealsByCompany read the links, not a bogus filter', async () => {
  const c = await getDealsByContact(S.JUAN_PEREZ_ID, config)
  assert.equal(c.success, true, c.error)
  assert.ok(c.deals.some((d) => d.id === S.ANDINA_LEAD_ID))
  assert.ok(c.deals.length < 20)
  const co = await getDealsByCompany(S.ANDINA_COMPANY_ID, config)
  assert.ok(co.deals.some((d) => d.id === S.ANDINA_LEAD_ID))
  const missing = await getDealsByContact(99999999, config)
  assert.equal(missing.success, false)
  assert.deepEqual(missing.deals, [])
})

test('createDeal maps stage_id to status_id with its pipeline; updateDeal and updateDealStage write', async () => {
  const c = await createDeal({ name: 'Deal via stage', price: 100, stage_id: S.PROPUESTA_STATUS_ID }, config)
  assert.equal(c.success, true, c.error)
  assert.equal(typeof c.dealId, 'number')
  assert.equal(c.deal.status_id, S.PROPUESTA_STATUS_ID)
  assert.equal(c.deal.pipeline_id, S.VENTAS_PIPELINE_ID)
  const u = await updateDeal(c.dealId, { price: 250 }, config)
  assert.equal(u.success, true, u.error)
  const s = await updateDealStage(c.dealId, S.NEGOCIACION_STATUS_ID, config)
  assert.equal(s.success, true, s.error)
  const { lead } = await getLead({ leadId: c.dealId }, config)
  assert.equal(lead.price, 250)
  assert.equal(lead.status_id, S.NEGOCIACION_STATUS_ID)
  const bad = await updateDealStage(c.dealId, 123, config)
  assert.equal(bad.success, false)
  assert.match(bad.error, /not a stage/)
})

test('createDeal validation errors come back from Kommo in the result', async () => {
  const r = await createDeal({ name: 'x', status_id: S.NEGOCIACION_STATUS_ID, pipeline_id: S.PARTNERS_PIPELINE_ID }, config)
  assert.equal(r.success, false)
  assert.match(r.error, /status_id/)
})

test('linkDealToContact and linkDealToCompany send array link bodies', async () => {
  const c = await createDeal({ name: 'To link' }, config)
  const a = await linkDealToContact(c.dealId, S.ANA_GOMEZ_ID, config)
  assert.deepEqual(a, { success: true })
  const b = await linkDealToCompany(c.dealId, S.ANDINA_COMPANY_ID, config)
  assert.deepEqual(b, { success: true })
  const { lead } = await getLead({ leadId: c.dealId, with: ['contacts'] }, config)
  assert.deepEqual(lead._embedded.contacts.map((x) => x.id), [S.ANA_GOMEZ_ID])
  assert.deepEqual(lead._embedded.companies.map((x) => x.id), [S.ANDINA_COMPANY_ID])
  const again = await linkDealToContact(c.dealId, S.ANA_GOMEZ_ID, config)
  assert.equal(again.success, true)
  const bad = await linkDealToContact(c.dealId, 99999999, config)
  assert.equal(bad.success, false)
})
