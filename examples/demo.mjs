// A real MCP session with kommo-mcp, as an AI client would have it: the official MCP client spawns
// `kommo-mcp --sandbox` (an embedded Kommo API emulator with seed data, so no account is needed),
// lists the tools and calls them. What you see under "the model reads" is exactly the text the
// model gets back.
//
// Run it with `npm run demo` (installs and builds first) or `node examples/demo.mjs`.
// Exits with 1 if the server cannot start or any call fails.
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'kommo-mcp.js')
const TIMEOUT_MS = 20_000

/** Prints `text` indented, so the model-facing text stands apart from the narration. */
function quote(text, prefix = '    ') {
  console.log(
    text
      .trimEnd()
      .split('\n')
      .map((line) => prefix + line)
      .join('\n'),
  )
}

// The server's stderr (its start-up line, or why it could not start) is shown line by line,
// marked as such.
const transport = new StdioClientTransport({ command: process.execPath, args: [bin, '--sandbox'], stderr: 'pipe' })
let stderrBuf = ''
transport.stderr?.on('data', (chunk) => {
  stderrBuf += chunk
  const end = stderrBuf.lastIndexOf('\n')
  if (end >= 0) {
    quote(stderrBuf.slice(0, end), '    [server stderr] ')
    stderrBuf = stderrBuf.slice(end + 1)
  }
})
const flushStderr = () => {
  if (stderrBuf.trim()) quote(stderrBuf, '    [server stderr] ')
  stderrBuf = ''
}

const client = new Client({ name: 'kommo-mcp-demo', version: '1.0.0' })
let failures = 0

/** Calls a tool, prints what is sent and the text the model reads; counts failures. */
async function call(name, args) {
  console.log(`\n→ tools/call ${name} ${JSON.stringify(args)}`)
  try {
    const result = await client.callTool({ name, arguments: args }, undefined, { timeout: TIMEOUT_MS })
    const text = result.content
      .filter((c) => c.type === 'text')
      .map((c) => c.text)
      .join('\n')
    console.log(result.isError ? '← error (isError: true), the model reads:' : '← the model reads:')
    quote(text || '(no text content)')
    if (result.isError) failures++
  } catch (err) {
    console.log(`← failed: ${err.message}`)
    failures++
  }
}

console.log(`kommo-mcp demo: an MCP client talking to the server over stdio\n`)
console.log(`→ start  node ${path.relative(process.cwd(), bin) || bin} --sandbox`)
try {
  await client.connect(transport, { timeout: TIMEOUT_MS })
} catch (err) {
  flushStderr()
  console.log(`← could not start the server: ${err.message}`)
  console.log('  Was the addon built? Run `npm run build` (or use `npm run demo`, which builds first).')
  await client.close().catch(() => {})
  process.exit(1)
}

const server = client.getServerVersion()
console.log(`← connected to ${server.name} ${server.version}${server.title ? ` ("${server.title}")` : ''}`)

console.log('\n→ tools/list')
const { tools } = await client.listTools(undefined, { timeout: TIMEOUT_MS })
console.log(`← ${tools.length} tools:`)
const width = Math.max(...tools.map((t) => t.name.length))
for (const tool of tools) console.log(`    ${tool.name.padEnd(width)}  ${tool.title ?? tool.annotations?.title ?? ''}`)

// Juan Pérez's phone, written as an international number...
await call('kommo_search_contact_by_phone', { phone: '+57 300 123 4567' })
// ...and the same number as it is often typed in Colombia, without the country code.
await call('kommo_search_contact_by_phone', { phone: '(300) 123-4567' })
await call('kommo_list_pipelines', {})

await client.close() // ends stdin: the server sees EOF and exits
flushStderr()
console.log(failures === 0 ? '\n✓ all calls succeeded; session closed' : `\n✗ ${failures} call(s) failed`)
process.exit(failures === 0 ? 0 : 1)
