#!/usr/bin/env node
'use strict'
// Launcher for the Rust MCP server inside the native addon.
//
// It must never touch process.stdin, process.stdout or process.stderr (not even .isTTY):
// Node would switch those descriptors to non-blocking mode and large results written by Rust
// would be cut off. Messages go through fs.writeSync(2, ...) instead.
const fs = require('node:fs')

// Tokio starts one worker thread per core by default, and each worker that allocates gets its own
// malloc arena: on an 8-core laptop that is megabytes of memory for a server whose work is waiting on
// Kommo (about 7 requests per second). One worker serves a stdio client; the HTTP transport, which
// may serve several clients, gets two. An explicit TOKIO_WORKER_THREADS wins.
if (process.env.TOKIO_WORKER_THREADS === undefined) {
  process.env.TOKIO_WORKER_THREADS = process.argv.includes('--http') ? '2' : '1'
}

function fail(message) {
  fs.writeSync(2, `kommo-mcp: ${message}\n`)
  process.exit(1)
}

let binding
try {
  binding = require('../index.js')
} catch (err) {
  const platform = `${process.platform}-${process.arch}`
  fail(
    `could not load the native module for ${platform} (${err && err.message ? err.message.split('\n')[0] : err}).\n` +
      `Prebuilt binaries exist for linux x64/arm64 (glibc and musl), macOS x64/arm64 and Windows x64/arm64.\n` +
      `Reinstall without --no-optional / --omit=optional so npm can fetch @syncraengine/kommo-mcp-${platform}*, ` +
      `or report your platform at https://github.com/syncraengine/kommo-mcp/issues`,
  )
}

const stop = () => binding.stopServer()
process.on('SIGINT', stop)
process.on('SIGTERM', stop)

binding.runCli(process.argv.slice(2)).then(
  // A pending read on stdin cannot be cancelled, so end the process explicitly.
  (code) => process.exit(code),
  (err) => fail(err && err.stack ? err.stack : String(err)),
)
