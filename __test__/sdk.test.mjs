// SDK functions against the embedded sandbox over real HTTP.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { addon } from './helpers.mjs'

const { searchContactByPhone, searchContact, listPipelines, startSandbox } = addon

let sandbox
let config
before(async () => {
  sandbox = await startSandbox()
  config = { baseUrl: sandbox.baseUrl, accessToken: sandbox.accessToken }
})
after(async () => {
  await sandbox?.stop()
})

const names = (r) => r.contacts.map((c) => c.name).sort()

// Every way people write the seeded Colombian number +57 300 123 4567.
const FORMATS = [
  '+57 300 123 4567',
  '0057 300 123 4567',
  '300.123.4567',
  '(300) 123-4567',
  '3001234567',
  '573001234567',
  '+573001234567',
  '+57 (300) 123-45-67',
]

test('phone search finds the contact in every format, and only true matches', async () => {
  for (const phone of FORMATS) {
    const r = await searchContactByPhone({ phone }, config)
    assert.equal(r.success, true, `${phone}: ${r.error}`)
    // Juan stores "+57 300 123 4567"; Juana stores "(300) 123-4567" without a country code.
    assert.deepEqual(names(r), ['Juan Pérez', 'Juana Pérez Gómez'], phone)
    assert.equal(r.totalFound, 2)
    // María's number is one digit longer and Carlos only mentions the digits in another field:
    // Kommo's query returns both, the phone check must not.
    assert.ok(!names(r).includes('María Rodríguez'))
    assert.ok(!names(r).includes('Carlos Ruiz'))
  }
})

test('phone search returns Kommo contact objects with their phone values', async () => {
  const r = await searchContactByPhone({ phone: '+57 300 123 4567' }, config)
  const juan = r.contacts.find((c) => c.name === 'Juan Pérez')
  assert.equal(typeof juan.id, 'number')
  const phone = juan.custom_fields_values.find((f) => f.field_code === 'PHONE')
  assert.equal(phone.values[0].value, '+57 300 123 4567')
  assert.equal(phone.values[0].enum_code, 'WORK')
  const email = juan.custom_fields_values.find((f) => f.field_code === 'EMAIL')
  assert.equal(email.values[0].value, 'juan.perez@example.co')
})

test('name narrows the matches, ignoring case and accents', async () => {
  assert.deepEqual(names(await searchContactByPhone({ phone: '3001234567', name: 'juana' }, config)), ['Juana Pérez Gómez'])
  assert.deepEqual(names(await searchContactByPhone({ phone: '3001234567', name: 'PEREZ' }, config)), ['Juan Pérez', 'Juana Pérez Gómez'])
  assert.deepEqual(names(await searchContactByPhone({ phone: '3001234567', name: 'Ruiz' }, config)), [])
})

test('international numbers with trunk prefixes match their stored national form', async () => {
  const ivan = await searchContactByPhone({ phone: '+7 916 123-45-67' }, config)
  assert.deepEqual(names(ivan), ['Ivan Petrov'])
  const oliver = await searchContactByPhone({ phone: '020 7946 0018' }, config)
  assert.deepEqual(names(oliver), ['Oliver Brown'])
})

test('a number nobody has is an empty success', async () => {
  const r = await searchContactByPhone({ phone: '+57 320 000 0000' }, config)
  assert.deepEqual(r, { success: true, totalFound: 0, contacts: [] })
})

test('searchContact is the original alias of searchContactByPhone', async () => {
  assert.deepEqual(names(await searchContact({ phone: '(300) 123-4567' }, config)), ['Juan Pérez', 'Juana Pérez Gómez'])
})

test('an unusable phone is reported in the result, not thrown', async () => {
  const r = await searchContactByPhone({ phone: 'call me' }, config)
  assert.equal(r.success, false)
  assert.match(r.error, /^phone: no digits found/)
  assert.deepEqual(r.contacts, [])
})

test('a wrong token is a clear failure that never shows the token', async () => {
  const token = 'WRONG-TOKEN-CANARY-4242'
  const r = await searchContactByPhone({ phone: '3001234567' }, { baseUrl: sandbox.baseUrl, accessToken: token })
  assert.equal(r.success, false)
  assert.match(r.error, /401/)
  assert.match(r.error, /KOMMO_ACCESS_TOKEN/)
  assert.ok(!r.error.includes(token))
  const p = await listPipelines({ baseUrl: sandbox.baseUrl, accessToken: token })
  assert.equal(p.success, false)
  assert.ok(!p.error.includes(token))
})

test('an unreachable account is a clear failure', async () => {
  const dead = await startSandbox()
  const baseUrl = dead.baseUrl
  await dead.stop()
  const r = await listPipelines({ baseUrl, accessToken: 'x' })
  assert.equal(r.success, false)
  assert.match(r.error, /could not reach 127\.0\.0\.1/)
})

test('invalid configs throw a KommoConfigError before any request', () => {
  assert.throws(
    () => searchContactByPhone({ phone: '3001234567' }, { baseUrl: 'https://example.com', accessToken: 't' }),
    (e) => e.name === 'KommoConfigError' && e.issues[0].path[0] === 'baseUrl',
  )
  assert.throws(() => listPipelines({ subdomain: 'acme' }), (e) => e.name === 'KommoConfigError' && e.issues[0].path[0] === 'accessToken')
})

test('wrong argument types throw a TypeError naming the argument', () => {
  assert.throws(() => searchContactByPhone({ phone: 3001234567 }, config), (e) => e instanceof TypeError && /params\.phone must be a string, got a number/.test(e.message))
  assert.throws(() => searchContactByPhone({}, config), (e) => e instanceof TypeError && /params\.phone is required/.test(e.message))
  assert.throws(() => searchContactByPhone('3001234567', config), (e) => e instanceof TypeError && /first argument must be an object/.test(e.message))
  assert.throws(() => searchContactByPhone({ phone: '1', name: 5 }, config), (e) => e instanceof TypeError && /params\.name must be a string/.test(e.message))
  assert.throws(() => addon.normalizePhone(3001234567), (e) => e instanceof TypeError && /normalizePhone\(phone\): phone must be a string, got a number/.test(e.message))
})

test('listPipelines returns every pipeline with its statuses, won and lost included', async () => {
  const r = await listPipelines(config)
  assert.equal(r.success, true, r.error)
  assert.equal(r.totalFound, r.pipelines.length)
  assert.ok(r.pipelines.length >= 3)
  const main = r.pipelines.filter((p) => p.is_main)
  assert.equal(main.length, 1)
  for (const p of r.pipelines) {
    const statuses = p._embedded.statuses
    assert.ok(statuses.some((s) => s.id === 142), `${p.name} has no won status`)
    assert.ok(statuses.some((s) => s.id === 143), `${p.name} has no lost status`)
    for (const s of statuses) assert.equal(s.pipeline_id, p.id)
    const sorts = statuses.map((s) => s.sort)
    assert.deepEqual(sorts, [...sorts].sort((a, b) => a - b), 'statuses are in order')
  }
  const ventas = r.pipelines.find((p) => p.name === 'Ventas')
  assert.equal(ventas._embedded.statuses[0].type, 1, 'the first stage of Ventas is the incoming one')
})

test('a config passed in the wrong place never shows its token, whatever the function', async () => {
  // napi-rs's own argument conversion prints the value it refuses; every export must refuse a
  // misplaced config (or any value) without echoing it.
  const canary = 'CANARY-TOKEN-7f3a9c'
  const leaky = { baseUrl: sandbox.baseUrl, accessToken: canary }
  const skip = new Set(['runCli', 'stopServer', 'startSandbox'])
  const fns = Object.entries(addon).filter(([name, fn]) => typeof fn === 'function' && !skip.has(name) && !/^[A-Z]/.test(name) && !/Schema$/.test(name))
  assert.ok(fns.length > 100, `${fns.length} functions`)
  for (const [name, fn] of fns) {
    for (const args of [[leaky], [leaky, leaky], ['x', leaky], [{ id: 1 }, leaky], [[leaky], leaky]]) {
      let shown
      try {
        shown = JSON.stringify(await fn(...args)) ?? ''
      } catch (e) {
        shown = `${e?.message}\n${e?.stack}\n${JSON.stringify(e?.issues ?? null)}`
      }
      assert.ok(!shown.includes(canary), `${name}(${args.map((a) => typeof a).join(', ')}): ${shown.slice(0, 300)}`)
    }
  }
})
