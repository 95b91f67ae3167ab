// The JS fast paths in index.js (kommoConfigSchema: one Node-API call with plain arguments; payload
// schemas: one tape) must give exactly what the detailed native paths give: the same data,
// the same errors (name, code, message, issues in order), for valid, invalid and odd inputs.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'

import { addon } from './helpers.mjs'
import { SAMPLES } from '../benches/zod-schemas.mjs'

/** The native class a wrapper extends: its statics are the detailed path. */
const detailed = (wrapper) => Object.getPrototypeOf(wrapper)

function label(v) {
  try {
    return String(JSON.stringify(v) ?? v).slice(0, 60)
  } catch {
    return typeof v
  }
}

/** A comparable picture of a result or a thrown error. */
function outcome(fn) {
  const errorPicture = (e) => ({
    isError: e instanceof Error,
    keys: Object.keys(e),
    name: e.name,
    code: e.code,
    message: e.message,
    issues: e.issues,
  })
  try {
    const r = fn()
    if (Array.isArray(r)) return r.map((x) => (x && x.error ? { ...x, error: errorPicture(x.error) } : x))
    if (r && r.error) return { ...r, error: errorPicture(r.error) }
    return { value: r }
  } catch (e) {
    return { thrown: errorPicture(e) }
  }
}

const token = 'eyJhbGciOiJSUzI1NiJ9.' + 'x'.repeat(700)
const CONFIGS = [
  { baseUrl: 'https://acme.kommo.com/api/v4/', accessToken: token, defaultCountry: 'co' },
  { baseUrl: 'https://acme.kommo.com', accessToken: 't' },
  { subdomain: 'acme', accessToken: 't', defaultCountry: ' mx ' },
  { subdomain: 'acme', accessToken: 't', defaultCountry: 'zz' },
  { baseUrl: 'https://example.com', accessToken: 't' },
  { baseUrl: 'https://example.com', accessToken: 't', allowUntrustedHost: true },
  { baseUrl: 'https://example.com', accessToken: 't', allowUntrustedHost: false },
  { baseUrl: 'https://acme.kommo.com', accessToken: 't', allowUntrustedHost: true },
  { baseUrl: 'http://localhost:3000', accessToken: 't', allowUntrustedHost: true, defaultCountry: 'br' },
  { baseUrl: 'http://127.0.0.1:9000/api/v4', accessToken: 't' },
  { baseUrl: 'https://acme.kommo.com', subdomain: 'acme', accessToken: 't' },
  { accessToken: 't' },
  { baseUrl: 'https://acme.kommo.com', accessToken: 'a b' },
  { baseUrl: 'https://acme.kommo.com', accessToken: '' },
  { baseUrl: 'not a url', accessToken: 'x\u0000y' },
  { baseUrl: 'https://acme.kommo.com\u0000', accessToken: 'x' },
  // no scheme: the message suggests a URL only for host-like text (a raw NUL used to split the fast answer)
  { baseUrl: '\u0000', accessToken: 't' },
  { baseUrl: 'acme\u0000corp', accessToken: 't' },
  { baseUrl: 'acme', accessToken: 't' },
  { baseUrl: 'ftp://acme.kommo.com', accessToken: 'x', defaultCountry: 'COL' },
  // The Rust shortcut for the common URL shapes (config::quick_base_url) and its edges
  { baseUrl: 'https://acme.amocrm.ru/api/v4', accessToken: token, defaultCountry: 'US' },
  { baseUrl: 'https://acme.kommo.com/', accessToken: 't', defaultCountry: 'zz' },
  { baseUrl: 'https://acme.kommo.com/', accessToken: 'a b', defaultCountry: 'co' },
  { baseUrl: 'https://example.com/api/v4/', accessToken: 't', defaultCountry: 'co' },
  { baseUrl: 'https://proxy.example.org', accessToken: 't', allowUntrustedHost: true, defaultCountry: 'mx' },
  { baseUrl: 'https://www.kommo.com', accessToken: 't' },
  { baseUrl: 'https://Acme.Kommo.com', accessToken: 't' },
  { baseUrl: 'https://acme.kommo.com:443', accessToken: 't' },
  { baseUrl: 'https://1.2.3.4', accessToken: 't' },
  { baseUrl: 'https://acmé.kommo.com', accessToken: 't' },
  { baseUrl: 'https://' + 'a'.repeat(300) + '.kommo.com', accessToken: 't' },
  { baseUrl: 'https://acme.kommo.com', accessToken: 't', defaultCountry: 'ç' },
  { subdomain: 'acme-2', accessToken: token, defaultCountry: 'br' },
  { subdomain: 'www', accessToken: 't' },
  { subdomain: 'xn--80ak6aa92e', accessToken: 't' },
  { subdomain: 'Acme', accessToken: 't', allowUntrustedHost: true },
  { subdomain: 'acme', accessToken: 'x'.repeat(100) + ' ' + 'y'.repeat(100) },
  { subdomain: 'acme', accessToken: 'x'.repeat(3000) },
]

describe('kommoConfigSchema fast path', () => {
  const schema = addon.kommoConfigSchema
  const native = detailed(schema)

  it('is a subclass of the native class and keeps its typed statics', () => {
    assert.equal(typeof schema.parse, 'function')
    assert.notEqual(native, Function.prototype)
    assert.equal(typeof native.parse, 'function')
  })

  for (const method of ['parse', 'safeParse']) {
    it(`${method} gives the detailed path's data and errors for every config`, () => {
      for (const config of CONFIGS) {
        assert.deepEqual(outcome(() => schema[method](config)), outcome(() => native[method](config)), JSON.stringify(config).slice(0, 80))
      }
    })
  }

  it('falls back to the detailed path for other shapes', () => {
    const hooks = { baseUrl: 'https://acme.kommo.com', accessToken: 't', rateLimit: 3 }
    assert.deepEqual(schema.parse(hooks), { baseUrl: 'https://acme.kommo.com', accessToken: 't', rateLimit: 3 })
    const typo = outcome(() => schema.parse({ baseURL: 'https://acme.kommo.com', accessToken: 't' }))
    assert.match(typo.thrown.message, /did you mean baseUrl/)
    const wrongType = outcome(() => schema.safeParse({ baseUrl: 42, accessToken: 't' }))
    assert.equal(wrongType.success, false)
    assert.equal(wrongType.error.issues[0].code, 'invalid_type')
    for (const odd of [null, undefined, 'x', [], Object.create({ accessToken: 't' })]) {
      assert.deepEqual(outcome(() => schema.safeParse(odd)), outcome(() => native.safeParse(odd)))
    }
  })

  it('parse errors carry a stack trace; safeParse errors are still Errors', () => {
    const thrown = outcome(() => schema.parse({ baseUrl: 'https://example.com', accessToken: 't' }))
    assert.equal(thrown.thrown.name, 'KommoConfigError')
    try {
      schema.parse({ baseUrl: 'https://example.com', accessToken: 't' })
    } catch (e) {
      assert.match(e.stack, /fast-paths\.test\.mjs/)
    }
    const r = schema.safeParse({ baseUrl: 'https://example.com', accessToken: 't' })
    assert.ok(r.error instanceof Error)
    assert.equal(r.error.issues[0].path[0], 'baseUrl')
  })
})

describe('payload schema fast path', () => {
  const FAST = Symbol.for('kommo-mcp.fastPath')
  const cyclic = { name: 'x' }
  cyclic.self = cyclic
  let deep = { name: 'x' }
  for (let i = 0; i < 200; i++) deep = { name: 'x', custom_fields_values: [{ field_id: 1, values: [{ value: deep }] }] }
  const inherited = Object.create({ inheritedKey: 1 })
  inherited.name = 'x'
  const sparse = [{ name: 'a' }]
  sparse[2] = { name: 'b' } // index 1 is a hole
  const holes = { name: 'x', _embedded: { tags: sparse } }
  // Odd values: the tape carries some exactly (undefined, NaN, -0, holes, inherited keys), the rest
  // take the detailed path; either way they must be judged as the detailed path judges them.
  const ODD = [
    { name: 'x', price: () => 1 },
    { name: 'x', price: NaN },
    { name: 'x', price: Infinity },
    { name: new Date(0) },
    { name: new String('boxed') },
    { name: 'x', _embedded: { tags: [undefined] } },
    { name: 'x', custom_fields_values: [{ field_id: 1, values: [{ value: 10n }] }] },
    { name: 'x', toJSON: () => ({ name: 'y' }) },
    cyclic,
    { name: 'x', price: undefined },
    { name: 'x', price: -0 },
    holes,
    deep,
    inherited,
    // a getter that throws, and one that validates while the value is being written
    { name: 'x', get price() { throw new Error('getter failed') } },
    { name: 'x', get price() { return addon.leadCreateSchema.safeParse({ name: 'inner' }).success ? 1 : -1 } },
    // two halves of one astral character, as a key and its value: valid UTF-16 only once joined
    { name: 'x', '\uD83D': '\uDE00' },
    Object.assign(Object.create(null), { name: 'null prototype' }),
    null,
    undefined,
    'a string',
    [],
  ]

  for (const [name, sample] of Object.entries(SAMPLES)) {
    it(`${name}: every method agrees with the detailed path`, () => {
      const schema = addon[name]
      const native = detailed(schema)
      assert.notEqual(schema, native)
      const inputs = [
        sample.valid,
        sample.invalid,
        { ...sample.valid, zzz: 1, yyy: 2 },
        // non-ASCII keys and values, an astral character and a lone surrogate cross as JSON too
        { ...sample.valid, 'clé_é': 'Implementación 🚀 \uD800' },
        { ...sample.valid, name: 'Ñandú Logística 🚀' },
        // errors whose keys and messages hold non-ASCII and astral text (lengths in UTF-16 units)
        { ...sample.invalid, 'ключ🚀': '🚀', 'é': 1 },
        {},
        ...ODD,
      ]
      for (const input of inputs) {
        for (const method of ['parse', 'safeParse']) {
          assert.deepEqual(outcome(() => schema[method](input)), outcome(() => native[method](input)), `${method} ${label(input)}`)
        }
        if (input && typeof input === 'object' && !Array.isArray(input)) {
          const returned = outcome(() => schema.safeParse(input)).value // undefined when a getter threw
          if (returned?.success) assert.equal(returned.data, input, 'valid input is returned as is')
        }
      }
      const lists = [
        [sample.valid, sample.valid],
        [sample.valid, sample.invalid, {}, sample.valid],
        [sample.valid, ODD[1]],
        [],
        Array.from({ length: 251 }, () => sample.valid),
        // over 2,047 characters of tape text: read into one buffer and narrowed in place (ASCII)
        // or decoded (non-ASCII); valid and invalid items mixed, so item indices must line up
        Array.from({ length: 60 }, (_, i) => (i % 7 === 3 ? sample.invalid : { ...sample.valid, name: `lead ${i}` })),
        Array.from({ length: 60 }, (_, i) => (i % 5 === 1 ? { ...sample.invalid, 'clé': 'é' } : { ...sample.valid, name: `Ñandú 🚀 ${i}` })),
        'not an array',
      ]
      for (const items of lists.slice(0, -1)) {
        // the tape itself answers plain lists (it does not hand them to the detailed path),
        // including the long ones: over 2,047 characters of text, read into one buffer
        assert.notEqual(schema[FAST](items, 2), undefined, `tape answers ${items.length} items`)
      }
      for (const input of [sample.valid, sample.invalid, { ...sample.valid, name: 'Ñandú Logística 🚀' }, {}, { name: 'x', price: undefined }, { name: 'x', price: NaN }]) {
        assert.notEqual(schema[FAST](input, 0), undefined, `tape answers ${label(input)}`)
      }
      for (const items of lists) {
        for (const method of ['parseMany', 'safeParseMany', 'parseBatch']) {
          assert.deepEqual(outcome(() => schema[method](items)), outcome(() => native[method](items)), `${method} of ${Array.isArray(items) ? items.length : typeof items}`)
        }
      }
    })
  }

  it('hands what the tape cannot carry to the detailed path, and stays usable after a huge tape', () => {
    const schema = addon.leadCreateSchema
    for (const input of [cyclic, deep, { name: 'x', f: () => 1 }, { name: 'x', n: 1n }, { name: new Date(0) }, { name: 'x', s: Symbol('s') }, { name: 'x', '\uD83D': '\uDE00' }, { name: 'lone \uD800' }]) {
      assert.equal(schema[FAST](input, 0), undefined, label(input))
    }
    // 300,000 values: 1.5 million slots, more than the tape keeps between calls
    const huge = { name: 'x', custom_fields_values: [{ field_id: 1, values: Array.from({ length: 300_000 }, (_, i) => ({ value: i })) }] }
    assert.equal(schema[FAST](huge, 0), '')
    assert.deepEqual(outcome(() => schema.safeParse(huge)), outcome(() => detailed(schema).safeParse(huge)))
    assert.equal(schema.safeParse(SAMPLES.leadCreateSchema.valid).success, true)
    assert.equal(schema.safeParse(SAMPLES.leadCreateSchema.invalid).success, false)
  })

  it('a Proxy of an array is an array on both paths, as Array.isArray and zod see it', () => {
    // Vue and MobX reactive arrays are proxies; Node-API's napi_is_array says false for them.
    const schema = addon.leadCreateSchema
    const tags = [{ name: 'vip' }, { id: 0 }]
    for (const extra of [{}, { when: new Date(0) }]) { // with the Date, only the detailed path reads it
      const plain = { name: 'x', _embedded: { tags }, ...extra }
      const proxied = { name: 'x', _embedded: { tags: new Proxy(tags, {}) }, ...extra }
      for (const s of [schema, detailed(schema)]) {
        assert.deepEqual(outcome(() => s.safeParse(proxied)), outcome(() => s.safeParse(plain)), `${s === schema ? 'wrapper' : 'detailed'} ${Object.keys(extra)}`)
      }
    }
    const items = [SAMPLES.leadCreateSchema.valid, SAMPLES.leadCreateSchema.invalid]
    for (const s of [schema, detailed(schema)]) {
      for (const method of ['safeParseMany', 'parseMany', 'parseBatch']) {
        assert.deepEqual(outcome(() => s[method](new Proxy(items, {}))), outcome(() => s[method](items)), method)
      }
    }
  })

  it('a rule that reads a key of null reports an issue on both paths (the detailed path used to throw a TypeError)', () => {
    // complexLeadSchema counts each entity's custom field values; an item of null must not make
    // the detailed path read null.values (Node-API then leaves a TypeError that escaped safeParse).
    const contact = { first_name: 'Adam', custom_fields_values: [null] }
    const plain = { name: 'x', _embedded: { contacts: [contact] } }
    const withDate = { name: 'x', _embedded: { contacts: [{ ...contact, created_at: new Date(0) }] } } // detailed path only
    const schema = addon.complexLeadSchema
    assert.deepEqual(outcome(() => schema.safeParse(plain)), outcome(() => detailed(schema).safeParse(plain)))
    for (const input of [plain, withDate]) {
      for (const result of [schema.safeParse(input), detailed(schema).safeParse(input)]) {
        assert.equal(result.success, false)
        assert.ok(
          result.error.issues.some((i) => i.message === 'expected object, received null' && i.path.join('.') === '_embedded.contacts.0.custom_fields_values.0'),
          JSON.stringify(result.error.issues),
        )
      }
      assert.throws(() => schema.parse(input), { name: 'KommoValidationError' })
    }
  })

  it('random values: the fast path answers them with what the detailed path gives, and safeParse never throws', () => {
    // Keys and values built from the characters the error encoding uses as marks and digits, from
    // non-ASCII and astral text, and from the schemas' own key names; the samples are mutated at
    // every depth, so nested rules meet nulls, arrays and objects where they expect other things.
    let seed = 0x9e3779b9
    const next = () => {
      seed ^= seed << 13
      seed ^= seed >>> 17
      seed ^= seed << 5
      return (seed >>> 0) / 2 ** 32
    }
    const pick = (list) => list[Math.floor(next() * list.length)]
    const CHARS = ['a', 'z', '0', '7', '!', '=', '.', ':', ',', '#', '@', ' ', 'é', 'Ж', '🚀', '\u0000', '\n', 'name', 'id', 'values']
    const text = () => Array.from({ length: Math.floor(next() * 6) }, () => pick(CHARS)).join('')
    const value = (depth) => {
      const r = next()
      if (depth > 3 || r < 0.45) return pick([text(), -1, 0, 1.5, 2 ** 40, true, null, undefined, 42, 'x'.repeat(300)])
      if (r < 0.7) return Array.from({ length: Math.floor(next() * 5) }, () => value(depth + 1))
      return Object.fromEntries(Array.from({ length: Math.floor(next() * 4) }, () => [text(), value(depth + 1)]))
    }
    const mutate = (target, depth) => {
      for (const key of Object.keys(target)) {
        if (next() < 0.15) target[key] = value(0)
        else if (target[key] && typeof target[key] === 'object' && depth < 4) mutate(target[key], depth + 1)
      }
      if (next() < 0.3) target[text()] = value(0)
    }
    for (const [name, sample] of Object.entries(SAMPLES)) {
      const schema = addon[name]
      const native = detailed(schema)
      const inputs = []
      for (let n = 0; n < 300; n++) {
        const input = structuredClone(next() < 0.5 ? sample.valid : sample.invalid)
        mutate(input, 0)
        inputs.push(input)
        assert.notEqual(schema[FAST](input, 0), undefined, `tape answers ${label(input)}`)
        for (const method of ['parse', 'safeParse']) {
          assert.deepEqual(outcome(() => schema[method](input)), outcome(() => native[method](input)), `${name}.${method} ${label(input)}`)
        }
        // the same value with a Date in it: only the detailed path reads it, and it must report
        const odd = { ...input, [text() + 'd']: new Date(0) }
        assert.doesNotThrow(() => schema.safeParse(odd), `${name}.safeParse ${label(odd)}`)
      }
      for (const method of ['parseMany', 'safeParseMany', 'parseBatch']) {
        assert.deepEqual(outcome(() => schema[method](inputs)), outcome(() => native[method](inputs)), `${name}.${method}`)
      }
    }
  })

  it('the wrapped classes keep their names and Kommo limits', () => {
    assert.equal(addon.leadCreateSchema.name, 'leadCreateSchema')
    assert.equal(addon.leadCreateSchema.batchMax(), 250)
    assert.equal(addon.complexLeadSchema.batchMax(), 50)
  })
})
