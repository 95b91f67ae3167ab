// Contact SDK functions against the embedded sandbox: same names, argument order and result
// shapes as 0.1.x, with the filters, email check and link fixes described in CHANGELOG.md.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { addon } from './helpers.mjs'

const {
  startSandbox, searchContactByEmail, getContact, listContacts, getContactCustomFields, createContact, updateContact,
  linkContactToCompany, formatContactAsText, formatSearchResultsAsContext, normalizePagination, getKommoConfig,
  SEARCH_CONTACT_TOOL_DESCRIPTION, UPDATE_LEAD_CUSTOM_FIELDS_TOOL_DESCRIPTION,
} = addon

const JUAN = 20000001
const ANDINA = 30000001
const ADMIN = 9000001

let sandbox
let config
before(async () => {
  sandbox = await startSandbox()
  config = { baseUrl: sandbox.baseUrl, accessToken: sandbox.accessToken }
})
after(async () => {
  await sandbox?.stop()
})

test('searchContactByEmail matches the address ignoring case, and accepts any text with @', async () => {
  const r = await searchContactByEmail({ email: 'Juan.Perez@EXAMPLE.co' }, config)
  assert.equal(r.success, true, r.error)
  assert.deepEqual(r.contacts.map((c) => c.id), [JUAN])
  assert.equal(r.totalFound, 1)
  const none = await searchContactByEmail({ email: 'nobody@example.co' }, config)
  assert.deepEqual([none.success, none.totalFound, none.contacts], [true, 0, []])
  const loose = await searchContactByEmail({ email: 'juan.perez@example' }, config)
  assert.equal(loose.success, true, 'no zod .email() strictness')
  assert.equal(loose.totalFound, 0, 'a shorter address is not the same address')
  const bad = await searchContactByEmail({ email: 'no-at-sign' }, config)
  assert.equal(bad.success, false)
  assert.match(bad.error, /email/)
  assert.throws(() => searchContactByEmail({ email: 3 }, config), TypeError)
})

test('getContact returns the contact or "Contact with ID X not found"', async () => {
  const r = await getContact({ contactId: JUAN, with: ['leads'] }, config)
  assert.equal(r.success, true)
  assert.equal(r.contact.name, 'Juan Pérez')
  assert.ok(r.contact._embedded.leads.length >= 1)
  const missing = await getContact({ contactId: 99 }, config)
  assert.deepEqual(missing, { success: false, error: 'Contact with ID 99 not found' })
  assert.throws(() => getContact({ contactId: 'x' }, config), /getContact: params.contactId/)
})

test('listContacts sends real filters, pages and says when there is more', async () => {
  const page1 = await listContacts({ responsible_user_id: ADMIN, limit: 5 }, config)
  assert.equal(page1.success, true, page1.error)
  assert.equal(page1.contacts.length, 5)
  assert.ok(page1.contacts.every((c) => c.responsible_user_id === ADMIN), 'filter[responsible_user_id] applied')
  assert.deepEqual([page1.page, page1.hasMore, page1.nextPage], [1, true, 2])
  const page2 = await listContacts({ responsible_user_id: ADMIN, limit: 5, page: 2 }, config)
  assert.equal(page2.page, 2)
  assert.ok(!page2.contacts.some((c) => page1.contacts.some((d) => d.id === c.id)))
  const byIds = await listContacts({ ids: [JUAN, 20000005] }, config)
  assert.deepEqual(byIds.contacts.map((c) => c.name).sort(), ['Ana Gómez', 'Juan Pérez'])
  const future = await listContacts({ created_at_from: 4102444800 }, config)
  assert.deepEqual([future.success, future.contacts, future.hasMore], [true, [], false])
  const all = await listContacts(undefined, config)
  assert.equal(all.contacts.length, 50)
  const groupZero = await listContacts({ group_id: 0, limit: 3 }, config)
  assert.equal(groupZero.contacts.length, 3, 'group_id is applied to the contacts read')
  assert.throws(() => listContacts({ limit: 'many' }, config), TypeError)
})

test('getContactCustomFields returns the values with field codes', async () => {
  const r = await getContactCustomFields(JUAN, config)
  assert.equal(r.success, true)
  assert.deepEqual(r.customFields.map((f) => f.field_code).filter(Boolean).sort(), ['EMAIL', 'PHONE', 'POSITION'])
  assert.equal((await getContactCustomFields(99, config)).error, 'Contact with ID 99 not found')
})

test('createContact writes phones and emails with types; updateContact is one PATCH', async () => {
  const created = await createContact({
    first_name: 'Lucía', last_name: 'Vargas', responsible_user_id: ADMIN,
    phones: ['+57 315 000 1122'], emails: [{ value: 'lucia@example.co', type: 'PRIV' }],
    _embedded: { companies: [{ id: ANDINA }] },
  }, config)
  assert.equal(created.success, true, created.error)
  assert.equal(typeof created.contactId, 'number')
  assert.equal(created.contact.id, created.contactId)
  const read = (await getContact({ contactId: created.contactId }, config)).contact
  assert.equal(read.name, 'Lucía Vargas')
  const phone = read.custom_fields_values.find((f) => f.field_code === 'PHONE')
  assert.deepEqual(phone.values.map((v) => [v.value, v.enum_code]), [['+57 315 000 1122', 'WORK']])
  const email = read.custom_fields_values.find((f) => f.field_code === 'EMAIL')
  assert.deepEqual(email.values.map((v) => [v.value, v.enum_code]), [['lucia@example.co', 'PRIV']])
  assert.deepEqual(read._embedded.companies.map((c) => c.id), [ANDINA])

  const updated = await updateContact(created.contactId, { name: 'Lucía Vargas R.' }, config)
  assert.deepEqual([updated.success, updated.contactId, updated.contact.name], [true, created.contactId, 'Lucía Vargas R.'])
  assert.equal((await getContact({ contactId: created.contactId }, config)).contact.name, 'Lucía Vargas R.')

  const invalid = await createContact({ name: 'X', responsible_user_id: 1 }, config)
  assert.equal(invalid.success, false)
  assert.match(invalid.error, /responsible_user_id/)
  const missing = await updateContact(99, { name: 'Nobody' }, config)
  assert.equal(missing.success, false)
  assert.throws(() => createContact({ name: 'X', nickname: 'y' }, config), /unknown field `nickname`/)
})

test('linkContactToCompany links with one request and reports an existing link', async () => {
  const ana = 20000005
  const first = await linkContactToCompany(ana, ANDINA, config)
  assert.deepEqual(first, { success: true, alreadyLinked: false })
  const again = await linkContactToCompany(ana, ANDINA, config)
  assert.deepEqual(again, { success: true, alreadyLinked: true })
  const read = (await getContact({ contactId: ana }, config)).contact
  assert.ok(read._embedded.companies.some((c) => c.id === ANDINA))
  const bad = await linkContactToCompany(ana, 1, config)
  assert.equal(bad.success, false, 'a missing company is an error, not a success')
})

test('formatContactAsText and formatSearchResultsAsContext give readable text', async () => {
  const juan = (await getContact({ contactId: JUAN }, config)).contact
  const text = formatContactAsText(juan)
  assert.match(text, /^Contact ID: 20000001\nName: Juan Pérez\n/)
  assert.match(text, /Phone: \+57 300 123 4567 \(WORK\)/)
  assert.match(text, /Email: juan\.perez@example\.co \(WORK\)/)
  assert.match(text, /Created: \d{4}-\d{2}-\d{2}/)
  const one = formatSearchResultsAsContext({ success: true, contacts: [juan], totalFound: 1 })
  assert.match(one, /^Found 1 contact in Kommo CRM:\n\nContact ID: 20000001/)
  const many = await listContacts({ limit: 7 }, config)
  const ctx = formatSearchResultsAsContext(many)
  assert.match(ctx, /^Found 7 contacts/)
  assert.equal((ctx.match(/\[Contact \d\]/g) || []).length, 5)
  assert.equal(formatSearchResultsAsContext({ success: false, contacts: [], error: 'boom' }), 'Error searching Kommo CRM: boom')
  assert.match(formatSearchResultsAsContext({ success: true, contacts: [] }), /^No contacts found/)
})

test('normalizePagination clamps page and limit', () => {
  assert.deepEqual(normalizePagination({ page: 0, limit: 1000 }), { page: 1, limit: 250 })
  assert.deepEqual(normalizePagination({ page: 3, limit: 0 }), { page: 3, limit: 1 })
  assert.deepEqual(normalizePagination(), { page: 1, limit: 50 })
})

test('getKommoConfig reads KOMMO_* like the server and names the variables when missing', () => {
  const saved = { ...process.env }
  try {
    for (const k of Object.keys(process.env)) if (k.startsWith('KOMMO_')) delete process.env[k]
    assert.throws(() => getKommoConfig(), (e) => e.name === 'KommoConfigError' && /KOMMO_ACCESS_TOKEN/.test(e.message))
    process.env.KOMMO_SUBDOMAIN = 'acme'
    process.env.KOMMO_ACCESS_TOKEN = 'tok'
    assert.deepEqual(getKommoConfig(), { baseUrl: 'https://acme.kommo.com', accessToken: 'tok' })
  } finally {
    for (const k of Object.keys(process.env)) if (k.startsWith('KOMMO_')) delete process.env[k]
    Object.assign(process.env, saved)
  }
})

test('the tool description constants are exported strings', () => {
  for (const name of ['SEARCH_CONTACT', 'GET_CONTACT', 'LIST_PIPELINES', 'GET_PIPELINE', 'SEARCH_PIPELINE_BY_NAME', 'GET_PIPELINE_STATUSES', 'GET_LEAD_CUSTOM_FIELDS', 'UPDATE_LEAD', 'SEARCH_LEAD_CUSTOM_FIELD', 'UPDATE_LEAD_CUSTOM_FIELDS', 'GET_SELECT_FIELD_OPTIONS']) {
    const value = addon[`${name}_TOOL_DESCRIPTION`]
    assert.equal(typeof value, 'string', name)
    assert.ok(value.length > 60, name)
  }
  assert.match(SEARCH_CONTACT_TOOL_DESCRIPTION, /phone/)
  assert.match(UPDATE_LEAD_CUSTOM_FIELDS_TOOL_DESCRIPTION, /name/)
})
