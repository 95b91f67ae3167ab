// Streamable HTTP mode (`kommo-mcp --http`): the official client's StreamableHTTPClientTransport
// against the real bin, the endpoint's guard (Host, Origin, bearer secret), the refusal to expose
// an unprotected endpoint, and per-request Kommo accounts with nothing shared between them.
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { addon, spawnBin, cleanEnv } from './helpers.mjs'
import { startHttpServer, connectHttp, rawPost } from './http-util.mjs'
import { stats, resetStats, ANDINA_LEAD_ID, JUAN_PEREZ_ID } from './sandbox-util.mjs'

const text = (r) => r.content?.[0]?.text ?? ''

describe('an MCP session over streamable HTTP against the sandbox', () => {
  let server
  let client
  before(async () => {
    server = await startHttpServer(['--sandbox'])
    client = await connectHttp(server.url)
  })
  after(async () => {
    await client?.close()
    await server?.stop()
  })

  test('the server prints its URL and a warning about the missing secret on stderr, nothing on stdout', () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/)
    assert.match(server.stderr(), /KOMMO_MCP_HTTP_TOKEN is not set/)
    assert.equal(server.child.stdout.read(), null, 'stdout stays unused')
  })

  test('initialize, tools/list and a tool call work over HTTP', async () => {
    assert.equal(client.getServerVersion().name, 'kommo-mcp')
    const { tools } = await client.listTools()
    assert.ok(tools.some((t) => t.name === 'kommo_search_contact_by_phone'))
    const r = await client.callTool({ name: 'kommo_get_contact', arguments: { contactId: JUAN_PEREZ_ID } })
    assert.ok(!r.isError, text(r))
    assert.match(text(r), /Juan Pérez/)
  })

  test('a foreign Host header gets 403 with a JSON-RPC error naming the host', async () => {
    const r = await rawPost(server.url, { host: 'attacker.example:80' })
    assert.equal(r.status, 403)
    const body = JSON.parse(r.body)
    assert.equal(body.jsonrpc, '2.0')
    assert.match(body.error.message, /Host "attacker\.example:80" is not accepted/)
  })

  test('a foreign Origin gets 403; a loopback page is accepted', async () => {
    const bad = await rawPost(server.url, { origin: 'https://attacker.example' })
    assert.equal(bad.status, 403)
    assert.match(JSON.parse(bad.body).error.message, /Origin "https:\/\/attacker\.example" is not accepted/)
    const ok = await rawPost(server.url, { origin: 'http://localhost:6274' })
    assert.equal(ok.status, 200, ok.body)
  })

  test('other paths answer 404 naming the endpoint', async () => {
    const r = await rawPost(server.url.replace(/\/mcp$/, '/other'))
    assert.equal(r.status, 404)
    assert.match(JSON.parse(r.body).error.message, /\/mcp/)
  })

  test('SIGTERM stops the server cleanly with exit code 0', async () => {
    const other = await startHttpServer(['--sandbox'])
    const c = await connectHttp(other.url)
    await c.listTools()
    const { code } = await other.stop()
    assert.equal(code, 0)
  })
})

describe('the bearer secret (KOMMO_MCP_HTTP_TOKEN)', () => {
  const secret = 'test-secret-4d1f9a27c0b3e85'
  let server
  before(async () => {
    server = await startHttpServer(['--sandbox', '--debug'], { env: { KOMMO_MCP_HTTP_TOKEN: secret } })
  })
  after(async () => {
    await server?.stop()
  })

  test('a request without it gets 401 with WWW-Authenticate: Bearer', async () => {
    const r = await rawPost(server.url)
    assert.equal(r.status, 401)
    assert.match(r.headers['www-authenticate'], /^Bearer realm="kommo-mcp"/)
    assert.match(JSON.parse(r.body).error.message, /Authorization: Bearer/)
  })

  test('a wrong secret gets 401 with error="invalid_token" and is not echoed', async () => {
    const r = await rawPost(server.url, { authorization: `Bearer ${secret}x` })
    assert.equal(r.status, 401)
    assert.match(r.headers['www-authenticate'], /error="invalid_token"/)
    assert.ok(!r.body.includes(secret))
  })

  test('the right secret opens a session and the secret never appears in the logs', async () => {
    const client = await connectHttp(server.url, { authorization: `Bearer ${secret}` })
    const { tools } = await client.listTools()
    assert.ok(tools.length > 0)
    const r = await client.callTool({ name: 'kommo_get_lead', arguments: { leadId: ANDINA_LEAD_ID } })
    assert.ok(!r.isError, text(r))
    await client.close()
    assert.match(server.stderr(), /listening on/)
    assert.ok(!server.stderr().includes(secret), 'the secret is not logged, even with --debug')
    assert.ok(!server.stderr().includes('is not set'), 'no warning when the secret is set')
  })
})

describe('binding to a non-loopback address', () => {
  test('refuses to start without KOMMO_MCP_HTTP_TOKEN, with a clear message and exit code 2', async () => {
    const { exited } = spawnBin(['--http', '0.0.0.0:0', '--sandbox'], cleanEnv())
    const { code, stderr } = await exited
    assert.equal(code, 2)
    assert.match(stderr, /refusing to listen on 0\.0\.0\.0:0 without a secret/)
    assert.match(stderr, /KOMMO_MCP_HTTP_TOKEN/)
  })

  test('starts with the secret set', async () => {
    const server = await startHttpServer(['--sandbox'], { addr: '0.0.0.0:0', env: { KOMMO_MCP_HTTP_TOKEN: 'another-secret-value' } })
    assert.match(server.url, /^http:\/\/0\.0\.0\.0:\d+\/mcp$/)
    const port = new URL(server.url).port
    const client = await connectHttp(`http://127.0.0.1:${port}/mcp`, { authorization: 'Bearer another-secret-value' })
    assert.ok((await client.listTools()).tools.length > 0)
    await client.close()
    await server.stop()
  })

  test('rejects an unreadable --http value', async () => {
    const { code, stderr } = await spawnBin(['--http', 'nowhere:port'], cleanEnv()).exited
    assert.equal(code, 2)
    assert.match(stderr, /--http: "nowhere:port" is not an address/)
  })
})

describe('per-request Kommo accounts (X-Kommo-* headers)', () => {
  let a
  let b
  let server
  before(async () => {
    ;[a, b] = await Promise.all([addon.startSandbox(), addon.startSandbox()])
    // No account in the environment: every request names its own.
    server = await startHttpServer([], { env: { KOMMO_TOOLSETS: 'all' } })
  })
  after(async () => {
    await server?.stop()
    await a?.stop()
    await b?.stop()
  })

  const account = (sb) => ({ 'X-Kommo-Base-Url': sb.baseUrl, 'X-Kommo-Access-Token': sb.accessToken })

  test('one process serves two accounts: data written to one is not seen by the other', async () => {
    assert.match(server.stderr(), /no default account: requests send X-Kommo-\* headers/)
    const ca = await connectHttp(server.url, account(a))
    const cb = await connectHttp(server.url, account(b))
    const name = 'Solo En Cuenta B'
    const created = await cb.callTool({ name: 'kommo_create_contact', arguments: { name } })
    assert.ok(!created.isError, text(created))
    const inB = await cb.callTool({ name: 'kommo_list_contacts', arguments: { query: 'Solo En Cuenta' } })
    assert.match(text(inB), /Solo En Cuenta B/)
    const inA = await ca.callTool({ name: 'kommo_list_contacts', arguments: { query: 'Solo En Cuenta' } })
    assert.ok(!text(inA).includes('Solo En Cuenta B'), text(inA))
    const sa = await stats(a)
    const sb = await stats(b)
    assert.ok(!sa.by_route['POST /api/v4/contacts'], 'account A received no write')
    assert.equal(sb.by_route['POST /api/v4/contacts'], 1)
    await ca.close()
    await cb.close()
  })

  test('metadata caches are per account: each account fetches its own pipelines once', async () => {
    await resetStats(a)
    await resetStats(b)
    const ca = await connectHttp(server.url, account(a))
    const cb = await connectHttp(server.url, account(b))
    const pipelinesRoute = 'GET /api/v4/leads/pipelines'
    for (let i = 0; i < 2; i++) {
      const r = await ca.callTool({ name: 'kommo_get_lead', arguments: { leadId: ANDINA_LEAD_ID } })
      assert.ok(!r.isError, text(r))
    }
    assert.equal((await stats(a)).by_route[pipelinesRoute], 1, 'A: fetched once, then cached')
    assert.equal((await stats(b)).by_route[pipelinesRoute], undefined, 'B: nothing yet')
    const r = await cb.callTool({ name: 'kommo_get_lead', arguments: { leadId: ANDINA_LEAD_ID } })
    assert.ok(!r.isError, text(r))
    assert.equal((await stats(b)).by_route[pipelinesRoute], 1, "B fetched its own pipelines instead of using A's cache")
    assert.equal((await stats(a)).by_route[pipelinesRoute], 1)
    await ca.close()
    await cb.close()
  })

  test('a bad credential header gives a clear error naming the header, never the token', async () => {
    const token = 'tok-SECRET-0123456789'
    const bad = await connectHttp(server.url, { 'X-Kommo-Base-Url': 'https://evil.example.com', 'X-Kommo-Access-Token': token })
    await assert.rejects(
      bad.callTool({ name: 'kommo_get_contact', arguments: { contactId: JUAN_PEREZ_ID } }),
      (err) => {
        assert.match(err.message, /X-Kommo-Base-Url/)
        assert.ok(!err.message.includes(token), err.message)
        return true
      },
    )
    await bad.close()
    const tokenOnly = await connectHttp(server.url, { 'X-Kommo-Access-Token': token })
    await assert.rejects(tokenOnly.callTool({ name: 'kommo_get_contact', arguments: { contactId: 1 } }), (err) => {
      assert.match(err.message, /X-Kommo-Access-Token was sent without an account: send X-Kommo-Base-Url/)
      assert.ok(!err.message.includes(token))
      return true
    })
    await tokenOnly.close()
    assert.ok(!server.stderr().includes(token), 'the token is not logged')
  })

  test('a wrong token for a real account reaches Kommo and comes back as a tool error without the token', async () => {
    const token = 'wrong-token-value-987'
    const c = await connectHttp(server.url, { 'X-Kommo-Base-Url': a.baseUrl, 'X-Kommo-Access-Token': token })
    const r = await c.callTool({ name: 'kommo_get_contact', arguments: { contactId: JUAN_PEREZ_ID } })
    assert.equal(r.isError, true)
    assert.ok(!text(r).includes(token), text(r))
    await c.close()
  })

  test('without headers and without an account in the environment the error says what to send', async () => {
    const c = await connectHttp(server.url)
    await assert.rejects(c.callTool({ name: 'kommo_get_contact', arguments: { contactId: 1 } }), /No Kommo account for this request: send the X-Kommo-Base-Url/)
    await c.close()
  })
})
