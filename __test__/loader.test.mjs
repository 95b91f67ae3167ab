// index.js turns napi's generic "Cannot find native binding" into an error that names the platform
// and says what to do. Tested by loading index.js next to a binding.js that fails like napi's loader.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

function loadWith(bindingSource, patchProcess) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kommo-loader-'))
  fs.copyFileSync(path.join(root, 'index.js'), path.join(dir, 'index.js'))
  fs.writeFileSync(path.join(dir, 'binding.js'), bindingSource)
  const saved = {}
  for (const [k, v] of Object.entries(patchProcess ?? {})) {
    saved[k] = Object.getOwnPropertyDescriptor(process, k)
    Object.defineProperty(process, k, { value: v, configurable: true })
  }
  try {
    createRequire(path.join(dir, 'x.js'))('./index.js')
    return null
  } catch (e) {
    return e
  } finally {
    for (const [k, d] of Object.entries(saved)) Object.defineProperty(process, k, d)
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

// What napi's generated loader throws when no candidate loads.
const napiFailure = `
const loadErrors = [Object.assign(new Error("Cannot find module '@syncraengine/kommo-mcp-freebsd-x64'"), { code: 'MODULE_NOT_FOUND' })]
throw new Error('Cannot find native binding. npm has a bug related to optional dependencies (https://github.com/npm/cli/issues/4828).', { cause: loadErrors })
`

describe('loading on a platform without a binary', () => {
  it('names an unsupported platform, lists the prebuilt ones and says what to do', () => {
    const err = loadWith(napiFailure, { platform: 'freebsd', arch: 'x64' })
    assert.ok(err, 'loading must fail')
    assert.equal(err.code, 'ERR_KOMMO_NO_BINARY')
    assert.match(err.message, /no prebuilt binary for freebsd-x64/)
    assert.match(err.message, /linux-x64-gnu/)
    assert.match(err.message, /build from source/)
    assert.match(err.cause.message, /Cannot find native binding/)
  })

  it('on a supported platform, names the missing package and how to reinstall it', () => {
    const err = loadWith(napiFailure, { platform: 'darwin', arch: 'arm64' })
    assert.equal(err.code, 'ERR_KOMMO_NO_BINARY')
    assert.match(err.message, /@syncraengine\/kommo-mcp-darwin-arm64/)
    assert.match(err.message, /--omit=optional/)
    assert.match(err.message, /Cannot find module/)
  })

  it('loads normally when the binding loads', () => {
    assert.equal(loadWith('module.exports.answer = 42\n'), null)
  })
})
