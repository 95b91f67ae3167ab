// Load benchmarks of the MCP server (`kommo-mcp --sandbox`, spoken to with raw JSON-RPC lines):
//
//   memory       RSS of the server sampled every 1,000 calls over 10,000 tool calls
//                (KOMMO_RATE_LIMIT=1000, no enforcement): should stay flat after warm-up
//   throughput   200 concurrent calls with KOMMO_RATE_LIMIT=7 against the sandbox enforcing
//                Kommo's 7 requests per second: calls/s, the most requests the sandbox saw in any
//                one-second window, 429s it had to send (should be 0)
//
// Usage: node benches/load.mjs [--json] [--calls=N] [--only=memory,throughput]
// Exits 0 once measured (a missed target is marked ✗), 1 when the server cannot run.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

import { LineReader, cleanEnv, killAll } from './child.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BIN = path.join(root, 'bin', 'kommo-mcp.js')
const LEAD_ID = 10000001 // ANDINA_LEAD_ID in src/sandbox/seed.rs
const CONCURRENCY = 16

const options = { json: false, calls: 10_000, only: new Set(['memory', 'throughput']) }
for (const arg of process.argv.slice(2)) {
  if (arg === '--json') options.json = true
  else if (arg.startsWith('--calls=')) options.calls = Math.max(1000, Number.parseInt(arg.slice(8), 10) || 10_000)
  else if (arg.startsWith('--only=')) options.only = new Set(arg.slice(7).split(','))
  else {
    console.error('usage: node benches/load.mjs [--json] [--calls=N] [--only=memory,throughput]')
    process.exit(2)
  }
}

const progress = (m) => process.stderr.write(`load: ${m}\n`)

function rssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return kb * 1024
}

/** Starts `kommo-mcp --sandbox`, initializes, and returns a tiny JSON-RPC client. */
async function startServer(rateLimit) {
  const child = spawn(process.execPath, [BIN, '--sandbox'], {
    env: { ...cleanEnv(), KOMMO_RATE_LIMIT: String(rateLimit) },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (d) => (stderr += d))
  const reader = new LineReader(child.stdout)
  const pending = new Map()
  ;(async () => {
    for (;;) {
      let msg
      try {
        msg = JSON.parse((await reader.next()).line)
      } catch {
        break
      }
      const waiter = pending.get(msg.id)
      if (waiter) {
        pending.delete(msg.id)
        waiter(msg)
      }
    }
  })()
  let nextId = 1
  const request = (method, params) =>
    new Promise((resolve) => {
      const id = nextId++
      pending.set(id, resolve)
      child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n')
    })
  const init = await request('initialize', {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'load', version: '0' },
  })
  if (!init.result) throw new Error(`initialize failed: ${JSON.stringify(init)}`)
  child.stdin.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n')
  const sandboxUrl = /\((http:\/\/127\.0\.0\.1:\d+)\)/.exec(stderr)?.[1]
  const call = (name, args) => request('tools/call', { name, arguments: args })
  const stop = () => {
    child.stdin.end()
    child.kill('SIGTERM')
  }
  return { child, call, sandboxUrl, stop }
}

const CALLS = [
  ['kommo_get_lead', { leadId: LEAD_ID }],
  ['kommo_list_leads', { limit: 5 }],
  ['kommo_search_contact_by_phone', { phone: '+57 300 123 4567' }],
  ['kommo_list_pipelines', {}],
]

async function runCalls(server, n, onProgress) {
  let started = 0
  let done = 0
  let errors = 0
  async function worker() {
    while (started < n) {
      const [name, args] = CALLS[started++ % CALLS.length]
      const resp = await server.call(name, args)
      if (!resp.result || resp.result.isError) errors++
      onProgress?.(++done)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  return errors
}

async function benchMemory() {
  const server = await startServer(1000)
  const samples = []
  let nextSample = 0
  const t0 = process.hrtime.bigint()
  const errors = await runCalls(server, options.calls, (done) => {
    if (done >= nextSample) {
      samples.push({ calls: done, rssBytes: rssBytes(server.child.pid) })
      nextSample += 1000
    }
  })
  samples.push({ calls: options.calls, rssBytes: rssBytes(server.child.pid) })
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  server.stop()
  // Growth after warm-up: the first 1,000 calls fill caches and connection pools.
  const warm = samples.find((s) => s.calls >= 1000) ?? samples[0]
  const last = samples[samples.length - 1]
  const growth = last.rssBytes - warm.rssBytes
  return {
    calls: options.calls,
    errors,
    seconds,
    callsPerSecond: options.calls / seconds,
    samples,
    growthAfterWarmupBytes: growth,
    pass: errors === 0 && growth < 5 * 1024 * 1024,
  }
}

async function benchThroughput() {
  const server = await startServer(7)
  if (!server.sandboxUrl) throw new Error('the server did not print its sandbox URL')
  await fetch(`${server.sandboxUrl}/__sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ rate_limit: { per_second: 7, block_after: 3 } }),
  })
  // Warm the pipeline cache, then measure.
  await server.call('kommo_list_pipelines', {})
  const n = 200
  const t0 = process.hrtime.bigint()
  const results = await Promise.all(Array.from({ length: n }, () => server.call('kommo_get_lead', { leadId: LEAD_ID })))
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  const state = await (await fetch(`${server.sandboxUrl}/__sandbox/faults`)).json()
  server.stop()
  const errors = results.filter((r) => !r.result || r.result.isError).length
  return {
    calls: n,
    errors,
    seconds,
    callsPerSecond: n / seconds,
    limit: 7,
    maxRequestsInOneSecond: state.stats.max_per_second,
    rateLimited: state.stats.rate_limited,
    blocked: state.stats.blocked,
    pass: errors === 0 && state.stats.max_per_second <= 7 && state.stats.rate_limited === 0,
  }
}

const mb = (b) => `${(b / 1024 / 1024).toFixed(1)} MB`
const mark = (ok) => (ok ? '✓' : '✗')

try {
  const results = {}
  if (options.only.has('memory')) {
    progress(`memory: ${options.calls} calls, ${CONCURRENCY} in flight, KOMMO_RATE_LIMIT=1000`)
    results.memory = await benchMemory()
  }
  if (options.only.has('throughput')) {
    progress('throughput: 200 concurrent calls against an enforced 7 requests/s')
    results.throughput = await benchThroughput()
  }
  if (options.json) {
    console.log(JSON.stringify(results, null, 2))
  } else {
    const m = results.memory
    if (m) {
      console.log(`Memory over ${m.calls} tool calls (${m.callsPerSecond.toFixed(0)} calls/s, ${m.errors} errors):`)
      console.log(`  RSS samples: ${m.samples.map((s) => mb(s.rssBytes)).join(', ')}`)
      console.log(`  growth after the first 1,000 calls: ${mb(m.growthAfterWarmupBytes)} ${mark(m.pass)} (target < 5 MB)`)
    }
    const t = results.throughput
    if (t) {
      console.log(`Throughput against Kommo's limit (${t.limit} req/s enforced by the sandbox):`)
      console.log(`  ${t.calls} concurrent calls in ${t.seconds.toFixed(1)} s = ${t.callsPerSecond.toFixed(2)} calls/s, ${t.errors} errors`)
      console.log(`  most requests in any 1 s window: ${t.maxRequestsInOneSecond}; 429s: ${t.rateLimited}; blocks: ${t.blocked} ${mark(t.pass)}`)
    }
  }
} catch (err) {
  progress(`failed: ${err.message}`)
  killAll()
  process.exit(1)
}
