#!/usr/bin/env node
// MCP conformance: runs `@modelcontextprotocol/conformance` (server scenarios) against
// `kommo-mcp --http 127.0.0.1:0 --sandbox` with the baseline in conformance/*.yml, and exits with the
// tool's code: 0 when every scenario passes except those listed (each needs a fixture of the
// conformance test server that kommo-mcp does not ship), 1 on a regression or a stale entry.
//
// The conformance tool needs Node 22; it runs under the Node 22 of the npm package `node` through
// `npm exec` (fetched once into the npm cache; the conformance package itself comes from
// devDependencies when installed). Needs a built addon (npm run build or npm run build:debug).
//
// Usage: node scripts/conformance.mjs [--scenario NAME] [--verbose]
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'))
const conformanceVersion = (pkg.devDependencies?.['@modelcontextprotocol/conformance'] ?? '0.1.16').replace(/^[\^~]/, '')
const node22 = 'node@22'

/** Scenario names under `server:` in a baseline file. */
function readBaseline(file) {
  if (!existsSync(file)) return []
  const names = []
  let inServer = false
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (/^\S/.test(line) && !line.startsWith('#')) inServer = line.trim() === 'server:'
    const m = inServer && line.match(/^\s+-\s+([\w./-]+)\s*(#.*)?$/)
    if (m) names.push(m[1])
  }
  return names
}

function startServer() {
  const env = { ...process.env }
  for (const k of Object.keys(env)) if (k.startsWith('KOMMO_')) delete env[k]
  const child = spawn(process.execPath, [path.join(root, 'bin', 'kommo-mcp.js'), '--http', '127.0.0.1:0', '--sandbox'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8')
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kommo-mcp did not start in 30 s:\n${stderr}`)), 30000)
    child.stderr.on('data', (d) => {
      stderr += d
      const m = stderr.match(/listening on (http:\/\/\S+\/mcp)/)
      if (m) {
        clearTimeout(timer)
        resolve({ child, url: m[1] })
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`kommo-mcp exited with ${code} before listening:\n${stderr}`))
    })
  })
}

function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', cwd: root, shell: process.platform === 'win32' })
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)))
  })
}

const extra = process.argv.slice(2)
const expected = readBaseline(path.join(root, 'conformance', 'expected-failures.yml'))
const work = mkdtempSync(path.join(tmpdir(), 'kommo-conformance-'))
const baseline = path.join(work, 'baseline.yml')
writeFileSync(baseline, `server:\n${expected.map((s) => `  - ${s}\n`).join('')}`)

const { child, url } = await startServer()
console.log(`== MCP conformance ${conformanceVersion} against ${url} (${expected.length} expected failures)`)
let code
try {
  code = await run('npm', [
    'exec',
    '--yes',
    `--package=${node22}`,
    `--package=@modelcontextprotocol/conformance@${conformanceVersion}`,
    '--',
    'conformance',
    'server',
    '--url',
    url,
    '--expected-failures',
    baseline,
    '--output-dir',
    path.join(work, 'results'),
    ...extra,
  ])
} finally {
  child.kill('SIGTERM')
}
if (code === 0) rmSync(work, { recursive: true, force: true })
else console.error(`conformance failed (exit ${code}); results kept in ${path.join(work, 'results')}`)
process.exit(code)
