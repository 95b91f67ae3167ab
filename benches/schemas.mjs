// Validation schemas vs zod 4 and zod 3, in the same process.
//
// For every payload schema (src/schema/kommo.rs) and its zod equivalent (benches/zod-schemas.mjs):
//   valid     safeParse of one valid item
//   invalid   safeParse of one invalid item (a few typical mistakes)
//   batch     10,000 valid items: ours `safeParseMany(items)` (one native call, per-item results),
//             zod `items.map((x) => schema.safeParse(x))`
// Prints ops/s (items/s for batches) and the ratios ours/zod 4 and ours/zod 3. Targets: >= 2x
// zod 4 for single items, >= 10x for batches. Exits 0 once measured (a missed target is marked ✗).
//
// Usage: node benches/schemas.mjs [--json] [--only=leadCreateSchema,...] [--ms=N]
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

import * as z4 from 'zod'
import * as z3 from 'zod3'

import { build, SAMPLES } from './zod-schemas.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const addon = require(path.join(root, 'index.js'))

const TARGET_SINGLE = 2
const TARGET_BATCH = 10
const BATCH = 10_000

const options = { json: false, only: null, ms: 300 }
for (const arg of process.argv.slice(2)) {
  if (arg === '--json') options.json = true
  else if (arg.startsWith('--only=')) options.only = new Set(arg.slice(7).split(','))
  else if (arg.startsWith('--ms=')) options.ms = Math.max(50, Number(arg.slice(5)) || 300)
  else {
    console.error(`schemas bench: unknown argument ${JSON.stringify(arg)}`)
    process.exit(2)
  }
}

const zod4 = build(z4.z ?? z4)
const zod3 = build(z3.z ?? z3)
const zodVersion = require('zod/package.json').version
const zod3Version = require('zod3/package.json').version

let sink = 0
/** Runs `fn` repeatedly for about `ms` milliseconds, 3 times; returns the best ops/s × `perCall`. */
function opsPerSec(fn, perCall = 1) {
  const warmups = perCall > 1 ? 3 : 200
  for (let i = 0; i < warmups; i++) sink ^= fn() ? 1 : 0 // warm-up
  let best = 0
  for (let round = 0; round < 3; round++) {
    let n = 0
    const t0 = process.hrtime.bigint()
    const end = t0 + BigInt(options.ms) * 1_000_000n
    let t = t0
    const inner = perCall > 1 ? 1 : 16
    while (t < end) {
      for (let i = 0; i < inner; i++) sink ^= fn() ? 1 : 0
      n += inner
      t = process.hrtime.bigint()
    }
    best = Math.max(best, (n * perCall) / (Number(t - t0) / 1e9))
  }
  return best
}

// Where the time goes: the cost of crossing the boundary with no work (a native static method that
// returns a number), with one empty object, and zod 4 on the same empty object.
const floor = {
  emptyCall: opsPerSec(() => addon.leadCreateSchema.batchMax()),
  emptyObject: opsPerSec(() => addon.leadCreateSchema.safeParse({}).success),
  zod4EmptyObject: opsPerSec(() => zod4.leadCreateSchema.safeParse({}).success),
}

const rows = []
for (const [name, sample] of Object.entries(SAMPLES)) {
  if (options.only && !options.only.has(name)) continue
  const ours = addon[name]
  const a = zod4[name]
  const b = zod3[name]
  // The three must agree before they are timed.
  for (const [what, input, expected] of [['valid', sample.valid, true], ['invalid', sample.invalid, false]]) {
    const got = [ours.safeParse(input).success, a.safeParse(input).success, b.safeParse(input).success]
    if (got.some((g) => g !== expected)) {
      console.error(`schemas bench: ${name} ${what} sample: ours/zod4/zod3 success = ${got.join('/')}, expected ${expected}`)
      process.exit(1)
    }
  }
  const items = Array.from({ length: BATCH }, (_, i) => ({ ...structuredClone(sample.valid), request_id: String(i) }))
  const many = ours.safeParseMany(items)
  if (many.length !== BATCH || !many.every((r) => r.success)) {
    console.error(`schemas bench: ${name} safeParseMany did not accept the batch`)
    process.exit(1)
  }
  const cases = [
    ['valid', () => ours.safeParse(sample.valid).success, () => a.safeParse(sample.valid).success, () => b.safeParse(sample.valid).success, 1],
    ['invalid', () => ours.safeParse(sample.invalid).success, () => a.safeParse(sample.invalid).success, () => b.safeParse(sample.invalid).success, 1],
    ['batch 10k', () => ours.safeParseMany(items).length, () => items.map((x) => a.safeParse(x)).length, () => items.map((x) => b.safeParse(x)).length, BATCH],
  ]
  for (const [kind, o, z4f, z3f, per] of cases) {
    const oursOps = opsPerSec(o, per)
    const zod4Ops = opsPerSec(z4f, per)
    const zod3Ops = opsPerSec(z3f, per)
    const target = per > 1 ? TARGET_BATCH : TARGET_SINGLE
    rows.push({ schema: name, kind, oursOps, zod4Ops, zod3Ops, vsZod4: oursOps / zod4Ops, vsZod3: oursOps / zod3Ops, target, pass: oursOps / zod4Ops >= target })
    if (!options.json) process.stderr.write('.')
  }
}
if (!options.json) process.stderr.write('\n')

const fmt = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}k` : n.toFixed(0))
if (options.json) {
  console.log(JSON.stringify({ node: process.version, zod: zodVersion, zod3: zod3Version, batch: BATCH, floor, rows }, null, 2))
} else {
  console.log(`Validation schemas: ops/s (items/s for batches), best of 3 × ${options.ms} ms; node ${process.version}, zod ${zodVersion}, zod3 ${zod3Version}`)
  const table = [['schema', 'case', 'ours', 'zod 4', 'zod 3', 'vs zod 4', 'vs zod 3']]
  for (const r of rows) {
    table.push([r.schema, r.kind, fmt(r.oursOps), fmt(r.zod4Ops), fmt(r.zod3Ops), `${r.vsZod4.toFixed(2)}x ${r.pass ? '✓' : '✗'} (>= ${r.target}x)`, `${r.vsZod3.toFixed(2)}x`])
  }
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)))
  for (const row of table) console.log(row.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  '))
  console.log(`floor: empty native call ${fmt(floor.emptyCall)}/s; safeParse({}) ours ${fmt(floor.emptyObject)}/s, zod 4 ${fmt(floor.zod4EmptyObject)}/s`)
  const missed = rows.filter((r) => !r.pass).length
  console.log(missed ? `${missed} of ${rows.length} targets missed` : `all ${rows.length} targets met`)
}
if (sink === 42) console.log('')
