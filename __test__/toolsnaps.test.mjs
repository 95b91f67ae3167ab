// Snapshot of what the model sees of every tool: name, title, description, schemas, annotations.
// `UPDATE_TOOLSNAPS=1 node --test __test__/toolsnaps.test.mjs` rewrites __toolsnaps__/; otherwise
// any difference fails, so changes to the model-facing surface are deliberate.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { root } from './helpers.mjs'
import { connect } from './mcp-util.mjs'

const dir = path.join(root, '__toolsnaps__')
const update = process.env.UPDATE_TOOLSNAPS === '1'

let session
let tools
before(async () => {
  session = await connect()
  tools = (await session.client.listTools()).tools
})
after(async () => {
  await session?.close()
})

const snap = (t) => ({
  name: t.name,
  title: t.title,
  description: t.description,
  inputSchema: t.inputSchema,
  outputSchema: t.outputSchema,
  annotations: t.annotations,
})

test('every tool matches its snapshot', () => {
  if (update) mkdirSync(dir, { recursive: true })
  const problems = []
  for (const t of tools) {
    const file = path.join(dir, `${t.name}.json`)
    const text = JSON.stringify(snap(t), null, 2) + '\n'
    if (update) {
      writeFileSync(file, text)
    } else if (!existsSync(file)) {
      problems.push(`${t.name}: no snapshot (run UPDATE_TOOLSNAPS=1 node --test __test__/toolsnaps.test.mjs)`)
    } else if (readFileSync(file, 'utf8') !== text) {
      problems.push(`${t.name}: differs from __toolsnaps__/${t.name}.json`)
    }
  }
  assert.deepEqual(problems, [])
})

test('no snapshot is left for a tool that no longer exists', () => {
  if (!existsSync(dir)) return
  const names = new Set(tools.map((t) => t.name))
  const stale = readdirSync(dir).filter((f) => f.endsWith('.json') && !names.has(f.slice(0, -5)))
  if (update) return
  assert.deepEqual(stale, [])
})
