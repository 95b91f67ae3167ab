// The MCP Inspector's CLI mode (@modelcontextprotocol/inspector --cli) drives the real server: tools/list
// and one tool call over stdio against the sandbox, and tools/list over streamable HTTP with a secret.
// The Inspector needs Node >= 22.19: it runs under the Node 22 of the npm package `node` through
// `npm exec` (fetched once into the npm cache; the Inspector comes from devDependencies when installed).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { bin, root, cleanEnv } from './helpers.mjs'
import { startHttpServer } from './http-util.mjs'
import { JUAN_PEREZ_ID } from './sandbox-util.mjs'

const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'))
const version = pkg.devDependencies['@modelcontextprotocol/inspector'].replace(/^[\^~]/, '')

/** Runs `mcp-inspector --cli ...args`; resolves `{ code, stdout, stderr }`. */
function inspector(args) {
  const npmArgs = ['exec', '--yes', '--package=node@22', `--package=@modelcontextprotocol/inspector@${version}`, '--', 'mcp-inspector', '--cli', ...args]
  return new Promise((resolve, reject) => {
    const child = spawn('npm', npmArgs, { cwd: root, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

const stdioServer = [process.execPath, bin, '--sandbox']

test('Inspector CLI: tools/list over stdio lists the tools with schemas and annotations', { timeout: 240000 }, async () => {
  const { code, stdout, stderr } = await inspector([...stdioServer, '--method', 'tools/list'])
  assert.equal(code, 0, stderr)
  const { tools } = JSON.parse(stdout)
  const byName = Object.fromEntries(tools.map((t) => [t.name, t]))
  const get = byName.kommo_get_contact
  assert.ok(get, 'kommo_get_contact is listed')
  assert.equal(get.inputSchema.type, 'object')
  assert.equal(get.annotations.readOnlyHint, true)
  assert.ok(byName.kommo_search_contact_by_phone)
})

test('Inspector CLI: tools/call kommo_get_contact over stdio returns the contact', { timeout: 240000 }, async () => {
  const { code, stdout, stderr } = await inspector([
    ...stdioServer,
    '--method',
    'tools/call',
    '--tool-name',
    'kommo_get_contact',
    '--tool-arg',
    `contactId=${JUAN_PEREZ_ID}`,
  ])
  assert.equal(code, 0, stderr)
  const result = JSON.parse(stdout)
  assert.equal(result.isError, false)
  assert.match(result.content[0].text, /^Juan Pérez #20000001 · phone \+57 300 123 4567/)
  assert.equal(result.structuredContent.contact.id, JUAN_PEREZ_ID)
})

test('Inspector CLI: tools/list over streamable HTTP with the bearer secret', { timeout: 240000 }, async () => {
  const secret = 'inspector-secret-93e1'
  const server = await startHttpServer(['--sandbox'], { env: { KOMMO_MCP_HTTP_TOKEN: secret } })
  try {
    const { code, stdout, stderr } = await inspector([server.url, '--method', 'tools/list', '--header', `Authorization: Bearer ${secret}`])
    assert.equal(code, 0, stderr)
    assert.ok(JSON.parse(stdout).tools.some((t) => t.name === 'kommo_get_contact'))
  } finally {
    await server.stop()
  }
})
