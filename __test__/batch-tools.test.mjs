// Batch write tools (kommo_batch_*), over the real stdio server with the official MCP client.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { connect, call } from './mcp-util.mjs'
import { cleanEnv, spawnBin, LineReader, send, initializeRequest } from './helpers.mjs'
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

test('kommo_batch_leads creates many leads in one request and says which item failed and why', async () => {
  await S.resetStats(session.sandbox)
  const r = await call(client, 'kommo_batch_leads', {
    action: 'create',
    items: [
      { name: 'Batch A', price: 100, custom_fields: { Fuente: 'referido' } },
      { name: 'Batch B', custom_fields: { 'No such field': 1 } },
      { name: 'Batch C', status_id: S.PROPUESTA_STATUS_ID, contact_ids: [S.JUAN_PEREZ_ID] },
      { name: 'Batch D', colour: 'red' },
    ],
  })
  assert.ok(!r.isError, r.text)
  assert.match(r.text, /^Created 2 of 4 leads; 2 failed/)
  assert.match(r.text, /- item 1 failed: custom_fields.*No such field/)
  assert.match(r.text, /- item 3 failed: .*colour/)
  assert.equal(r.data.succeeded, 2)
  assert.deepEqual(r.data.results.map((x) => x.index), [0, 1, 2, 3])
  const [a, , c] = r.data.results
  assert.ok(a.id > 0 && c.id > 0)
  // The two valid items went to Kommo in one request (besides metadata: field definitions,
  // refreshed once for the unknown name, and the pipelines for the stage).
  const by = (await S.stats(session.sandbox)).by_route
  assert.equal(by['POST /api/v4/leads'], 1)
  assert.ok(!by['PATCH /api/v4/leads'] && Object.keys(by).every((k) => k === 'POST /api/v4/leads' || k.startsWith('GET')), JSON.stringify(by))

  const gotA = await call(client, 'kommo_get_lead', { leadId: a.id })
  assert.match(gotA.text, /^Batch A #\d+: .*price 100/)
  assert.match(gotA.text, /Fuente: Referido/)
  const gotC = await call(client, 'kommo_get_lead', { leadId: c.id })
  assert.match(gotC.text, /Ventas › Propuesta enviada/)
  assert.deepEqual(gotC.data.lead.contact_ids, [S.JUAN_PEREZ_ID])
})

test('kommo_batch_leads updates by id or leadId; an unknown lead fails alone', async () => {
  const r = await call(client, 'kommo_batch_leads', {
    action: 'update',
    items: [
      { id: S.ANDINA_LEAD_ID, price: 777 },
      { leadId: 99999999, price: 1 },
      { leadId: S.ANDINA_LEAD_ID },
    ],
  })
  assert.ok(!r.isError, r.text)
  assert.match(r.text, /^Updated 1 of 3 leads; 2 failed/)
  assert.equal(r.data.results[0].id, S.ANDINA_LEAD_ID)
  assert.ok(r.data.results[1].error, 'the unknown id is reported')
  assert.match(r.data.results[2].error, /nothing to change/)
  const got = await call(client, 'kommo_get_lead', { leadId: S.ANDINA_LEAD_ID })
  assert.match(got.text, /price 777/)
})

test('kommo_batch_contacts creates contacts with phones, then updates them', async () => {
  const r = await call(client, 'kommo_batch_contacts', {
    action: 'create',
    items: [
      { name: 'Lote Uno', phones: ['+57 310 555 0101'] },
      { first_name: 'Lote', last_name: 'Dos', emails: [{ value: 'dos@lote.co', type: 'PRIV' }] },
      { phones: ['+57 310 555 0103'] },
    ],
  })
  assert.ok(!r.isError, r.text)
  assert.equal(r.data.succeeded, 2)
  assert.match(r.data.results[2].error, /give name, or first_name/)
  const found = await call(client, 'kommo_search_contact_by_phone', { phone: '3105550101' })
  assert.match(found.text, /Lote Uno/)
  const id = r.data.results[1].id
  const u = await call(client, 'kommo_batch_contacts', { action: 'update', items: [{ contactId: id, name: 'Lote Dos B' }] })
  assert.ok(!u.isError, u.text)
  assert.match(u.text, /^Updated 1 of 1 contacts:\n- item 0: #\d+/)
  const got = await call(client, 'kommo_get_contact', { contactId: id })
  assert.match(got.text, /Lote Dos B/)
})

test('kommo_batch_companies and kommo_batch_tasks write in one request each', async () => {
  await S.resetStats(session.sandbox)
  const companies = await call(client, 'kommo_batch_companies', {
    action: 'create',
    items: [{ name: 'Lote SAS' }, { name: 'Lote Ltda', tags: ['lote'] }],
  })
  assert.ok(!companies.isError, companies.text)
  assert.equal(companies.data.succeeded, 2)
  const tasks = await call(client, 'kommo_batch_tasks', {
    action: 'create',
    items: [
      { text: 'Llamar', complete_till: '2030-01-01T10:00:00Z', entity_type: 'leads', entity_id: S.ANDINA_LEAD_ID },
      { text: 'Sin fecha' },
    ],
  })
  assert.ok(!tasks.isError, tasks.text)
  assert.equal(tasks.data.succeeded, 1)
  assert.match(tasks.data.results[1].error, /complete_till/)
  const by = (await S.stats(session.sandbox)).by_route
  assert.equal(by['POST /api/v4/companies'], 1)
  assert.equal(by['POST /api/v4/tasks'], 1)
  const t = await call(client, 'kommo_get_task', { taskId: tasks.data.results[0].id })
  assert.match(t.text, /Llamar/)
})

test('kommo_batch_notes adds notes to leads and contacts, one request per entity type', async () => {
  await S.resetStats(session.sandbox)
  const r = await call(client, 'kommo_batch_notes', {
    items: [
      { entityType: 'leads', entityId: S.ANDINA_LEAD_ID, text: 'Nota lote 1' },
      { entityType: 'contacts', entityId: S.JUAN_PEREZ_ID, text: 'Nota lote 2' },
      { entityType: 'leads', entityId: S.ANDINA_LEAD_ID, text: '' },
    ],
  })
  assert.ok(!r.isError, r.text)
  assert.match(r.text, /^Created 2 of 3 notes; 1 failed/)
  assert.match(r.data.results[2].error, /text/)
  const by = (await S.stats(session.sandbox)).by_route
  assert.equal(by['POST /api/v4/leads/notes'], 1)
  assert.equal(by['POST /api/v4/contacts/notes'], 1)
  const notes = await call(client, 'kommo_list_notes', { entityType: 'contacts', entityId: S.JUAN_PEREZ_ID })
  assert.match(notes.text, /Nota lote 2/)
})

test('a batch over 250 items or with none is refused before any request', async () => {
  await S.resetStats(session.sandbox)
  const many = await call(client, 'kommo_batch_leads', { action: 'create', items: Array.from({ length: 251 }, (_, i) => ({ name: `L${i}` })) })
  assert.ok(many.isError)
  assert.match(many.text, /items.*251 items; at most 250 per call/)
  const none = await call(client, 'kommo_batch_contacts', { action: 'create', items: [] })
  assert.ok(none.isError)
  const badAction = await call(client, 'kommo_batch_tasks', { action: 'delete', items: [{}] })
  assert.ok(badAction.isError)
  assert.equal((await S.stats(session.sandbox)).requests, 0)
})

test('batch tools are write tools in the batch toolset, hidden in read-only mode', async () => {
  async function names(args) {
    const { child, exited } = spawnBin(['--sandbox', ...args], cleanEnv())
    const reader = new LineReader(child.stdout)
    send(child, initializeRequest)
    await reader.next()
    send(child, { jsonrpc: '2.0', method: 'notifications/initialized' })
    send(child, { jsonrpc: '2.0', id: 2, method: 'tools/list' })
    const list = await reader.next()
    child.stdin.end()
    await exited
    return list.result.tools
  }
  const tools = await names(['--toolsets', 'batch'])
  assert.deepEqual(tools.map((t) => t.name).sort(), [
    'kommo_batch_companies', 'kommo_batch_contacts', 'kommo_batch_leads', 'kommo_batch_notes', 'kommo_batch_tasks',
  ])
  for (const t of tools) assert.equal(t.annotations.readOnlyHint, false, t.name)
  assert.deepEqual(await names(['--read-only', '--toolsets', 'batch']), [])
})
