// Starts `kommo-mcp --http` (bin/kommo-mcp.js) and connects the official client's
// StreamableHTTPClientTransport to it.
import http from 'node:http'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { cleanEnv, spawnBin } from './helpers.mjs'

/** Spawns `kommo-mcp --http ADDR ...args` and resolves `{ url, child, exited, stderr, stop() }` once it
 * prints the URL it listens on (rejects with its stderr if it exits first). */
export async function startHttpServer(args = ['--sandbox'], { addr = '127.0.0.1:0', env = {} } = {}) {
  const proc = spawnBin(['--http', addr, ...args], cleanEnv(env))
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL after 20 s; stderr: ${proc.stderr()}`)), 20000)
    const check = () => {
      const m = proc.stderr().match(/listening on (http:\/\/\S+\/mcp)/)
      if (m) {
        clearTimeout(timer)
        resolve(m[1])
      }
    }
    proc.child.stderr.on('data', check)
    proc.exited.then(({ code, stderr }) => {
      clearTimeout(timer)
      reject(new Error(`exited with ${code} before listening: ${stderr}`))
    })
  })
  return {
    url,
    ...proc,
    async stop() {
      proc.child.kill('SIGTERM')
      return proc.exited
    },
  }
}

/** An MCP client connected over streamable HTTP with extra request `headers`. */
export async function connectHttp(url, headers = {}) {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } })
  const client = new Client({ name: 'kommo-mcp-http-tests', version: '1.0.0' })
  await client.connect(transport)
  return client
}

/** A raw POST with node:http (which, unlike fetch, lets a test set `Host`): `{ status, headers, body }`. */
export function rawPost(url, headers = {}, body = initializeBody) {
  const u = new URL(url)
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname.replace(/^\[|\]$/g, ''),
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
      },
      (res) => {
        let data = ''
        res.setEncoding('utf8')
        res.on('data', (d) => (data += d))
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }))
      },
    )
    req.on('error', reject)
    req.end(JSON.stringify(body))
  })
}

const initializeBody = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
}
