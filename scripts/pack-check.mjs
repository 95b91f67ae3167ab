#!/usr/bin/env node
// Packaging check: installs the package the way a user gets it and uses it.
//
//   node scripts/pack-check.mjs            (also run by .ci/run)
//
// 1. builds the addon if this platform's .node file is missing (`npm run build`);
// 2. copies it into npm/<platform>/ (what `napi artifacts` does in the release workflow);
// 3. `npm pack`s the root package and the platform package into a temp folder and checks
//    their contents: no .node file in the root tarball, exactly its own in the platform one;
// 4. installs both tarballs, and nothing else, into an empty project (`npm init -y`):
//    `npm install --offline --cache <empty temp cache>`. The root's optionalDependency on
//    the platform package (same name and version) is satisfied by the local tarball; the
//    other platforms' optional packages cannot be fetched offline and are skipped, exactly as
//    npm skips them on a platform they do not match. So nothing comes from the registry;
// 5. runs `npx kommo-mcp --version`, speaks MCP (initialize, tools/list) to
//    `node_modules/.bin/kommo-mcp --sandbox`, `require`s and `import`s the package, and
//    type-checks __test__/consumer.ts (ESM and CommonJS, module NodeNext, strict) with the
//    repo's TypeScript against the installed types.
// Prints one PASS/FAIL line per check and exits 1 if any failed.
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const isWindows = process.platform === 'win32'
const rootPkg = readJson(path.join(repo, 'package.json'))
const binaryName = rootPkg.napi.binaryName
const platform = hostPlatform()
const nodeFile = `${binaryName}.${platform}.node`
const platformDir = path.join(repo, 'npm', platform)
const EXPECTED_TOOLS = ['kommo_search_contact_by_phone', 'kommo_list_pipelines']
const EXPECTED_EXPORTS = ['searchContactByPhone', 'listPipelines', 'kommoConfigSchema']

let passed = 0
let failed = 0
function pass(what) {
  passed++
  console.log(`PASS ${what}`)
}
function fail(what, detail) {
  failed++
  console.log(`FAIL ${what}${detail ? `\n     ${String(detail).trim().split('\n').join('\n     ')}` : ''}`)
}
/** Runs one named check; a thrown error is that check's failure. */
async function check(what, fn) {
  try {
    const note = await fn()
    pass(note ? `${what} (${note})` : what)
    return true
  } catch (err) {
    fail(what, err && err.message ? err.message : err)
    return false
  }
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'))
}

/** napi's platform-arch-abi name for this machine: linux-x64-gnu, darwin-arm64, win32-x64-msvc... */
function hostPlatform() {
  const base = `${process.platform}-${process.arch}`
  if (process.platform === 'win32') return `${base}-msvc`
  if (process.platform !== 'linux') return base
  const report = process.report && process.report.getReport ? process.report.getReport() : null
  return `${base}-${report && report.header && report.header.glibcVersionRuntime ? 'gnu' : 'musl'}`
}

/** Quotes an argument for cmd.exe, which runs the `.cmd` shims (npm, npx, the installed bins) on Windows. */
function cmdQuote(arg) {
  return /[\s"&|<>^()]/.test(arg) ? `"${arg.replace(/"/g, '""')}"` : arg
}

/** Runs a command and returns its stdout; the error carries stderr. `.cmd` shims need a shell on Windows. */
function run(cmd, args, options = {}) {
  const shell = isWindows && /^(npm|npx)$|\.cmd$/.test(cmd)
  try {
    return execFileSync(shell ? cmdQuote(cmd) : cmd, shell ? args.map(cmdQuote) : args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      shell,
      maxBuffer: 64 * 1024 * 1024,
      ...options,
    })
  } catch (err) {
    const out = [err.stdout, err.stderr].filter(Boolean).join('\n').trim()
    throw new Error(`\`${cmd} ${args.join(' ')}\` failed (exit ${err.status}): ${out || err.message}`)
  }
}

/** The env of a child process, without the developer's Kommo settings. */
function cleanEnv() {
  const env = { ...process.env }
  for (const key of Object.keys(env)) if (key.startsWith('KOMMO_')) delete env[key]
  return env
}

/** `npm pack` into `dest`; returns { file, files } from npm's JSON report. */
function pack(dir, dest) {
  const [report] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dest], { cwd: dir }))
  return { file: path.join(dest, report.filename), files: report.files.map((f) => f.path), size: report.size, unpackedSize: report.unpackedSize }
}

/** Spawns the installed bin with `--sandbox` and speaks newline-delimited JSON-RPC to it. */
function mcpSession(project) {
  const bin = path.join(project, 'node_modules', '.bin', isWindows ? 'kommo-mcp.cmd' : 'kommo-mcp')
  if (!fs.existsSync(bin)) throw new Error(`${bin} was not installed`)
  return new Promise((resolve, reject) => {
    const child = spawn(isWindows ? cmdQuote(bin) : bin, ['--sandbox'], { cwd: project, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'], shell: isWindows })
    const replies = new Map()
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => {
      child.kill()
      reject(new Error(`no answer within 20 s; stderr: ${stderr.trim()}`))
    }, 20000)
    const send = (msg) => child.stdin.write(JSON.stringify(msg) + '\n')
    child.stderr.on('data', (d) => (stderr += d))
    child.stdout.on('data', (d) => {
      stdout += d
      let i
      while ((i = stdout.indexOf('\n')) >= 0) {
        const line = stdout.slice(0, i).trim()
        stdout = stdout.slice(i + 1)
        if (!line) continue
        let msg
        try {
          msg = JSON.parse(line)
        } catch {
          clearTimeout(timer)
          child.kill()
          reject(new Error(`stdout carried a line that is not JSON-RPC: ${line.slice(0, 200)}`))
          return
        }
        if (msg.id === undefined) continue
        replies.set(msg.id, msg)
        if (msg.id === 1) {
          send({ jsonrpc: '2.0', method: 'notifications/initialized' })
          send({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} })
        } else if (msg.id === 2) {
          child.stdin.end() // EOF ends the session: the portable shutdown path
        }
      }
    })
    child.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ initialize: replies.get(1), toolsList: replies.get(2), code, signal, stderr })
    })
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'pack-check', version: '0' } },
    })
  })
}

/** Names exported by a .d.ts file (functions, consts, classes, interfaces, types, enums). */
function exportedNames(dts) {
  const names = new Set()
  const re = /^export\s+(?:declare\s+)?(?:abstract\s+)?(?:function|const|let|var|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/gm
  for (const m of dts.matchAll(re)) names.add(m[1])
  return [...names].sort()
}

async function main() {
  const started = Date.now()
  console.log(`pack-check: ${rootPkg.name}@${rootPkg.version} for ${platform}`)
  if (!fs.existsSync(platformDir)) {
    fail(`npm/${platform}/ exists`, `no per-platform package for ${platform}; run \`npx napi create-npm-dirs\``)
    return
  }

  // 1. build if needed
  const built = path.join(repo, nodeFile)
  if (!fs.existsSync(built) || !fs.existsSync(path.join(repo, 'index.js')) || !fs.existsSync(path.join(repo, 'index.d.ts'))) {
    console.log(`pack-check: ${nodeFile} or the generated loader is missing; running \`npm run build\``)
    const ok = await check('npm run build', () => {
      run('npm', ['run', 'build'], { cwd: repo, stdio: ['ignore', 'inherit', 'inherit'] })
    })
    if (!ok) return
  }

  // 2. the platform package gets its binary, as `napi artifacts` does in the release workflow
  fs.copyFileSync(built, path.join(platformDir, nodeFile))

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kommo-pack-check-'))
  try {
    const tarballs = path.join(tmp, 'tarballs')
    const project = path.join(tmp, 'project')
    fs.mkdirSync(tarballs)
    fs.mkdirSync(project)

    // 3. pack and inspect
    let rootTgz, platformTgz
    await check('npm pack (root package)', () => {
      rootTgz = pack(repo, tarballs)
      return `${path.basename(rootTgz.file)}, ${rootTgz.files.length} files, ${(rootTgz.size / 1024).toFixed(0)} KiB`
    })
    await check(`npm pack (npm/${platform})`, () => {
      platformTgz = pack(platformDir, tarballs)
      const mib = (n) => (n / 1024 / 1024).toFixed(1)
      return `${path.basename(platformTgz.file)}, ${mib(platformTgz.size)} MiB packed, ${mib(platformTgz.unpackedSize)} MiB unpacked`
    })
    if (!rootTgz || !platformTgz) return
    await check('root tarball holds no .node file', () => {
      const nodes = rootTgz.files.filter((f) => f.endsWith('.node'))
      if (nodes.length) throw new Error(`found ${nodes.join(', ')}`)
    })
    await check('root tarball holds the loader, types, bin and package.json', () => {
      const want = ['package.json', 'index.js', 'binding.js', 'index.d.ts', 'bin/kommo-mcp.js']
      const missing = want.filter((f) => !rootTgz.files.includes(f))
      if (missing.length) throw new Error(`missing ${missing.join(', ')}; it holds ${rootTgz.files.join(', ')}`)
      return rootTgz.files.join(', ')
    })
    await check(`platform tarball holds exactly ${nodeFile}`, () => {
      const nodes = platformTgz.files.filter((f) => f.endsWith('.node'))
      if (nodes.length !== 1 || nodes[0] !== nodeFile) throw new Error(`found ${nodes.join(', ') || 'no .node file'}`)
      return platformTgz.files.join(', ')
    })
    await check('root optionalDependencies name every platform package at the root version', () => {
      const optional = rootPkg.optionalDependencies || {}
      const problems = fs
        .readdirSync(path.join(repo, 'npm'), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => readJson(path.join(repo, 'npm', entry.name, 'package.json')))
        .filter((p) => p.version !== rootPkg.version || optional[p.name] !== rootPkg.version)
        .map((p) => `${p.name}@${p.version} (root wants ${optional[p.name] ?? 'nothing'})`)
      if (problems.length) throw new Error(`out of step with ${rootPkg.version}: ${problems.join(', ')}`)
      return `${Object.keys(optional).length} packages`
    })

    // 4. install both tarballs, and nothing else, into an empty project
    run('npm', ['init', '-y'], { cwd: project })
    const installed = await check('npm install of the two tarballs, offline with an empty cache', () => {
      run(
        'npm',
        ['install', '--offline', '--cache', path.join(tmp, 'npm-cache'), '--no-audit', '--no-fund', '--loglevel=error', rootTgz.file, platformTgz.file],
        { cwd: project },
      )
    })
    if (!installed) return
    await check(`${rootPkg.name}-${platform} comes from the local tarball, no other platform package is installed`, () => {
      const lock = readJson(path.join(project, 'node_modules', '.package-lock.json'))
      const entries = Object.entries(lock.packages).filter(([p]) => p.startsWith('node_modules/'))
      const names = entries.map(([p]) => p.slice('node_modules/'.length)).sort()
      const want = [rootPkg.name, `${rootPkg.name}-${platform}`].sort()
      if (JSON.stringify(names) !== JSON.stringify(want)) throw new Error(`installed ${names.join(', ')}; expected ${want.join(', ')}`)
      const own = lock.packages[`node_modules/${rootPkg.name}-${platform}`]
      if (!String(own.resolved).startsWith('file:')) throw new Error(`resolved from ${own.resolved}`)
      if (own.version !== rootPkg.version) throw new Error(`version ${own.version}`)
      return `resolved ${own.resolved}`
    })

    // 5. use it
    await check('npx kommo-mcp --version', () => {
      const out = run('npx', ['--offline', '--cache', path.join(tmp, 'npm-cache'), 'kommo-mcp', '--version'], { cwd: project, env: cleanEnv() }).trim()
      if (out !== `kommo-mcp ${rootPkg.version}`) throw new Error(`printed ${JSON.stringify(out)}`)
      return out
    })
    await check('kommo-mcp-server (second bin name) --version', () => {
      const bin = path.join(project, 'node_modules', '.bin', isWindows ? 'kommo-mcp-server.cmd' : 'kommo-mcp-server')
      const out = run(bin, ['--version'], { cwd: project, env: cleanEnv() }).trim()
      if (!out.startsWith('kommo-mcp ')) throw new Error(`printed ${JSON.stringify(out)}`)
    })
    let session
    await check('MCP initialize through node_modules/.bin/kommo-mcp --sandbox', async () => {
      session = await mcpSession(project)
      const init = session.initialize
      if (!init) throw new Error(`no initialize response; exit ${session.code}; stderr: ${session.stderr.trim()}`)
      if (init.error) throw new Error(`initialize failed: ${JSON.stringify(init.error)}`)
      const info = init.result && init.result.serverInfo
      if (!info || !init.result.capabilities || !init.result.capabilities.tools) throw new Error(`unexpected result ${JSON.stringify(init.result)}`)
      return `${info.name} ${info.version}, protocol ${init.result.protocolVersion}`
    })
    if (session) {
      await check(`MCP tools/list includes ${EXPECTED_TOOLS.join(' and ')}`, () => {
        const list = session.toolsList
        if (!list || !list.result) throw new Error(`no tools/list result: ${JSON.stringify(list)}`)
        const names = list.result.tools.map((t) => t.name)
        const missing = EXPECTED_TOOLS.filter((t) => !names.includes(t))
        if (missing.length) throw new Error(`missing ${missing.join(', ')}; got ${names.join(', ')}`)
        return `${names.length} tools`
      })
      await check('the server exits 0 when stdin closes', () => {
        if (session.code !== 0) throw new Error(`exit ${session.code} ${session.signal || ''}; stderr: ${session.stderr.trim()}`)
      })
    }
    await check(`require('${rootPkg.name}') exposes ${EXPECTED_EXPORTS.join(', ')}`, () => {
      const script = `
        const m = require(${JSON.stringify(rootPkg.name)})
        const missing = ${JSON.stringify(EXPECTED_EXPORTS)}.filter((k) => m[k] === undefined)
        if (missing.length) throw new Error('missing ' + missing.join(', '))
        const c = m.kommoConfigSchema.parse({ subdomain: 'acme', accessToken: 't' })
        if (c.baseUrl !== 'https://acme.kommo.com') throw new Error('kommoConfigSchema.parse gave ' + JSON.stringify(c))
        if (!require.resolve(${JSON.stringify(rootPkg.name)}).includes('node_modules')) throw new Error('resolved outside node_modules')`
      run(process.execPath, ['-e', script], { cwd: project, env: cleanEnv() })
    })
    await check(`import('${rootPkg.name}') exposes them as named exports and lists pipelines from the sandbox`, () => {
      const script = `
        import { ${EXPECTED_EXPORTS.join(', ')}, startSandbox } from ${JSON.stringify(rootPkg.name)}
        const m = await import(${JSON.stringify(rootPkg.name)})
        const missing = ${JSON.stringify(EXPECTED_EXPORTS)}.filter((k) => typeof m[k] !== 'function')
        if (missing.length) throw new Error('dynamic import lacks ' + missing.join(', '))
        if (typeof searchContactByPhone !== 'function' || typeof kommoConfigSchema.safeParse !== 'function') throw new Error('named imports are not functions')
        const sb = await startSandbox()
        try {
          const res = await listPipelines({ baseUrl: sb.baseUrl, accessToken: sb.accessToken })
          if (!res.success || res.totalFound < 1) throw new Error('listPipelines: ' + JSON.stringify(res).slice(0, 300))
          console.log(res.totalFound + ' pipelines')
        } finally {
          await sb.stop()
        }`
      return run(process.execPath, ['--input-type=module', '-e', script], { cwd: project, env: cleanEnv() }).trim()
    })

    const consumer = path.join(repo, '__test__', 'consumer.ts')
    await check('__test__/consumer.ts uses every name exported by index.d.ts', () => {
      const names = exportedNames(fs.readFileSync(path.join(project, 'node_modules', ...rootPkg.name.split('/'), 'index.d.ts'), 'utf8'))
      const code = fs.readFileSync(consumer, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '')
      const unused = names.filter((n) => !new RegExp(`(^|[^\\w$])${n.replace(/\$/g, '\\$')}([^\\w$]|$)`).test(code))
      if (unused.length) throw new Error(`not used: ${unused.join(', ')}`)
      return `${names.length} names`
    })
    await check('tsc --noEmit on the consumer (ESM and CommonJS, NodeNext, strict)', () => {
      const tsc = path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc')
      if (!fs.existsSync(tsc)) throw new Error(`${tsc} is missing; run \`npm install\` in the repo`)
      const source = fs.readFileSync(consumer, 'utf8')
      fs.writeFileSync(path.join(project, 'consumer.mts'), source)
      fs.writeFileSync(path.join(project, 'consumer.cts'), source)
      const tsconfig = {
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          noUnusedLocals: true,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          skipLibCheck: false,
          types: [],
        },
        files: ['consumer.mts', 'consumer.cts'],
      }
      fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2))
      run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project })
      return `typescript ${readJson(path.join(repo, 'node_modules', 'typescript', 'package.json')).version}`
    })
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
    console.log(`pack-check: took ${((Date.now() - started) / 1000).toFixed(1)} s`)
  }
}

main()
  .catch((err) => fail('pack-check ran to the end', err && err.stack ? err.stack : err))
  .finally(() => {
    console.log(`pack-check: ${passed} passed, ${failed} failed`)
    process.exitCode = failed ? 1 : 0
  })
