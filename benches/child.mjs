// Child-process helpers for the benchmarks: spawn with raw pipes, read newline-delimited JSON-RPC,
// wait for exit with a deadline, and make sure no child outlives the benchmark.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'

const live = new Set()

/** Kills every child still running (only children this process spawned). */
export function killAll() {
  for (const child of live) {
    try {
      child.kill('SIGKILL')
    } catch {
      // already gone
    }
  }
  live.clear()
}

process.on('exit', killAll)
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAll()
    process.exit(130)
  })
}

/** The environment for children, without Kommo settings inherited from the developer's shell. */
export function cleanEnv() {
  const env = { ...process.env }
  for (const key of Object.keys(env)) if (key.startsWith('KOMMO_')) delete env[key]
  return env
}

/**
 * Spawns `node ...args` with three pipes and tracks it, in the clean environment plus `env`. Stderr is
 * collected (for error messages).
 * `exited` resolves with `{ code, signal }` once the process has exited.
 */
export function spawnNode(args, env = {}) {
  const child = spawn(process.execPath, args, { env: { ...cleanEnv(), ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
  live.add(child)
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (d) => {
    if (stderr.length < 64 * 1024) stderr += d
  })
  child.stdin.on('error', () => {}) // EPIPE when the child died early: reported through `exited`
  const exited = new Promise((resolve) => {
    child.once('error', (error) => {
      live.delete(child)
      resolve({ code: null, signal: null, error })
    })
    child.once('exit', (code, signal) => {
      live.delete(child)
      resolve({ code, signal })
    })
  })
  return { child, exited, stderr: () => stderr.trim() }
}

/** Waits for `promise` at most `ms` milliseconds; rejects with `what` in the message after that. */
export function withTimeout(promise, ms, what) {
  let timer
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms ${what}`)), ms)
  })
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}

/** Waits for the child to exit, killing it if it takes longer than `ms`. */
export async function waitExit(proc, ms, what) {
  try {
    return await withTimeout(proc.exited, ms, what)
  } catch (err) {
    proc.child.kill('SIGKILL')
    await proc.exited
    throw err
  }
}

/**
 * Reads newline-delimited messages from a stream. `next()` resolves with the next line (a string)
 * together with the `process.hrtime.bigint()` at which the chunk holding it arrived.
 */
export class LineReader {
  constructor(stream) {
    this.buf = ''
    this.lines = []
    this.waiters = []
    this.ended = false
    stream.setEncoding('utf8')
    stream.on('data', (chunk) => {
      const at = process.hrtime.bigint()
      this.buf += chunk
      let i
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i)
        this.buf = this.buf.slice(i + 1)
        if (line.trim() !== '') this.lines.push({ line, at })
      }
      this.flush()
    })
    stream.on('end', () => {
      this.ended = true
      this.flush()
    })
  }

  flush() {
    while (this.waiters.length > 0 && (this.lines.length > 0 || this.ended)) {
      const waiter = this.waiters.shift()
      if (this.lines.length > 0) waiter.resolve(this.lines.shift())
      else waiter.reject(new Error('the server closed its stdout'))
    }
  }

  next() {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject })
      this.flush()
    })
  }
}

/** Writes one JSON-RPC message as a line. */
export function send(child, message) {
  child.stdin.write(`${JSON.stringify(message)}\n`)
}

/** Reads `VmHWM` (peak resident set) and `VmRSS` of a live process, in bytes (Linux only). */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (key) => {
    const m = status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))
    if (!m) throw new Error(`no ${key} in /proc/${pid}/status`)
    return Number(m[1]) * 1024
  }
  return { hwm: kb('VmHWM'), rss: kb('VmRSS') }
}
