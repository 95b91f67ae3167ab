// End-to-end: the official MCP client spawns bin/kommo-mcp.js and drives the real server.
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { addon, bin, root, cleanEnv, spawnBin, LineReader, send, initializeRequest } from './helpers.mjs'

const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'))

describe('an MCP session over stdio against the sandbox', () => {
  let client
  let transport
  before(async () => {
    transport = new StdioClientTransport({ command: process.execPath, args: [bin, '--sandbox'], env: cleanEnv(), stderr: 'pipe' })
    client = new Client({ name: 'kommo-mcp-tests', version: '1.0.0' })
    await client.connect(transport)
  })
  after(async () => {
    await client?.close()
  })

  test('initialize reports the server name and the package version', () => {
    const info = client.getServerVersion()
    assert.equal(info.name, 'kommo-mcp')
    assert.equal(info.version, pkg.version)
    assert.ok(client.getServerCapabilities().tools)
  })

  test('tools/list describes both tools with titles, annotations and schemas', async () => {
    const { tools } = await client.listTools()
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]))
    for (const name of ['kommo_search_contact_by_phone', 'kommo_list_pipelines']) {
      const t = byName[name]
      assert.ok(t, `${name} is listed`)
      assert.ok(t.title && t.description.length > 80, `${name} has a title and a real description`)
      // Only what differs from MCP's defaults (openWorldHint true; the other hints mean nothing
      // for a read-only tool).
      assert.deepEqual(t.annotations, { readOnlyHint: true })
      assert.equal(t.inputSchema.type, 'object')
      assert.equal(t.outputSchema.type, 'object')
      assert.ok(!JSON.stringify(t).includes('"format"'), 'no storage formats in what the model reads')
    }
    assert.deepEqual(byName.kommo_search_contact_by_phone.outputSchema.properties.contacts, { type: 'array' })

    const search = byName.kommo_search_contact_by_phone
    assert.deepEqual(search.inputSchema.required, ['phone'])
    assert.match(search.inputSchema.properties.phone.description, /\+57 300 123 4567/)
    assert.ok(search.inputSchema.properties.name.description)
  })

  test('the phone search tool returns compact text and structured content', async () => {
    const r = await client.callTool({ name: 'kommo_search_contact_by_phone', arguments: { phone: '0057 300 123 4567' } })
    assert.ok(!r.isError, r.content[0].text)
    const text = r.content[0].text
    assert.match(text, /^2 contacts with phone \+573001234567:/)
    assert.match(text, /Juan Pérez #\d+ · phone \+57 300 123 4567 \(WORK\) · email juan\.perez@example\.co/)
    assert.ok(!text.includes('María'), 'the one-digit-longer number is not a match')
    assert.ok(!text.includes('{'), 'no raw JSON for the model')
    assert.equal(r.structuredContent.total_found, 2)
    assert.equal(r.structuredContent.phone, '+573001234567')
    const juan = r.structuredContent.contacts.find((c) => c.name === 'Juan Pérez')
    assert.deepEqual(juan.phones, [{ value: '+57 300 123 4567', kind: 'WORK' }])
  })

  test('the phone search tool accepts the original name argument and says when nothing matches', async () => {
    const named = await client.callTool({ name: 'kommo_search_contact_by_phone', arguments: { phone: '3001234567', name: 'Juana' } })
    assert.match(named.content[0].text, /^1 contact named "Juana" with phone/)
    const none = await client.callTool({ name: 'kommo_search_contact_by_phone', arguments: { phone: '+57 320 000 0000' } })
    assert.ok(!none.isError)
    assert.match(none.content[0].text, /^No contact has phone \+573200000000/)
    assert.equal(none.structuredContent.total_found, 0)
  })

  test('the pipelines tool lists stages in order with their ids', async () => {
    const r = await client.callTool({ name: 'kommo_list_pipelines', arguments: {} })
    assert.ok(!r.isError)
    assert.match(r.content[0].text, /^3 pipelines/)
    assert.match(r.content[0].text, /Ventas #\d+ \(main\): Incoming leads \[\d+\] \(incoming\) → /)
    assert.match(r.content[0].text, /Closed - won \[142\] \(won\) → Closed - lost \[143\] \(lost\)/)
    assert.equal(r.structuredContent.pipelines.length, 3)
    // No arguments at all is fine too (some clients omit the object).
    const bare = await client.callTool({ name: 'kommo_list_pipelines' })
    assert.ok(!bare.isError)
  })

  test('bad arguments come back as isError results naming the argument', async () => {
    const wrongType = await client.callTool({ name: 'kommo_search_contact_by_phone', arguments: { phone: 3001234567 } })
    assert.equal(wrongType.isError, true)
    assert.match(wrongType.content[0].text, /^phone: invalid type: integer `3001234567`, expected a string/)
    const missing = await client.callTool({ name: 'kommo_search_contact_by_phone', arguments: {} })
    assert.equal(missing.isError, true)
    assert.match(missing.content[0].text, /missing field `phone`/)
    const unknown = await client.callTool({ name: 'kommo_search_contact_by_phone', arguments: { phone: '1', phon: 'x' } })
    assert.match(unknown.content[0].text, /unknown field `phon`, expected `phone` or `name`/)
    const junk = await client.callTool({ name: 'kommo_search_contact_by_phone', arguments: { phone: 'no digits' } })
    assert.match(junk.content[0].text, /^phone: no digits found/)
    const huge = await client.callTool({ name: 'kommo_search_contact_by_phone', arguments: { phone: '1'.repeat(500) } })
    assert.match(huge.content[0].text, /^phone: is 500 characters long; at most 64/)
    // The server is still serving.
    const ok = await client.callTool({ name: 'kommo_list_pipelines', arguments: {} })
    assert.ok(!ok.isError)
  })

  test('an unknown tool is a JSON-RPC invalid-params error', async () => {
    await assert.rejects(client.callTool({ name: 'kommo_nope', arguments: {} }), (e) => e.code === -32602 && /unknown tool "kommo_nope"/.test(e.message))
  })
})

describe('the bin as a process', () => {
  test('ends cleanly with exit code 0 when stdin closes, writing only protocol to stdout', async () => {
    const { child, exited } = spawnBin(['--sandbox'])
    const lines = []
    const reader = new LineReader(child.stdout)
    send(child, initializeRequest)
    const init = await reader.next()
    lines.push(init)
    assert.equal(init.result.serverInfo.name, 'kommo-mcp')
    send(child, { jsonrpc: '2.0', method: 'notifications/initialized' })
    send(child, { jsonrpc: '2.0', id: 2, method: 'tools/list' })
    const list = await reader.next()
    const names = list.result.tools.map((t) => t.name)
    assert.ok(names.includes('kommo_search_contact_by_phone') && names.includes('kommo_list_pipelines'))
    child.stdin.end()
    const { code, signal } = await exited
    assert.equal(signal, null)
    assert.equal(code, 0)
    assert.equal(reader.buf, '', 'nothing but complete JSON-RPC lines on stdout')
  })

  for (const sig of ['SIGTERM', 'SIGINT']) {
    test(`exits cleanly on ${sig}`, async () => {
      const { child, exited } = spawnBin(['--sandbox'])
      const reader = new LineReader(child.stdout)
      send(child, initializeRequest)
      await reader.next()
      child.kill(sig)
      const { code } = await exited
      assert.equal(code, 0)
    })
  }

  test('refuses to start without a configuration, explaining what to set', async () => {
    const { child, exited } = spawnBin([])
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    const { code, stderr } = await exited
    assert.equal(code, 1)
    assert.equal(out, '', 'nothing on stdout')
    assert.match(stderr, /KOMMO_BASE_URL: required/)
    assert.match(stderr, /KOMMO_ACCESS_TOKEN: required/)
  })

  test('refuses a non-Kommo host without sending the token there', async () => {
    const { exited } = spawnBin([], cleanEnv({ KOMMO_BASE_URL: 'https://example.com', KOMMO_ACCESS_TOKEN: 'CANARY-TOKEN-777' }))
    const { code, stderr } = await exited
    assert.equal(code, 1)
    assert.match(stderr, /KOMMO_BASE_URL: host example\.com is not a Kommo account host/)
    assert.match(stderr, /KOMMO_ALLOW_UNTRUSTED_HOST=true/)
    assert.ok(!stderr.includes('CANARY-TOKEN-777'))
  })

  test('--version and --help print to stdout and exit 0; unknown flags exit 2', async () => {
    for (const [args, re] of [
      [['--version'], new RegExp(`^kommo-mcp ${pkg.version.replace(/\./g, '\\.')}\\n$`)],
      [['--help'], /Usage:[\s\S]*--sandbox[\s\S]*KOMMO_ACCESS_TOKEN/],
    ]) {
      const { child, exited } = spawnBin(args)
      let out = ''
      child.stdout.on('data', (d) => (out += d))
      const { code } = await exited
      assert.equal(code, 0)
      assert.match(out, re)
    }
    const { exited } = spawnBin(['--sandbx'])
    const { code, stderr } = await exited
    assert.equal(code, 2)
    assert.match(stderr, /unknown argument "--sandbx"/)
  })

  test('debug logs go to stderr and never contain the token', async () => {
    const sandbox = await addon.startSandbox({ token: 'DEBUG-CANARY-TOKEN-31337' })
    try {
      const env = cleanEnv({ KOMMO_BASE_URL: sandbox.baseUrl, KOMMO_ACCESS_TOKEN: sandbox.accessToken, KOMMO_DEBUG: 'true' })
      const { child, exited } = spawnBin([], env)
      const reader = new LineReader(child.stdout)
      send(child, initializeRequest)
      await reader.next()
      send(child, { jsonrpc: '2.0', method: 'notifications/initialized' })
      send(child, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'kommo_search_contact_by_phone', arguments: { phone: '3001234567' } } })
      const res = await reader.next()
      assert.ok(!res.result.isError, JSON.stringify(res))
      assert.ok(!JSON.stringify(res).includes('DEBUG-CANARY-TOKEN-31337'))
      child.stdin.end()
      const { code, stderr } = await exited
      assert.equal(code, 0)
      assert.match(stderr, /kommo request/)
      assert.match(stderr, /path="?\/api\/v4\/contacts/)
      assert.ok(!stderr.includes('DEBUG-CANARY-TOKEN-31337'), 'the token never reaches the logs')
    } finally {
      await sandbox.stop()
    }
  })
})

test('a result over 1 MB arrives intact while the client reads slowly', async () => {
  const sandbox = await addon.startSandbox()
  try {
    // Fill the account up to Kommo's limits: 50 pipelines, 100 stages each, long stage names.
    const headers = { authorization: `Bearer ${sandbox.accessToken}`, 'content-type': 'application/json' }
    const expected = []
    for (let batch = 0; batch < 47; batch += 5) {
      const body = []
      for (let i = batch; i < Math.min(batch + 5, 47); i++) {
        const statuses = []
        for (let j = 0; j < 95; j++) {
          const name = `P${i}S${j}-`.padEnd(250, 'abcdefghij')
          expected.push(name)
          statuses.push({ name, sort: 10 * (j + 1), color: '#99ccff' })
        }
        body.push({ name: `Load pipeline ${i}`, sort: 100 + i, is_main: false, is_unsorted_on: false, _embedded: { statuses } })
      }
      const res = await fetch(`${sandbox.baseUrl}/api/v4/leads/pipelines`, { method: 'POST', headers, body: JSON.stringify(body) })
      assert.equal(res.status, 200, await res.text())
    }

    const env = cleanEnv({ KOMMO_BASE_URL: sandbox.baseUrl, KOMMO_ACCESS_TOKEN: sandbox.accessToken })
    const { child, exited } = spawnBin([], env)
    const reader = new LineReader(child.stdout)
    send(child, initializeRequest)
    await reader.next()
    send(child, { jsonrpc: '2.0', method: 'notifications/initialized' })
    send(child, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'kommo_list_pipelines', arguments: {} } })

    // Read slowly: stop reading for a while so the pipe fills, then take small sips.
    child.stdout.pause()
    await new Promise((r) => setTimeout(r, 1500))
    const sip = setInterval(() => {
      child.stdout.resume()
      setTimeout(() => child.stdout.pause(), 5)
    }, 20)
    const res = await reader.next(60000)
    clearInterval(sip)
    child.stdout.resume()

    assert.equal(res.id, 7)
    const text = res.result.content[0].text
    assert.ok(text.length > 1_000_000, `text is ${text.length} characters`)
    for (const name of expected) assert.ok(text.includes(name), `stage ${name.slice(0, 10)} is in the text`)
    assert.equal(res.result.structuredContent.pipelines.length, 50)
    child.stdin.end()
    assert.equal((await exited).code, 0)
  } finally {
    await sandbox.stop()
  }
})

describe('toolsets and read-only mode', () => {
  async function listTools(args, env = cleanEnv()) {
    const { child, exited } = spawnBin(['--sandbox', ...args], env)
    const reader = new LineReader(child.stdout)
    send(child, initializeRequest)
    await reader.next()
    send(child, { jsonrpc: '2.0', method: 'notifications/initialized' })
    send(child, { jsonrpc: '2.0', id: 2, method: 'tools/list' })
    const list = await reader.next()
    send(child, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'kommo_create_lead', arguments: { name: 'x' } } })
    const call = await reader.next()
    child.stdin.end()
    await exited
    return { names: list.result.tools.map((t) => t.name), bytes: JSON.stringify(list.result).length, call }
  }

  test('--toolsets limits the tools to the chosen areas', async () => {
    const { names } = await listTools(['--toolsets', 'pipelines'])
    assert.deepEqual(names.sort(), ['kommo_get_pipeline_statuses', 'kommo_list_pipelines'])
  })

  test('KOMMO_TOOLSETS=all serves every tool; without it the default set (contacts, leads, pipelines) is served', async () => {
    const all = await listTools([], cleanEnv({ KOMMO_TOOLSETS: 'all' }))
    const env = cleanEnv()
    delete env.KOMMO_TOOLSETS
    const def = await listTools([], env)
    assert.ok(all.names.length > def.names.length)
    assert.ok(def.names.includes('kommo_search_contact_by_phone') && def.names.includes('kommo_list_leads'))
    assert.ok(!def.names.includes('kommo_list_deals'), 'deals are not in the default set')
  })

  test('read-only mode hides write tools and refuses to call them', async () => {
    const { names, call } = await listTools(['--read-only', '--toolsets', 'leads'])
    assert.ok(names.includes('kommo_list_leads') && names.includes('kommo_get_lead'))
    assert.ok(!names.some((n) => /create|update|link/.test(n)), names.join(', '))
    assert.equal(call.error.code, -32602)
    assert.match(call.error.message, /tool "kommo_create_lead" is not available: the server runs in read-only mode/)
  })

  test('KOMMO_READ_ONLY=true hides write tools and refuses to call them, like --read-only', async () => {
    for (const value of ['true', ' YES ', '1']) {
      const { names, call } = await listTools(['--toolsets', 'leads'], cleanEnv({ KOMMO_READ_ONLY: value }))
      assert.ok(names.includes('kommo_list_leads'), value)
      assert.ok(!names.some((n) => /create|update|link/.test(n)), `${value}: ${names.join(', ')}`)
      assert.equal(call.error.code, -32602)
      assert.match(call.error.message, /read-only mode/)
    }
    const off = await listTools(['--toolsets', 'leads'], cleanEnv({ KOMMO_READ_ONLY: 'false' }))
    assert.ok(off.names.includes('kommo_create_lead'))
  })

  test('an unreadable KOMMO_READ_ONLY stops the server instead of serving write tools', async () => {
    const { child, exited } = spawnBin(['--sandbox'], cleanEnv({ KOMMO_READ_ONLY: 'treu' }))
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    const { code, stderr } = await exited
    assert.equal(code, 2)
    assert.equal(out, '', 'nothing on stdout')
    assert.match(stderr, /KOMMO_READ_ONLY: "treu" is not a yes\/no value/)
  })

  test('an unknown toolset stops the server with the valid names', async () => {
    const { exited } = spawnBin(['--sandbox', '--toolsets', 'leeds'])
    const { code, stderr } = await exited
    assert.equal(code, 2)
    assert.match(stderr, /unknown toolset leeds; choose from .*leads/)
  })
})
