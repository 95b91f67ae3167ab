// Validation schemas: zod's calling convention, issues (paths, codes, messages), batch forms,
// phones and webhook bodies.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import { addon } from './helpers.mjs'

const {
  leadCreateSchema, leadUpdateSchema, contactCreateSchema, contactUpdateSchema, companyCreateSchema,
  companyUpdateSchema, taskCreateSchema, taskUpdateSchema, noteCreateSchema, noteUpdateSchema, complexLeadSchema,
  parsePhone, safeParsePhone, normalizePhone, parseWebhook, webhookSchema,
} = addon

/** The issues of a failed safeParse as [path, code] pairs. */
function issuesOf(schema, input) {
  const r = schema.safeParse(input)
  assert.equal(r.success, false, 'expected the input to be rejected')
  assert.equal(r.error.name, 'KommoValidationError')
  assert.equal(r.error.code, 'ERR_KOMMO_VALIDATION')
  assert.ok(r.error instanceof Error)
  return r.error.issues
}
const pc = (issues) => issues.map((i) => [i.path.join('.'), i.code])

describe('lead schemas', () => {
  const lead = {
    name: 'Example Lead 1', created_by: 8375357, price: 20000, status_id: 58141807, pipeline_id: 6950551,
    custom_fields_values: [{ field_id: 184994, values: [{ value: true }] }],
    _embedded: { tags: [{ name: 'web' }], contacts: [{ id: 20000001, is_main: true }] },
  }

  it('parse returns the valid input itself and safeParse wraps it', () => {
    assert.equal(leadCreateSchema.parse(lead), lead)
    const r = leadCreateSchema.safeParse(lead)
    assert.deepEqual(Object.keys(r), ['success', 'data'])
    assert.equal(r.success, true)
    assert.equal(r.data, lead)
    assert.equal(leadCreateSchema.parse({}).constructor, Object)
  })

  it('reports each kind of problem with its path and code', () => {
    const issues = issuesOf(leadCreateSchema, {
      name: 5, price: -1, status_id: 1.5, pipeline_id: 0, foo: 1,
      custom_fields_values: [{ values: [{}] }],
    })
    assert.deepEqual(pc(issues), [
      ['name', 'invalid_type'],
      ['price', 'too_small'],
      ['status_id', 'invalid_type'],
      ['pipeline_id', 'too_small'],
      ['custom_fields_values.0.values.0', 'custom'],
      ['custom_fields_values.0', 'custom'],
      ['', 'unrecognized_keys'],
    ])
    assert.equal(issues[0].message, 'expected string, received number')
    assert.equal(issues[1].message, 'too small: expected >= 0, received -1')
    assert.equal(issues[2].message, 'expected an integer, received 1.5')
    assert.equal(issues[3].message, 'expected a positive id (>= 1), received 0')
    assert.deepEqual(issues[4].path, ['custom_fields_values', 0, 'values', 0])
    assert.equal(issues[5].message, 'custom field needs field_id or field_code')
    assert.deepEqual(issues[6].keys, ['foo'])
    assert.equal(issues[6].message, 'unrecognized key in lead: "foo"')
  })

  it('parse throws a KommoValidationError naming every problem', () => {
    assert.throws(() => leadCreateSchema.parse({ price: '1' }), (err) => {
      assert.equal(err.name, 'KommoValidationError')
      assert.equal(err.message, 'Invalid lead: price: expected integer, received string')
      assert.deepEqual(err.issues, [{ code: 'invalid_type', path: ['price'], message: 'expected integer, received string' }])
      return true
    })
    assert.throws(() => leadCreateSchema.parse(null), /expected object, received null/)
    assert.throws(() => leadCreateSchema.parse([]), /expected object, received array/)
  })

  it('updates need an id, accept null tags and reject create-only embeds', () => {
    assert.deepEqual(pc(issuesOf(leadUpdateSchema, { name: 'x' })), [['id', 'invalid_type']])
    const ok = { id: 152462, price: 15000, _embedded: { tags: null }, tags_to_delete: [{ id: 5 }] }
    assert.equal(leadUpdateSchema.parse(ok), ok)
    const issues = issuesOf(leadUpdateSchema, { id: 1, _embedded: { contacts: [{ id: 2 }] } })
    assert.deepEqual(pc(issues), [['_embedded', 'unrecognized_keys']])
  })

  it('undefined properties count as absent, like zod optional()', () => {
    assert.ok(leadCreateSchema.safeParse({ name: 'x', price: undefined }).success)
    assert.deepEqual(pc(issuesOf(leadUpdateSchema, { id: undefined })), [['id', 'invalid_type']])
  })

  it('parseBatch enforces Kommo\'s 250 items per request', () => {
    assert.equal(leadCreateSchema.batchMax(), 250)
    assert.equal(complexLeadSchema.batchMax(), 50)
    const items = Array.from({ length: 251 }, () => ({ name: 'x' }))
    assert.throws(() => leadCreateSchema.parseBatch(items), (err) => {
      assert.deepEqual(pc(err.issues), [['', 'too_big']])
      assert.match(err.issues[0].message, /at most 250 leads per request, received 251; split the batch/)
      return true
    })
    assert.equal(leadCreateSchema.parseBatch(items.slice(0, 250)).length, 250)
    assert.throws(() => leadCreateSchema.parseBatch([]), (err) => err.issues[0].code === 'too_small')
    assert.throws(() => leadCreateSchema.parseBatch([{}, { price: 'x' }]), (err) => {
      assert.deepEqual(err.issues[0].path, [1, 'price'])
      return true
    })
  })
})

describe('parseMany and safeParseMany', () => {
  it('safeParseMany returns one result per item in one call', () => {
    const items = [{ name: 'a' }, { name: 1 }, { id: 3 }, { price: 5 }]
    const results = leadCreateSchema.safeParseMany(items)
    assert.equal(results.length, 4)
    assert.deepEqual(results.map((r) => r.success), [true, false, false, true])
    assert.equal(results[0].data, items[0])
    assert.deepEqual(pc(results[1].error.issues), [['name', 'invalid_type']])
    assert.deepEqual(results[2].error.issues[0].keys, ['id'])
  })

  it('safeParseMany handles 10,000 items', () => {
    const items = Array.from({ length: 10_000 }, (_, i) => (i % 1000 === 7 ? { price: -i } : { name: `L${i}`, price: i }))
    const results = contactCreateSchema.safeParseMany(items.map((x) => ({ name: String(x.name ?? 1) })))
    assert.ok(results.every((r) => r.success))
    const leads = leadCreateSchema.safeParseMany(items)
    assert.deepEqual(leads.flatMap((r, i) => (r.success ? [] : [i])), [7, 1007, 2007, 3007, 4007, 5007, 6007, 7007, 8007, 9007])
  })

  it('parseMany returns the array or throws with indexed paths', () => {
    const items = [{ text: 'Call', complete_till: 1 }, { text: 'Call' }, { complete_till: 2 }]
    assert.throws(() => taskCreateSchema.parseMany(items), (err) => {
      assert.deepEqual(err.issues.map((i) => i.path), [[1, 'complete_till'], [2, 'text']])
      return true
    })
    const ok = items.slice(0, 1)
    assert.equal(taskCreateSchema.parseMany(ok), ok)
  })

  it('a non-array is a TypeError', () => {
    assert.throws(() => leadCreateSchema.safeParseMany({}), (err) => {
      assert.ok(err instanceof TypeError)
      assert.match(err.message, /leadCreateSchema\.safeParseMany\(items\): items must be an array, got an object/)
      return true
    })
  })
})

describe('contact and company schemas', () => {
  it('accept the documented payloads, field codes and values: null', () => {
    const docs = [
      { first_name: 'Peter', last_name: 'Parker', custom_fields_values: [{ field_id: 178382, values: [{ value: '+19651796214' }] }] },
      { name: 'Jane Doe', created_by: 8375357 },
      { name: 'X', custom_fields_values: [{ field_code: 'EMAIL', values: [{ value: 'a@b.co', enum_code: 'WORK' }] }] },
    ]
    for (const d of docs) assert.equal(contactCreateSchema.parse(d), d)
    assert.ok(contactUpdateSchema.safeParse({ id: 3, custom_fields_values: [{ field_id: 1, values: null }] }).success)
    assert.ok(companyCreateSchema.safeParse({ name: 'АО Рога и копыта', responsible_user_id: 504141 }).success)
  })

  it('suggest the snake_case key for a camelCase typo', () => {
    const issues = issuesOf(contactCreateSchema, { firstName: 'Ana' })
    assert.equal(issues[0].message, 'unrecognized key in contact: "firstName" (did you mean first_name?)')
  })

  it('check custom field values and tags', () => {
    assert.deepEqual(pc(issuesOf(contactCreateSchema, { custom_fields_values: [{ field_id: 1, values: [{ value: [1] }] }] })),
      [['custom_fields_values.0.values.0.value', 'invalid_type']])
    assert.deepEqual(pc(issuesOf(companyUpdateSchema, { id: 1, tags_to_add: [{}] })), [['tags_to_add.0', 'custom']])
    assert.deepEqual(pc(issuesOf(companyUpdateSchema, { id: '1' })), [['id', 'invalid_type']])
    assert.deepEqual(pc(issuesOf(contactCreateSchema, { custom_fields_values: {} })), [['custom_fields_values', 'invalid_type']])
    assert.deepEqual(pc(issuesOf(companyCreateSchema, { name: 'x'.repeat(256) })), [['name', 'too_big']])
  })
})

describe('task and note schemas', () => {
  it('tasks need text and complete_till; entity_id and entity_type go together', () => {
    const task = { task_type_id: 1, text: 'Meeting with the client', complete_till: 1588885140, entity_id: 9785993, entity_type: 'leads', request_id: 'example' }
    assert.equal(taskCreateSchema.parse(task), task)
    const missing = issuesOf(taskCreateSchema, {})
    assert.deepEqual(pc(missing), [['text', 'invalid_type'], ['complete_till', 'invalid_type']])
    assert.equal(missing[0].message, 'required: expected string')
    const issues = issuesOf(taskCreateSchema, { text: '  ', complete_till: 1, entity_id: 5 })
    assert.deepEqual(pc(issues), [['text', 'too_small'], ['entity_type', 'custom']])
    assert.equal(issues[1].message, 'required when entity_id is set: give entity_id and entity_type together')
    const bad = issuesOf(taskCreateSchema, { text: 'x', complete_till: 1, entity_id: 1, entity_type: 'deals' })
    assert.deepEqual(pc(bad), [['entity_type', 'invalid_value']])
    assert.match(bad[0].message, /invalid value "deals": expected one of "leads", "contacts", "companies", "customers"/)
    assert.ok(taskUpdateSchema.safeParse({ id: 4745251, is_completed: true, result: { text: 'Reached the client' } }).success)
    assert.deepEqual(pc(issuesOf(taskUpdateSchema, { id: 1, result: {} })), [['result.text', 'invalid_type']])
  })

  it('common notes need params.text (not text at the top level)', () => {
    const note = { entity_id: 1234567, note_type: 'common', params: { text: 'Called' } }
    assert.equal(noteCreateSchema.parse(note), note)
    const issues = issuesOf(noteCreateSchema, { entity_id: 1234567, note_type: 'common', text: 'Called' })
    assert.deepEqual(pc(issues), [['', 'unrecognized_keys'], ['params.text', 'invalid_type']])
    assert.equal(issues[1].message, 'required: a common note needs its text in params.text (not at the top level)')
    assert.deepEqual(pc(issuesOf(noteCreateSchema, { entity_id: 1, note_type: 'memo' })), [['note_type', 'invalid_value']])
    assert.deepEqual(pc(issuesOf(noteCreateSchema, { note_type: 'call_in' })), [['entity_id', 'invalid_type']])
    assert.ok(noteCreateSchema.safeParse({ entity_id: 1, note_type: 'call_in', params: { uniq: 'a', duration: 60, phone: '+1' } }).success)
    assert.deepEqual(pc(issuesOf(noteUpdateSchema, { id: 1 })), [['entity_id', 'invalid_type']])
    assert.ok(noteUpdateSchema.safeParse({ id: 1, entity_id: 2, params: { text: 'x' } }).success)
  })
})

describe('complexLeadSchema', () => {
  it('accepts the documented example and enforces one contact and 40 values', () => {
    const doc = {
      name: 'New lead 1', price: 2222,
      _embedded: {
        contacts: [{ first_name: 'Adam', created_at: 1668784888, responsible_user_id: 8375357, updated_by: 0,
          custom_fields_values: [{ field_id: 562166, field_name: 'Phone', values: [{ value: '0965423364', enum_code: 'WORK' }] }] }],
        companies: [{ name: 'Kommo' }],
      },
      created_at: 1668784001, responsible_user_id: 8375357, status_id: 49366079, pipeline_id: 5597036, request_id: '1',
    }
    assert.equal(complexLeadSchema.parse(doc), doc)
    const values = Array.from({ length: 41 }, (_, i) => ({ value: `v${i}` }))
    const issues = issuesOf(complexLeadSchema, {
      _embedded: { contacts: [{}, {}], companies: [{ custom_fields_values: [{ field_id: 1, values }] }] },
    })
    assert.deepEqual(pc(issues), [['_embedded.contacts', 'too_big'], ['_embedded.companies.0.custom_fields_values', 'too_big']])
    assert.match(issues[1].message, /at most 40 custom field values per entity in complex creation, received 41/)
  })
})

describe('parsePhone', () => {
  it('gives E.164, national forms and the country', () => {
    const p = parsePhone('+57 300 123 4567')
    assert.deepEqual(p, {
      input: '+57 300 123 4567', e164: '+573001234567', national: '3001234567', countryCode: 57, country: 'CO',
      nationalFormatted: p.nationalFormatted, international: p.international, valid: true,
      digits: '573001234567', searchDigits: '3001234567',
    })
    assert.match(p.international, /^\+57 300 ?123 ?4567$/)
    assert.equal(p.digits, normalizePhone('+57 300 123 4567'))
  })

  it('reads national numbers with defaultCountry', () => {
    const p = parsePhone('(300) 123-4567', 'co')
    assert.equal(p.e164, '+573001234567')
    assert.equal(p.country, 'CO')
    const mx = parsePhone('55 1234 5678', 'MX')
    assert.equal(mx.e164, '+525512345678')
    const unknown = parsePhone('300 123 4567')
    assert.equal(unknown.e164 === null || unknown.e164.startsWith('+'), true)
  })

  it('rejects unusable input with issues', () => {
    assert.throws(() => parsePhone('abc'), (err) => err.name === 'KommoValidationError' && err.issues[0].code === 'invalid_value')
    assert.throws(() => parsePhone('123'), (err) => err.issues[0].code === 'too_small' && /3 digits is too short/.test(err.issues[0].message))
    assert.throws(() => parsePhone('1'.repeat(20)), (err) => err.issues[0].code === 'too_big')
    assert.throws(() => parsePhone('3001234567', 'ZZ'), (err) => err.issues[0].path[0] === 'defaultCountry')
    const r = safeParsePhone(42)
    assert.equal(r.success, false)
    assert.deepEqual(pc(r.error.issues), [['', 'invalid_type']])
    assert.equal(safeParsePhone('+573001234567').data.e164, '+573001234567')
  })
})

describe('webhooks', () => {
  const leadAdd = 'leads[add][0][id]=30449937&leads[add][0][name]=Deal%20%231&leads[add][0][status_id]=53822434'
    + '&leads[add][0][price]=1500&leads[add][0][responsible_user_id]=9040358&leads[add][0][last_modified]=1672189247'
    + '&leads[add][0][modified_user_id]=9040358&leads[add][0][created_user_id]=9040358'
    + '&leads[add][0][date_create]=1672189247&leads[add][0][pipeline_id]=6254262&leads[add][0][account_id]=30739638'
    + '&leads[add][0][created_at]=1672189247&leads[add][0][updated_at]=1672189247'
    + '&account[subdomain]=121273hvv&account[id]=30739638&account[_links][self]=https://121273hvv.amocrm.ru'

  it('parses the real add_lead body into typed objects', () => {
    const w = parseWebhook(leadAdd)
    assert.deepEqual(w, {
      leads: { add: [{
        id: 30449937, name: 'Deal #1', status_id: 53822434, price: 1500, responsible_user_id: 9040358,
        last_modified: 1672189247, modified_user_id: 9040358, created_user_id: 9040358, date_create: 1672189247,
        pipeline_id: 6254262, account_id: 30739638, created_at: 1672189247, updated_at: 1672189247,
      }] },
      account: { subdomain: '121273hvv', id: 30739638, _links: { self: 'https://121273hvv.amocrm.ru' } },
    })
    assert.deepEqual(parseWebhook(Buffer.from(leadAdd)), w)
    assert.deepEqual(webhookSchema.parse(new TextEncoder().encode(leadAdd)), w)
  })

  it('parses the real message body, keeping uuids and text as strings', () => {
    const body = 'account[subdomain]=marketingfagmotorsurfacom&account[id]=31000000'
      + '&account[_links][self]=https%3A%2F%2Fmarketingfagmotorsurfacom.amocrm.com'
      + '&message[add][0][id]=5a6b1c2d-0000-4f00-9000-aabbccddeeff&message[add][0][chat_id]=0b1c2d3e-1111-4f11-9111-aabbccddeeff'
      + '&message[add][0][talk_id]=1287&message[add][0][contact_id]=20000001&message[add][0][text]=Hola+%C2%BFprecio%3F'
      + '&message[add][0][created_at]=1700000000&message[add][0][message_type]=incoming'
      + '&message[add][0][attachment][type]=picture&message[add][0][attachment][link]=https%3A%2F%2Fcdn.example%2Fa.jpg'
    const m = parseWebhook(body).message.add[0]
    assert.equal(m.id, '5a6b1c2d-0000-4f00-9000-aabbccddeeff')
    assert.equal(m.talk_id, 1287)
    assert.equal(m.contact_id, 20000001)
    assert.equal(m.text, 'Hola ¿precio?')
    assert.equal(m.created_at, 1700000000)
    assert.deepEqual(m.attachment, { type: 'picture', link: 'https://cdn.example/a.jpg' })
  })

  it('parses status changes, custom fields, several items and task dates', () => {
    const body = 'leads[status][0][id]=1&leads[status][0][status_id]=143&leads[status][0][old_status_id]=142'
      + '&leads[status][1][id]=2&leads[status][1][status_id]=142&leads[status][1][old_status_id]=7'
      + '&leads[status][0][custom_fields][0][id]=55&leads[status][0][custom_fields][0][name]=Source'
      + '&leads[status][0][custom_fields][0][values][0][value]=Web&leads[status][0][custom_fields][0][values][0][enum]=9'
      + '&contacts[update][0][id]=7&contacts[update][0][type]=company'
      + '&task[add][0][id]=99&task[add][0][complete_till]=2024-01-31 23:59:00'
      + '&account[subdomain]=acme&account[id]=1'
    const w = parseWebhook(body)
    assert.deepEqual(w.leads.status.map((l) => [l.id, l.status_id, l.old_status_id]), [[1, 143, 142], [2, 142, 7]])
    assert.deepEqual(w.leads.status[0].custom_fields, [{ id: 55, name: 'Source', values: [{ value: 'Web', enum: '9' }] }])
    assert.equal(w.contacts.update[0].type, 'company')
    assert.equal(w.task.add[0].complete_till, '2024-01-31 23:59:00')
  })

  it('rejects bodies that are not Kommo webhooks', () => {
    assert.throws(() => parseWebhook('foo=bar'), (err) => {
      assert.deepEqual(pc(err.issues), [['account', 'invalid_type'], ['', 'custom']])
      return true
    })
    const r = webhookSchema.safeParse('')
    assert.equal(r.success, false)
    assert.deepEqual(pc(r.error.issues), [['', 'too_small']])
    assert.deepEqual(pc(webhookSchema.safeParse({ leads: {} }).error.issues), [['', 'invalid_type']])
    assert.deepEqual(pc(webhookSchema.safeParse('leads[add][0]=1&leads[add][0][id]=2&account[id]=1').error.issues),
      [['leads.add.0', 'custom']])
  })
})
