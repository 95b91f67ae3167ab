// kommoConfigSchema: every accepted form, every rejection and the messages.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { addon } from './helpers.mjs'

const { kommoConfigSchema } = addon
const T = 'tok_123.abc-XYZ'

function issuesOf(input) {
  const r = kommoConfigSchema.safeParse(input)
  assert.equal(r.success, false, `expected ${JSON.stringify(input)} to be rejected`)
  return r.error.issues
}

test('baseUrl forms normalise to one canonical URL', () => {
  for (const baseUrl of [
    'https://acme.kommo.com',
    'https://acme.kommo.com/',
    'https://acme.kommo.com/api/v4',
    'https://acme.kommo.com/api/v4/',
    'https://ACME.Kommo.com/api/v4/',
  ]) {
    assert.deepEqual(kommoConfigSchema.parse({ baseUrl, accessToken: T }), { baseUrl: 'https://acme.kommo.com', accessToken: T }, baseUrl)
  }
})

test('amoCRM hosts are accepted', () => {
  assert.equal(kommoConfigSchema.parse({ baseUrl: 'https://acme.amocrm.ru/api/v4/', accessToken: T }).baseUrl, 'https://acme.amocrm.ru')
  assert.equal(kommoConfigSchema.parse({ baseUrl: 'https://acme.amocrm.com', accessToken: T }).baseUrl, 'https://acme.amocrm.com')
})

test('subdomain may be given instead of baseUrl, also as a full host', () => {
  assert.deepEqual(kommoConfigSchema.parse({ subdomain: 'acme', accessToken: T }), { baseUrl: 'https://acme.kommo.com', accessToken: T })
  assert.equal(kommoConfigSchema.parse({ subdomain: 'acme.kommo.com', accessToken: T }).baseUrl, 'https://acme.kommo.com')
})

test('loopback hosts are accepted over http, with their port', () => {
  assert.equal(kommoConfigSchema.parse({ baseUrl: 'http://127.0.0.1:8080/api/v4', accessToken: T }).baseUrl, 'http://127.0.0.1:8080')
  assert.equal(kommoConfigSchema.parse({ baseUrl: 'http://localhost:3000', accessToken: T }).baseUrl, 'http://localhost:3000')
  assert.equal(kommoConfigSchema.parse({ baseUrl: 'http://[::1]:9000/', accessToken: T }).baseUrl, 'http://[::1]:9000')
})

test('other hosts are rejected with a message that says what to do', () => {
  const [issue] = issuesOf({ baseUrl: 'https://example.com', accessToken: T })
  assert.deepEqual(issue.path, ['baseUrl'])
  assert.match(issue.message, /^host example\.com is not a Kommo account host; expected https:\/\/<subdomain>\.kommo\.com/)
  assert.match(issue.message, /allowUntrustedHost/)
  // The original package's substring check let these through.
  issuesOf({ baseUrl: 'https://evil.example/?kommo', accessToken: T })
  issuesOf({ baseUrl: 'https://kommo.com.evil.example', accessToken: T })
  assert.match(issuesOf({ baseUrl: 'https://www.kommo.com', accessToken: T })[0].message, /not an account host/)
})

test('allowUntrustedHost opts in to another https host', () => {
  const c = kommoConfigSchema.parse({ baseUrl: 'https://proxy.example.com/api/v4', accessToken: T, allowUntrustedHost: true })
  assert.deepEqual(c, { baseUrl: 'https://proxy.example.com', accessToken: T, allowUntrustedHost: true })
  assert.match(issuesOf({ baseUrl: 'http://proxy.example.com', accessToken: T, allowUntrustedHost: true })[0].message, /must use https/)
})

test('Kommo hosts must use https and no port', () => {
  assert.match(issuesOf({ baseUrl: 'http://acme.kommo.com', accessToken: T })[0].message, /https:\/\/acme\.kommo\.com/)
  assert.match(issuesOf({ baseUrl: 'https://acme.kommo.com:8443', accessToken: T })[0].message, /remove the port/)
})

test('malformed URLs and paths are rejected naming baseUrl', () => {
  for (const baseUrl of ['acme.kommo.com', 'ftp://acme.kommo.com', 'https://acme.kommo.com/leads', 'https://acme.kommo.com/?x=1', 'https://u:p@acme.kommo.com', '']) {
    const issues = issuesOf({ baseUrl, accessToken: T })
    assert.deepEqual(issues[0].path, ['baseUrl'], baseUrl)
    assert.equal(issues[0].code, 'invalid_format')
  }
  assert.match(issuesOf({ baseUrl: 'acme.kommo.com', accessToken: T })[0].message, /not an absolute URL; expected https:\/\/acme\.kommo\.com/)
})

test('accessToken must be a non-empty string without whitespace, and is never echoed', () => {
  const secret = 'SECRET-CANARY-9f8e7d'
  for (const accessToken of [`${secret} x`, `${secret}\n`, `Bearer ${secret}`, '', `${secret}\u0007`]) {
    const issues = issuesOf({ baseUrl: 'https://acme.kommo.com', accessToken })
    assert.deepEqual(issues[0].path, ['accessToken'])
    assert.ok(!issues[0].message.includes(secret), 'the token must not appear in the message')
    const err = kommoConfigSchema.safeParse({ baseUrl: 'https://acme.kommo.com', accessToken }).error
    assert.ok(!err.message.includes(secret))
  }
  assert.match(issuesOf({ baseUrl: 'https://a.kommo.com', accessToken: 'Bearer abc' })[0].message, /Bearer/)
  assert.match(issuesOf({ baseUrl: 'https://a.kommo.com', accessToken: 'abc\n' })[0].message, /line break/)
})

test('wrong types and missing keys are each reported', () => {
  const issues = issuesOf({ baseUrl: 42, accessToken: null })
  assert.deepEqual(issues.map((i) => [i.path.join('.'), i.code]), [['baseUrl', 'invalid_type'], ['accessToken', 'invalid_type']])
  assert.match(issues[0].message, /expected a string, got a number/)
  assert.deepEqual(issuesOf({}).map((i) => i.path[0]), ['baseUrl', 'accessToken'])
  for (const bad of [null, undefined, 'https://acme.kommo.com', 42, [], () => {}]) {
    const [issue] = issuesOf(bad)
    assert.deepEqual(issue.path, [])
    assert.equal(issue.code, 'invalid_type')
  }
  assert.match(issuesOf({ baseUrl: 'https://a.kommo.com', accessToken: T, allowUntrustedHost: 'yes' })[0].message, /expected a boolean/)
})

test('unknown keys are rejected, with a hint for near misses', () => {
  const [issue] = issuesOf({ baseURL: 'https://acme.kommo.com', accessToken: T, baseUrl: 'https://acme.kommo.com' })
  assert.deepEqual(issue.path, ['baseURL'])
  assert.equal(issue.code, 'unrecognized_keys')
  assert.match(issue.message, /did you mean baseUrl\?/)
  assert.match(issuesOf({ baseUrl: 'https://a.kommo.com', access_token: T })[0].message, /did you mean accessToken/)
})

test('baseUrl and subdomain together are refused', () => {
  assert.deepEqual(issuesOf({ baseUrl: 'https://a.kommo.com', subdomain: 'a', accessToken: T })[0].path, ['subdomain'])
})

test('defaultCountry must be a known two-letter code and is upper-cased', () => {
  assert.equal(kommoConfigSchema.parse({ subdomain: 'a', accessToken: T, defaultCountry: 'co' }).defaultCountry, 'CO')
  assert.match(issuesOf({ subdomain: 'a', accessToken: T, defaultCountry: 'Colombia' })[0].message, /ISO 3166/)
})

test('parse throws a KommoConfigError carrying the issues; safeParse never throws', () => {
  assert.throws(
    () => kommoConfigSchema.parse({ baseUrl: 'https://example.com', accessToken: T }),
    (err) => {
      assert.ok(err instanceof Error)
      assert.equal(err.name, 'KommoConfigError')
      assert.equal(err.code, 'ERR_KOMMO_CONFIG')
      assert.equal(err.issues.length, 1)
      assert.equal(err.message, `Invalid Kommo config: baseUrl: ${err.issues[0].message}`)
      return true
    },
  )
  const ok = kommoConfigSchema.safeParse({ subdomain: 'acme', accessToken: T })
  assert.deepEqual(ok, { success: true, data: { baseUrl: 'https://acme.kommo.com', accessToken: T } })
})

test('parse is idempotent: its output parses to itself', () => {
  const once = kommoConfigSchema.parse({ baseUrl: 'https://acme.kommo.com/api/v4/', accessToken: T, defaultCountry: 'mx' })
  assert.deepEqual(kommoConfigSchema.parse(once), once)
})
