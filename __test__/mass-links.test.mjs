// Mass links: linkMany / unlinkMany (POST /api/v4/{e}/link and /unlink with entity_id in each
// item) and the sandbox emulating them.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { addon } from './helpers.mjs'

const { startSandbox, linkMany, unlinkMany, listLinks, createLeads } = addon

const ANDINA = 30000001
const JUAN = 20000001
const ANA = 20000005
const PRODUCTS = 8000001
const CRM_PRO = 50000001

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

async function newLeads(n) {
  const r = await createLeads(Array.from({ length: n }, (_, i) => ({ name: `Mass ${i}` })), config)
  assert.ok(r.success, JSON.stringify(r))
  return r.results.map((x) => x.id)
}

test('linkMany links several leads to contacts, a company and a product in one request', async () => {
  const [a, b] = await newLeads(2)
  await resetStats()
  const r = await linkMany('leads', [
    { entity_id: a, to_entity_id: JUAN, to_entity_type: 'contacts', metadata: { is_main: true } },
    { entity_id: a, to_entity_id: ANDINA, to_entity_type: 'companies' },
    { entity_id: b, to_entity_id: ANA, to_entity_type: 'contacts' },
    { entity_id: b, to_entity_id: CRM_PRO, to_entity_type: 'catalog_elements', metadata: { catalog_id: PRODUCTS, quantity: 2 } },
  ], config)
  assert.equal(r.success, true, r.error)
  assert.equal(r.totalFound, 4)
  assert.deepEqual(r.links.map((l) => [l.entity_id, l.to_entity_id]), [[a, JUAN], [a, ANDINA], [b, ANA], [b, CRM_PRO]])
  assert.deepEqual((await stats()).by_route, { 'POST /api/v4/leads/link': 1 })
  const linksA = await listLinks('leads', a, undefined, config)
  assert.deepEqual(linksA.links.map((l) => [l.to_entity_type, l.to_entity_id]).sort(), [['companies', ANDINA], ['contacts', JUAN]])
  assert.equal(linksA.links.find((l) => l.to_entity_type === 'contacts').metadata.main_contact, true)
  const linksB = await listLinks('leads', b, undefined, config)
  assert.equal(linksB.links.find((l) => l.to_entity_type === 'catalog_elements').metadata.quantity, 2)
})

test('unlinkMany removes links of several entities in one request', async () => {
  const [a, b] = await newLeads(2)
  await linkMany('leads', [
    { entity_id: a, to_entity_id: JUAN, to_entity_type: 'contacts' },
    { entity_id: b, to_entity_id: JUAN, to_entity_type: 'contacts' },
  ], config)
  await resetStats()
  const r = await unlinkMany('leads', [
    { entity_id: a, to_entity_id: JUAN, to_entity_type: 'contacts' },
    { entity_id: b, to_entity_id: JUAN, to_entity_type: 'contacts' },
  ], config)
  assert.deepEqual(r, { success: true })
  assert.deepEqual((await stats()).by_route, { 'POST /api/v4/leads/unlink': 1 })
  for (const id of [a, b]) assert.equal((await listLinks('leads', id, undefined, config)).links.length, 0)
})

test('an unknown entity_id is a validation error naming the item; nothing is linked', async () => {
  const [a] = await newLeads(1)
  const r = await linkMany('leads', [
    { entity_id: a, to_entity_id: JUAN, to_entity_type: 'contacts' },
    { entity_id: 99999999, to_entity_id: JUAN, to_entity_type: 'contacts' },
  ], config)
  assert.equal(r.success, false)
  assert.match(r.error, /entity_id/)
  assert.equal((await listLinks('leads', a, undefined, config)).links.length, 0)
  const res = await fetch(`${sandbox.baseUrl}/api/v4/leads/link`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sandbox.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify([{ entity_id: 99999999, to_entity_id: JUAN, to_entity_type: 'contacts' }]),
  })
  assert.equal(res.status, 400)
  const body = await res.json()
  assert.equal(body['validation-errors'][0].request_id, '0')
})

test('linkMany checks its input before any request', async () => {
  await resetStats()
  assert.equal((await linkMany('leads', [], config)).success, false)
  const noCatalog = await linkMany('leads', [{ entity_id: 1, to_entity_id: CRM_PRO, to_entity_type: 'catalog_elements' }], config)
  assert.match(noCatalog.error, /catalog_id/)
  const badType = await linkMany('tasks', [{ entity_id: 1, to_entity_id: JUAN, to_entity_type: 'contacts' }], config)
  assert.match(badType.error, /entityType/)
  assert.equal((await stats()).requests, 0)
  assert.throws(() => linkMany('leads', [{ to_entity_id: 1 }], config), TypeError)
})

test('kommo_link_entities with more_entity_ids links several leads in one request; unlink likewise', async () => {
  const { connect, call } = await import('./mcp-util.mjs')
  const session = await connect()
  try {
    const base = session.sandbox.baseUrl
    const cfg = { baseUrl: base, accessToken: session.sandbox.accessToken }
    const made = await createLeads([{ name: 'Tool mass 1' }, { name: 'Tool mass 2' }, { name: 'Tool mass 3' }], cfg)
    const [a, b, c] = made.results.map((x) => x.id)
    await fetch(`${base}/__sandbox/reset-stats`, { method: 'POST' })
    const r = await call(session.client, 'kommo_link_entities', {
      entity_type: 'leads', entity_id: a, more_entity_ids: [b, c],
      links: [{ to_entity_type: 'contacts', to_entity_id: JUAN }, { to_entity_type: 'companies', to_entity_id: ANDINA }],
    })
    assert.ok(!r.isError, r.text)
    assert.equal(r.text, `leads #${a}, #${b}, #${c} linked to contacts #${JUAN}, companies #${ANDINA}.`)
    assert.deepEqual((await (await fetch(`${base}/__sandbox/stats`)).json()).by_route, { 'POST /api/v4/leads/link': 1 })
    for (const id of [a, b, c]) assert.equal((await listLinks('leads', id, undefined, cfg)).links.length, 2)
    const u = await call(session.client, 'kommo_unlink_entities', {
      entity_type: 'leads', entity_id: a, more_entity_ids: [b],
      links: [{ to_entity_type: 'contacts', to_entity_id: JUAN }],
    })
    assert.ok(!u.isError, u.text)
    assert.equal((await listLinks('leads', a, undefined, cfg)).links.length, 1)
    assert.equal((await listLinks('leads', c, undefined, cfg)).links.length, 2)
    const tooMany = await call(session.client, 'kommo_link_entities', {
      entity_type: 'leads', entity_id: a, more_entity_ids: Array.from({ length: 130 }, (_, i) => 10000100 + i),
      links: [{ to_entity_type: 'contacts', to_entity_id: JUAN }, { to_entity_type: 'contacts', to_entity_id: ANA }],
    })
    assert.ok(tooMany.isError)
    assert.match(tooMany.text, /at most 250/)
  } finally {
    await session.close()
  }
})
