// Starts the real MCP server (bin/kommo-mcp.js) against a sandbox started by the test, so the
// test can also read the sandbox's request counters.
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { addon, bin, cleanEnv } from './helpers.mjs'

/** `{ sandbox, client, close() }`: an MCP client connected to a server using a fresh sandbox. */
export async function connect() {
  const sandbox = await addon.startSandbox()
  const env = cleanEnv({ KOMMO_BASE_URL: sandbox.baseUrl, KOMMO_ACCESS_TOKEN: sandbox.accessToken })
  const transport = new StdioClientTransport({ command: process.execPath, args: [bin], env, stderr: 'pipe' })
  const client = new Client({ name: 'kommo-mcp-tests', version: '1.0.0' })
  await client.connect(transport)
  return {
    sandbox,
    client,
    async close() {
      await client.close()
      await sandbox.stop()
    },
  }
}

/** Calls a tool and returns `{ text, data, isError }`. */
export async function call(client, name, args) {
  const r = await client.callTool({ name, arguments: args })
  return { text: r.content?.[0]?.text ?? '', data: r.structuredContent, isError: !!r.isError }
}
