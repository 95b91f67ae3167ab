// Note functions of the SDK against the embedded sandbox.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { addon } from './helpers.mjs'

const {
  startSandbox, getNote, listNotes, getNotesByContact, getNotesByLead, getNotesByDeal, createNote, updateNote,
  linkNoteToContact, linkNoteToLead, linkNoteToDeal, pinNote, unpinNote, createNotes, updateNotes,
} = addon

const FIRST_NOTE = 60000001
const ANDINA_LEAD = 10000001
const JUAN = 20000001
const ANDINA_COMPANY = 30000001

let sandbox
let config
before(async () => {
  sandbox = await startSandbox()
  config = { baseUrl: sandbox.baseUrl, accessToken: sandbox.accessToken }
})
after(async () => {
  await sandbox?.stop()
})

test('getNote reads a note with its text from params.text', async () => {
  const r = await getNote({ noteId: FIRST_NOTE, entityType: 'leads' }, config)
  assert.equal(r.success, true, r.error)
  assert.equal(r.note.entity_id, ANDINA_LEAD)
  assert.equal(r.note.note_type, 'common')
  assert.equal(r.note.params.text, 'El cliente pidió una demo para el equipo de bodega')
  assert.equal(r.note.text, r.note.params.text)
  assert.equal(r.note.is_pinned, false)
})

test('getNote of a missing note, or of another entity type, is a failure', async () => {
  assert.equal((await getNote({ noteId: 1, entityType: 'leads' }, config)).success, false)
  const wrongType = await getNote({ noteId: FIRST_NOTE, entityType: 'contacts' }, config)
  assert.match(wrongType.error, /Note with ID 60000001 not found in contacts/)
  const badType = await getNote({ noteId: FIRST_NOTE, entityType: 'deals2' }, config)
  assert.match(badType.error, /not an entity type/)
})

test('listNotes lists one entity\'s notes, filters by type and pages', async () => {
  const all = await listNotes({ entityType: 'leads', entityId: ANDINA_LEAD }, config)
  assert.equal(all.success, true, all.error)
  assert.deepEqual(all.notes.map((n) => n.id), [FIRST_NOTE, FIRST_NOTE + 1, FIRST_NOTE + 2])
  const calls = await listNotes({ entityType: 'leads', entityId: ANDINA_LEAD, note_type: 'call_out' }, config)
  assert.deepEqual(calls.notes.map((n) => n.params.phone), ['+57 300 123 4567'])
  const p2 = await listNotes({ entityType: 'leads', entityId: ANDINA_LEAD, limit: 2, page: 2 }, config)
  assert.deepEqual(p2.notes.map((n) => n.id), [FIRST_NOTE + 2])
  const p1 = await listNotes({ entityType: 'leads', entityId: ANDINA_LEAD, limit: 2 }, config)
  assert.equal(p1.hasMore, true)
  const byType = await listNotes({ entityType: 'companies' }, config)
  assert.deepEqual(byType.notes.map((n) => n.entity_id), [ANDINA_COMPANY])
  const none = await listNotes({ entityType: 'companies', entityId: 30000002 }, config)
  assert.deepEqual([none.success, none.notes, none.totalFound], [true, [], 0])
})

test('getNotesByContact, getNotesByLead and getNotesByDeal', async () => {
  assert.deepEqual((await getNotesByContact(JUAN, config)).notes.map((n) => n.text), ['Prefiere contacto por WhatsApp'])
  assert.equal((await getNotesByLead(ANDINA_LEAD, config)).notes.length, 3)
  assert.equal((await getNotesByDeal(ANDINA_LEAD, config)).notes.length, 3)
})

test('createNote saves the text in params.text (the original saved notes without it)', async () => {
  const r = await createNote({ text: 'Llamó para pedir factura', entityType: 'contacts', entityId: JUAN }, config)
  assert.equal(r.success, true, r.error)
  assert.equal(typeof r.noteId, 'number')
  assert.equal(r.note.text, 'Llamó para pedir factura')
  const back = await getNote({ noteId: r.noteId, entityType: 'contacts' }, config)
  assert.equal(back.note.note_type, 'common')
  assert.deepEqual(back.note.params, { text: 'Llamó para pedir factura' })
  const call = await createNote({ text: 'Llamada entrante', entityType: 'leads', entityId: ANDINA_LEAD, note_type: 'call_in', params: { uniq: 'c-1', duration: 42, source: 'pbx', phone: '+573001234567' } }, config)
  assert.equal(call.success, true, call.error)
  const c = (await getNote({ noteId: call.noteId, entityType: 'leads' }, config)).note
  assert.deepEqual([c.note_type, c.params.duration, c.params.text], ['call_in', 42, 'Llamada entrante'])
})

test('createNote validation: empty text, missing call params, unknown entity', async () => {
  assert.match((await createNote({ text: ' ', entityType: 'leads', entityId: ANDINA_LEAD }, config)).error, /text: is required/)
  assert.match((await createNote({ text: 'x', entityType: 'leads', entityId: ANDINA_LEAD, note_type: 'call_out' }, config)).error, /params\.uniq/)
  assert.match((await createNote({ text: 'x', entityType: 'leads', entityId: ANDINA_LEAD, note_type: 'invoice_paid' }, config)).error, /cannot be written/)
  const missing = await createNote({ text: 'x', entityType: 'leads', entityId: 424242 }, config)
  assert.equal(missing.success, false)
  assert.match(missing.error, /entity_id: The value you selected is not a valid choice/)
  assert.throws(() => createNote({ text: 'x', entityType: 'leads' }, config), TypeError)
})

test('updateNote sends one PATCH with the entity and reads the object answer', async () => {
  const r = await updateNote({ noteId: FIRST_NOTE + 1, entityType: 'leads', entityId: ANDINA_LEAD, text: 'Presupuesto aprobado (actualizado)' }, config)
  assert.equal(r.success, true, r.error)
  assert.equal(r.noteId, FIRST_NOTE + 1)
  assert.equal(typeof r.note.updated_at, 'number')
  assert.equal((await getNote({ noteId: FIRST_NOTE + 1, entityType: 'leads' }, config)).note.text, 'Presupuesto aprobado (actualizado)')
  // Without entityId the note is read first.
  const r2 = await updateNote({ noteId: FIRST_NOTE + 3, entityType: 'contacts', text: 'Prefiere email' }, config)
  assert.equal(r2.success, true, r2.error)
  assert.equal((await getNote({ noteId: FIRST_NOTE + 3, entityType: 'contacts' }, config)).note.text, 'Prefiere email')
  const missing = await updateNote({ noteId: 1, entityType: 'leads', text: 'x' }, config)
  assert.match(missing.error, /Note with ID 1 not found/)
  const nothing = await updateNote({ noteId: FIRST_NOTE, entityType: 'leads', entityId: ANDINA_LEAD }, config)
  assert.match(nothing.error, /nothing to change/)
})

test('linkNote* explain that notes belong to one entity', async () => {
  for (const f of [linkNoteToContact, linkNoteToLead, linkNoteToDeal]) {
    const r = await f(FIRST_NOTE, 1, config)
    assert.equal(r.success, false)
    assert.match(r.error, /cannot be linked.*createNote/)
  }
})

test('pinNote and unpinNote flip is_pinned', async () => {
  assert.deepEqual(await pinNote({ noteId: FIRST_NOTE, entityType: 'leads' }, config), { success: true })
  assert.equal((await getNote({ noteId: FIRST_NOTE, entityType: 'leads' }, config)).note.is_pinned, true)
  assert.deepEqual(await unpinNote({ noteId: FIRST_NOTE, entityType: 'leads' }, config), { success: true })
  assert.equal((await getNote({ noteId: FIRST_NOTE, entityType: 'leads' }, config)).note.is_pinned, false)
  assert.equal((await pinNote({ noteId: 1, entityType: 'leads' }, config)).success, false)
})

test('createNotes and updateNotes report a result per item', async () => {
  const r = await createNotes('leads', [
    { entity_id: ANDINA_LEAD, text: 'Uno' },
    { entity_id: 424242, text: 'Dos' },
    { entity_id: ANDINA_LEAD, note_type: 'sms_out', text: 'SMS', params: { phone: '+573001234567' } },
  ], config)
  assert.deepEqual(r.results.map((x) => x.success), [true, false, true])
  assert.equal(r.saved, 2)
  const made = r.results.filter((x) => x.success).map((x) => x.id)
  const u = await updateNotes('leads', [{ id: made[0], entity_id: ANDINA_LEAD, note_type: 'common', text: 'Uno editado' }], config)
  assert.equal(u.success, true, u.error)
  assert.equal((await getNote({ noteId: made[0], entityType: 'leads' }, config)).note.text, 'Uno editado')
  const bad = await createNotes('leads', [{ text: 'sin entidad' }], config)
  assert.match(bad.error, /entity_id: is required/)
})
