// The built addon loads through both require and import, with the documented exports.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import * as esm from '../index.js'

const require = createRequire(import.meta.url)
const cjs = require('../index.js')

const EXPORTS = [
  'kommoConfigSchema',
  'searchContactByPhone',
  'searchContact',
  'listPipelines',
  'normalizePhone',
  'startSandbox',
  'runCli',
  'stopServer',
]

test('require() exposes every SDK export', () => {
  for (const name of EXPORTS) assert.ok(cjs[name] !== undefined, `require: ${name} is missing`)
  assert.equal(typeof cjs.kommoConfigSchema.parse, 'function')
  assert.equal(typeof cjs.kommoConfigSchema.safeParse, 'function')
})

test('import exposes the same named exports as require()', () => {
  for (const name of EXPORTS) assert.equal(esm[name], cjs[name], `import: ${name} differs`)
})

test('normalizePhone keeps only the digits and drops an international 00 prefix', () => {
  assert.equal(cjs.normalizePhone('+57 (300) 123-4567'), '573001234567')
  assert.equal(cjs.normalizePhone('0057 300.123.4567'), '573001234567')
  assert.equal(cjs.normalizePhone('300.123.4567'), '3001234567')
})
