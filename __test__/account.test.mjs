// Account, users, events, incoming leads, loss reasons and sources against the embedded sandbox.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { addon } from './helpers.mjs'

const {
  startSandbox, getAccount, listUsers, getUser, listEvents, listUnsorted, acceptUnsorted, declineUnsorted,
  listLossReasons, listSources, createLead, updateLeadStatus, createNote, getLead,
} = addon

const ANDINA_LEAD = 10000001
const NEGOCIACION = 61000003

let sandbox
let config
before(async () => {
  sandbox = await startSandbox()
  config = { baseUrl: sandbox.baseUrl, accessToken: sandbox.accessToken }
})
after(async () => {
  await sandbox?.stop()
})

test('getAccount returns the account, with with= extras in either call form', async () => {
  const plain = await getAccount(config)
  assert.equal(plain.success, true, plain.error)
  assert.deepEqual([plain.account.id, plain.account.subdomain, plain.account.currency], [31000001, 'sandbox', 'COP'])
  assert.equal(plain.account._embedded, undefined)
  const rich = await getAccount(['task_types', 'datetime_settings', 'version'], config)
  assert.deepEqual(rich.account._embedded.task_types.map((t) => t.code), ['FOLLOW_UP', 'MEETING'])
  assert.equal(rich.account._embedded.datetime_settings.timezone, 'America/Bogota')
  assert.equal(rich.account.version, 21)
  const str = await getAccount('amojo_id', config)
  assert.equal(typeof str.account.amojo_id, 'string')
  const bad = await getAccount(['pets'], config)
  assert.equal(bad.success, false)
  assert.match(bad.error, /not an account option/)
})

test('listUsers and getUser', async () => {
  const r = await listUsers(config)
  assert.equal(r.success, true, r.error)
  assert.deepEqual(r.users.map((u) => u.name), ['Laura Méndez', 'Diego Torres', 'Emily Carter'])
  assert.equal(r.totalPages, 1)
  const p2 = await listUsers({ limit: 2, page: 2 }, config)
  assert.deepEqual(p2.users.map((u) => u.id), [9000003])
  const u = await getUser({ userId: 9000002 }, config)
  assert.equal(u.user.email, 'diego.torres@sandbox.example')
  assert.equal((await getUser({ userId: 5 }, config)).success, false)
})

test('listEvents shows stage changes and notes as they happen, with string ids', async () => {
  const created = await createLead({ name: 'Evento', pipeline_id: 7000001, status_id: 61000002 }, config)
  assert.equal(created.success, true, created.error)
  const id = created.leadId
  assert.equal((await updateLeadStatus(id, NEGOCIACION, config)).success, true)
  await createNote({ text: 'Seguimiento', entityType: 'leads', entityId: id }, config)
  const r = await listEvents({ entity: 'lead', entity_id: id }, config)
  assert.equal(r.success, true, r.error)
  assert.deepEqual(r.events.map((e) => e.type), ['common_note_added', 'lead_status_changed', 'lead_added'])
  assert.equal(typeof r.events[0].id, 'string')
  assert.equal(r.events[1].value_before[0].lead_status.id, 61000002)
  assert.equal(r.events[1].value_after[0].lead_status.id, NEGOCIACION)
  const typed = await listEvents({ type: ['lead_status_changed'], entity: 'leads', entity_id: [ANDINA_LEAD, id] }, config)
  assert.deepEqual(typed.events.map((e) => e.entity_id).sort(), [ANDINA_LEAD, id].sort())
  const named = await listEvents({ entity: 'lead', entity_id: ANDINA_LEAD, with: ['lead_name'] }, config)
  assert.match(named.events[0]._embedded.entity.name, /Andina/)
  const recent = await listEvents({ created_at_from: 1767225600 }, config)
  assert.ok(recent.events.every((e) => e.created_at >= 1767225600))
  const none = await listEvents({ created_at_to: 1 }, config)
  assert.deepEqual([none.success, none.events], [true, []])
  const p2 = await listEvents({ limit: 1, page: 2 }, config)
  assert.equal(p2.events.length, 1)
  const bad = await listEvents({ entity_id: 1 }, config)
  assert.match(bad.error, /exactly one entity/)
})

test('listUnsorted, acceptUnsorted and declineUnsorted', async () => {
  const r = await listUnsorted(undefined, config)
  assert.equal(r.success, true, r.error)
  assert.ok(r.unsorted.length >= 2)
  assert.equal(r.unsorted[0].category, 'forms')
  const forms = await listUnsorted({ category: 'forms' }, config)
  assert.equal(forms.unsorted.length, 1)
  const [first, second] = r.unsorted
  const lead = first._embedded.leads[0].id
  const acc = await acceptUnsorted(first.uid, { user_id: 9000002, status_id: NEGOCIACION }, config)
  assert.equal(acc.success, true, acc.error)
  assert.deepEqual(acc.leadIds, [lead])
  const l = (await getLead({ leadId: lead }, config)).lead
  assert.deepEqual([l.status_id, l.responsible_user_id], [NEGOCIACION, 9000002])
  const again = await acceptUnsorted(first.uid, config)
  assert.equal(again.success, false)
  assert.match(again.error, /404/)
  const dec = await declineUnsorted(second.uid, config)
  assert.equal(dec.success, true, dec.error)
  assert.equal((await getLead({ leadId: second._embedded.leads[0].id }, config)).success, false, 'declined leads are deleted')
  const left = await listUnsorted(undefined, config)
  assert.equal(left.unsorted.length, r.unsorted.length - 2)
  const badStatus = await acceptUnsorted(left.unsorted[0]?.uid ?? 'x', { status_id: 1 }, config)
  assert.equal(badStatus.success, false)
})

test('listLossReasons and listSources', async () => {
  const lr = await listLossReasons(config)
  assert.equal(lr.success, true, lr.error)
  assert.deepEqual(lr.lossReasons.map((r) => r.name), ['Precio demasiado alto', 'Eligió a la competencia', 'Sin presupuesto', 'No responde'])
  assert.equal(lr.totalFound, 4)
  const s = await listSources(config)
  assert.deepEqual(s.sources.map((x) => x.external_id), ['web-form', 'wa-main'])
  const one = await listSources({ external_id: 'wa-main' }, config)
  assert.deepEqual(one.sources.map((x) => x.name), ['WhatsApp'])
  const none = await listSources({ external_id: 'nope' }, config)
  assert.deepEqual([none.success, none.sources], [true, []])
})
