// Task functions of the SDK against the embedded sandbox.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { addon } from './helpers.mjs'

const {
  startSandbox, getTask, listTasks, getTasksByContact, getTasksByLead, getTasksByDeal, createTask, updateTask,
  completeTask, linkTaskToContact, linkTaskToLead, linkTaskToDeal, createTasks, updateTasks, getLead,
} = addon

const FIRST_TASK = 50000001
const ANDINA_LEAD = 10000001
const JUAN = 20000001
const ANDINA_COMPANY = 30000001
const DIEGO = 9000002

let sandbox
let config
before(async () => {
  sandbox = await startSandbox()
  config = { baseUrl: sandbox.baseUrl, accessToken: sandbox.accessToken }
})
after(async () => {
  await sandbox?.stop()
})

const ids = (r) => r.tasks.map((t) => t.id)

test('getTask returns the Kommo task, with result read as { text }', async () => {
  const r = await getTask({ taskId: FIRST_TASK + 2 }, config)
  assert.equal(r.success, true, r.error)
  assert.equal(r.task.text, 'Enviar propuesta revisada')
  assert.equal(r.task.is_completed, true)
  assert.deepEqual(r.task.result, { text: 'Propuesta enviada por correo' })
  assert.equal(r.task.entity_type, 'leads')
  assert.equal(r.task.entity_id, ANDINA_LEAD)
  const open = await getTask({ taskId: FIRST_TASK }, config)
  assert.equal(open.task.result, undefined, 'an empty result ([] on Kommo) is absent')
})

test('getTask of a missing id is a failure naming the id', async () => {
  assert.deepEqual(await getTask({ taskId: 123 }, config), { success: false, error: 'Task with ID 123 not found' })
})

test('listTasks sends real filters: responsible user, completion, type, entity', async () => {
  const mine = await listTasks({ responsible_user_id: DIEGO, is_completed: false }, config)
  assert.equal(mine.success, true, mine.error)
  assert.deepEqual(ids(mine), [FIRST_TASK, FIRST_TASK + 1, FIRST_TASK + 4])
  const meetings = await listTasks({ task_type_id: 2 }, config)
  assert.deepEqual(ids(meetings), [FIRST_TASK + 1, FIRST_TASK + 4])
  const onLead = await listTasks({ entity_type: 'leads', entity_id: ANDINA_LEAD }, config)
  assert.deepEqual(ids(onLead), [FIRST_TASK, FIRST_TASK + 1, FIRST_TASK + 2])
  const ordered = await listTasks({ order: { complete_till: 'asc' }, is_completed: false }, config)
  const deadlines = ordered.tasks.map((t) => t.complete_till)
  assert.deepEqual(deadlines, [...deadlines].sort((a, b) => a - b))
})

test('listTasks pages through _links.next and reports an empty result', async () => {
  const p1 = await listTasks({ limit: 4 }, config)
  assert.equal(p1.tasks.length, 4)
  assert.equal(p1.hasMore, true)
  assert.equal(p1.nextPage, 2)
  const p2 = await listTasks({ limit: 4, page: 2 }, config)
  assert.equal(p2.page, 2)
  assert.ok(p2.tasks.length >= 2)
  assert.equal(p2.hasMore, false)
  assert.ok(!p2.tasks.some((t) => ids(p1).includes(t.id)))
  const all = await listTasks({ limit: 2, allPages: true }, config)
  assert.ok(all.tasks.length >= 6)
  const none = await listTasks({ entity_type: 'contacts', entity_id: 20000099 }, config)
  assert.deepEqual([none.success, none.tasks, none.totalFound, none.hasMore], [true, [], 0, false])
})

test('complete_till and created_at ranges are applied to the page read, with a note', async () => {
  const r = await listTasks({ complete_till_from: 1767225600 + 4 * 86400 }, config)
  assert.deepEqual(ids(r), [FIRST_TASK + 1, FIRST_TASK + 4])
  assert.match(r.note, /no complete_till\/created_at filter/)
})

test('getTasksByContact, getTasksByLead and getTasksByDeal return only that entity\'s tasks', async () => {
  assert.deepEqual(ids(await getTasksByContact(JUAN, config)), [FIRST_TASK + 3])
  assert.deepEqual(ids(await getTasksByLead(ANDINA_LEAD, config)), [FIRST_TASK, FIRST_TASK + 1, FIRST_TASK + 2])
  assert.deepEqual(ids(await getTasksByDeal(ANDINA_LEAD, config)), ids(await getTasksByLead(ANDINA_LEAD, config)))
  assert.deepEqual((await getTasksByLead(10000002, config)).tasks, [])
})

test('createTask saves the task on the entity; a string result is sent as { text }', async () => {
  const r = await createTask({ text: 'Enviar contrato', complete_till: '2026-02-01T10:00:00-05:00', entity_id: ANDINA_LEAD, entity_type: 'leads', task_type_id: 2, responsible_user_id: DIEGO }, config)
  assert.equal(r.success, true, r.error)
  assert.equal(typeof r.taskId, 'number')
  assert.equal(r.task.id, r.taskId)
  assert.equal(r.task.complete_till, 1769958000)
  const back = await getTask({ taskId: r.taskId }, config)
  assert.equal(back.task.text, 'Enviar contrato')
  assert.equal(back.task.responsible_user_id, DIEGO)
  assert.equal(back.task.entity_id, ANDINA_LEAD)
  const done = await createTask({ text: 'Ya hecho', complete_till: 1767225600, is_completed: true, result: 'Listo' }, config)
  assert.deepEqual((await getTask({ taskId: done.taskId }, config)).task.result, { text: 'Listo' })
  const lead = await getLead({ leadId: ANDINA_LEAD }, config)
  assert.ok(lead.lead.closest_task_at > 0, 'the lead knows its closest task')
})

test('createTask requires text and complete_till, and reports Kommo validation errors', async () => {
  const noText = await createTask({ complete_till: 1 }, config)
  assert.equal(noText.success, false)
  assert.match(noText.error, /text: is required/)
  const noDeadline = await createTask({ text: 'x' }, config)
  assert.match(noDeadline.error, /complete_till: is required/)
  const badEntity = await createTask({ text: 'x', complete_till: 1, entity_id: 99999999, entity_type: 'leads' }, config)
  assert.equal(badEntity.success, false)
  assert.match(badEntity.error, /entity_id: The value you selected is not a valid choice/)
  assert.throws(() => createTask({ text: 'x', complete_till: 1, colour: 'red' }, config), (e) => e instanceof TypeError && /unknown field `colour`/.test(e.message))
})

test('updateTask changes fields with one request', async () => {
  const r = await updateTask(FIRST_TASK + 5, { text: 'Revisar pipeline el lunes', complete_till: '2026-01-05' }, config)
  assert.equal(r.success, true, r.error)
  assert.equal(r.taskId, FIRST_TASK + 5)
  const t = (await getTask({ taskId: FIRST_TASK + 5 }, config)).task
  assert.equal(t.text, 'Revisar pipeline el lunes')
  assert.equal(t.complete_till, 1767225600 + 4 * 86400 + 86399)
  const missing = await updateTask(424242, { text: 'x' }, config)
  assert.equal(missing.success, false)
  assert.match(missing.error, /404/)
})

test('completeTask marks the task done with a result, in either argument order', async () => {
  const r = await completeTask(FIRST_TASK, config, 'Demo confirmada')
  assert.equal(r.success, true, r.error)
  assert.deepEqual(r.task.result, { text: 'Demo confirmada' })
  const t = (await getTask({ taskId: FIRST_TASK }, config)).task
  assert.equal(t.is_completed, true)
  assert.deepEqual(t.result, { text: 'Demo confirmada' })
  const other = await completeTask(FIRST_TASK + 1, 'Reunión hecha', config)
  assert.equal(other.success, true, other.error)
  assert.deepEqual((await getTask({ taskId: FIRST_TASK + 1 }, config)).task.result, { text: 'Reunión hecha' })
  const plain = await completeTask(FIRST_TASK + 4, config)
  assert.equal(plain.success, true)
  assert.equal((await getTask({ taskId: FIRST_TASK + 4 }, config)).task.is_completed, true)
})

test('linkTaskToContact, linkTaskToLead and linkTaskToDeal move the task', async () => {
  const c = await linkTaskToContact(FIRST_TASK + 5, JUAN, config)
  assert.equal(c.success, true, c.error)
  let t = (await getTask({ taskId: FIRST_TASK + 5 }, config)).task
  assert.deepEqual([t.entity_type, t.entity_id], ['contacts', JUAN])
  await linkTaskToLead(FIRST_TASK + 5, ANDINA_LEAD, config)
  t = (await getTask({ taskId: FIRST_TASK + 5 }, config)).task
  assert.deepEqual([t.entity_type, t.entity_id], ['leads', ANDINA_LEAD])
  const d = await linkTaskToDeal(FIRST_TASK + 5, 10000002, config)
  assert.equal(d.success, true)
  assert.equal((await getTask({ taskId: FIRST_TASK + 5 }, config)).task.entity_id, 10000002)
  const bad = await linkTaskToContact(FIRST_TASK + 5, 1, config)
  assert.equal(bad.success, false)
})

test('createTasks and updateTasks report a result per item', async () => {
  const r = await createTasks([
    { text: 'Uno', complete_till: 1767225600, entity_id: ANDINA_COMPANY, entity_type: 'companies' },
    { text: 'Dos', complete_till: 1767225600, entity_id: 99999999, entity_type: 'leads' },
    { text: 'Tres', complete_till: '2026-01-02' },
  ], config)
  assert.equal(r.success, false)
  assert.equal(r.saved, 2)
  assert.equal(r.failed, 1)
  assert.deepEqual(r.results.map((x) => x.success), [true, false, true])
  assert.match(r.results[1].error, /entity_id/)
  const made = r.results.filter((x) => x.success).map((x) => x.id)
  const u = await updateTasks(made.map((id) => ({ id, is_completed: true, result: 'ok' })), config)
  assert.equal(u.success, true, u.error)
  for (const id of made) assert.equal((await getTask({ taskId: id }, config)).task.is_completed, true)
  const badUpdate = await updateTasks([{ id: 1, text: 'x' }], config)
  assert.equal(badUpdate.results[0].success, false)
})
