// Shared helpers for the JS tests: load the built addon, spawn the bin, speak JSON-RPC lines.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const bin = path.join(root, 'bin', 'kommo-mcp.js')
export const addon = createRequire(import.meta.url)(path.join(root, 'index.js'))

/** Env for a child process with no Kommo settings inherited from the developer's shell.
 * Every toolset is served unless the test says otherwise (the default set is tested on its own). */
export function cleanEnv(extra = {}) {
  const env = { ...process.env }
  for (const k of Object.keys(env)) if (k.startsWith('KOMMO_')) delete env[k]
  return { KOMMO_TOOLSETS: 'all', ...env, ...extra }
}

/** Spawns the bin with raw pipes. */
export function spawnBin(args, env = cleanEnv()) {
  const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (d) => (stderr += d))
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })))
  return { child, exited, stderr: () => stderr }
}

/** Reads newline-delimited JSON-RPC messages from a child's stdout. */
export class LineReader {
  constructor(stream) {
    this.buf = ''
    this.waiters = []
    this.lines = []
    stream.setEncoding('utf8')
    stream.on('data', (d) => {
      this.buf += d
      let i
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i)
        this.buf = this.buf.slice(i + 1)
        if (line.trim()) this.lines.push(line)
      }
      this.flush()
    })
  }
  flush() {
    while (this.waiters.length && this.lines.length) this.waiters.shift()(this.lines.shift())
  }
  next(timeoutMs = 10000) {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timed out waiting for a JSON-RPC line')), timeoutMs)
      this.waiters.push((line) => {
        clearTimeout(t)
        resolve(JSON.parse(line))
      })
      this.flush()
    })
  }
}

export function send(child, msg) {
  child.stdin.write(JSON.stringify(msg) + '\n')
}

export const initializeRequest = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '0' } },
}
