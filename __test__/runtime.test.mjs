// The bin's async runtime: one Tokio worker thread for a stdio server, two for --http, and an explicit
// TOKIO_WORKER_THREADS wins. Read from the server's own debug log (KOMMO_DEBUG), which reports the
// runtime's worker count. Each server is then stopped with SIGTERM before any client spoke to it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cleanEnv, spawnBin } from './helpers.mjs'

/** Starts the bin, waits for its debug line about the runtime, stops it, returns the worker count. */
async function workerThreads(args, extraEnv = {}) {
  const env = cleanEnv({ KOMMO_DEBUG: 'true', ...extraEnv })
  if (!('TOKIO_WORKER_THREADS' in extraEnv)) delete env.TOKIO_WORKER_THREADS
  const proc = spawnBin(args, env)
  try {
    const deadline = Date.now() + 15_000
    for (;;) {
      const m = /async runtime worker_threads=(\d+)/.exec(proc.stderr())
      if (m) return Number(m[1])
      if (Date.now() > deadline) throw new Error(`no runtime line on stderr:\n${proc.stderr()}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  } finally {
    // Before any `initialize`: SIGTERM must still end the server, promptly and cleanly.
    proc.child.kill('SIGTERM')
    const timer = setTimeout(() => proc.child.kill('SIGKILL'), 10_000)
    const { code, signal } = await proc.exited
    clearTimeout(timer)
    assert.equal(signal, null, `the server did not exit on SIGTERM before initialize:\n${proc.stderr()}`)
    assert.equal(code, 0)
  }
}

test('a stdio server runs one Tokio worker thread', async () => {
  assert.equal(await workerThreads(['--sandbox']), 1)
})

test('an HTTP server runs two', async () => {
  assert.equal(await workerThreads(['--http', '127.0.0.1:0', '--sandbox']), 2)
})

test('TOKIO_WORKER_THREADS overrides the default', async () => {
  assert.equal(await workerThreads(['--sandbox'], { TOKIO_WORKER_THREADS: '3' }), 3)
})
