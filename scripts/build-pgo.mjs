#!/usr/bin/env node
// Profile-guided release build: what the release workflow ships for linux-x64-gnu.
//
//   npm run build:pgo [-- <napi build options, e.g. --target x86_64-unknown-linux-gnu --use-napi-cross>]
//
// 1. builds an instrumented addon (`-Cprofile-generate`) into target/pgo/<target>/instrumented;
// 2. runs the training workload against it: the benchmark suite (an MCP session of phone searches and
//    pipelines, the request/result-size workload over the SDK and MCP tools, every payload schema)
//    and the demo. `NAPI_RS_NATIVE_LIBRARY_PATH` makes index.js, and every server the benches spawn,
//    load the instrumented file;
// 3. merges the counts with `llvm-profdata` (rustup component `llvm-tools`, installed on demand);
// 4. builds the release addon with `-Cprofile-use` into the usual place (`npm run build`'s output).
//
// What it buys (BENCHMARKS.md "Peak RSS"): LLVM puts functions the workload never ran into
// `.text.unlikely` and optimises them for size, and the ones it ran most into `.text.hot`. On Linux the
// final link is lld's (rustc's default; for `--use-napi-cross`, rust-lld in place of the toolchain's GNU
// ld), told to keep those groups apart (`-z keep-text-section-prefix`) and given the order of the
// functions the training ran, server sessions first. The code a session runs then sits together instead
// of being spread over the file: pages are mapped in 64 KB blocks, and a spread-out hot path makes almost
// the whole .text resident.
//
// The instrumented addon must run here, so the target must be the host (or omitted). Extra RUSTFLAGS
// from the environment (e.g. `+crt-static` on Windows) are kept in both builds.
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const napiArgs = process.argv.slice(2)
const isWindows = process.platform === 'win32'

function fail(message) {
  process.stderr.write(`build-pgo: ${message}\n`)
  process.exit(1)
}
function step(message) {
  process.stderr.write(`build-pgo: ${message}\n`)
}
/** Runs a command with inherited stdio; exits with its message on failure. */
function run(cmd, args, env, what) {
  const r = spawnSync(cmd, args, { cwd: repo, env: { ...process.env, ...env }, stdio: 'inherit', shell: isWindows })
  if (r.status !== 0) fail(`${what} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`})`)
}

const rustcInfo = execFileSync('rustc', ['-vV'], { encoding: 'utf8' })
const host = /^host: (\S+)$/m.exec(rustcInfo)?.[1]
if (!host) fail('cannot tell the host triple from `rustc -vV`')
const targetAt = napiArgs.findIndex((a) => a === '--target' || a === '-t')
const target = targetAt >= 0 ? napiArgs[targetAt + 1] : host
if (target !== host) {
  fail(`the training run needs an addon this machine can load, so the target must be the host (${host}), not ${target}; build ${target} with \`npm run build -- --target ${target}\``)
}
const targetArgs = targetAt >= 0 ? [] : ['--target', host]
const crossArgs = napiArgs.includes('--use-napi-cross') || napiArgs.includes('-x') || napiArgs.includes('--cross-compile')

// llvm-profdata must match rustc's LLVM: the copy in rustup's llvm-tools component does.
const sysroot = execFileSync('rustc', ['--print', 'sysroot'], { encoding: 'utf8' }).trim()
const profdata = path.join(sysroot, 'lib', 'rustlib', host, 'bin', `llvm-profdata${isWindows ? '.exe' : ''}`)
if (!fs.existsSync(profdata)) {
  step('installing the llvm-tools rustup component (for llvm-profdata)')
  spawnSync('rustup', ['component', 'add', 'llvm-tools'], { stdio: 'inherit', shell: isWindows })
  if (!fs.existsSync(profdata)) fail(`${profdata} is missing; run \`rustup component add llvm-tools\``)
}

const targetRoot = process.env.CARGO_TARGET_DIR ? path.resolve(process.env.CARGO_TARGET_DIR) : path.join(repo, 'target')
const work = path.join(targetRoot, 'pgo', target)
const profiles = path.join(work, 'profiles')
const merged = path.join(work, 'merged.profdata')
const instrumentedDir = path.join(work, 'instrumented')
fs.rmSync(profiles, { recursive: true, force: true })
fs.rmSync(instrumentedDir, { recursive: true, force: true })
fs.mkdirSync(profiles, { recursive: true })
fs.mkdirSync(instrumentedDir, { recursive: true })
const baseFlags = process.env.RUSTFLAGS ? `${process.env.RUSTFLAGS} ` : ''
const napi = path.join(repo, 'node_modules', '.bin', `napi${isWindows ? '.cmd' : ''}`)
if (!fs.existsSync(napi)) fail('node_modules/.bin/napi is missing; run `npm install` first')

step(`1/4 instrumented build for ${target}`)
run(
  napi,
  ['build', '--platform', '--release', '--no-js', '--output-dir', instrumentedDir, ...targetArgs, ...napiArgs],
  {
    RUSTFLAGS: `${baseFlags}-Cprofile-generate=${profiles}`,
    // Its own target directory: the final build's dependencies stay cached and so do these.
    CARGO_TARGET_DIR: path.join(targetRoot, 'pgo', 'instrumented-target'),
  },
  'the instrumented build',
)
const instrumented = fs.readdirSync(instrumentedDir).find((f) => f.endsWith('.node'))
if (!instrumented) fail(`the instrumented build left no .node file in ${instrumentedDir}`)

step('2/4 training run (benchmark suite and demo on the instrumented addon)')
// The first step is what an MCP client does with the server (start, initialize, tools/list, phone searches,
// pipelines); its counts are also kept apart (LLVM_PROFILE_FILE wins over the built-in path) so that the
// linker can put the code of a server session ahead of the code only SDK calls and other tools run.
const serverProfiles = path.join(profiles, 'server')
const training = [
  [{ LLVM_PROFILE_FILE: path.join(serverProfiles, 'server-%m.profraw') }, 'benches/bench.mjs', '--runs=3', '--only=startup,rss'],
  [{}, 'benches/bench.mjs', '--only=validation'],
  [{}, 'benches/api.mjs'],
  [{}, 'benches/schemas.mjs', '--ms=50'],
  [{}, 'examples/demo.mjs'],
]
const trainingEnv = { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: path.join(instrumentedDir, instrumented) }
for (const [env, script, ...args] of training) {
  const r = spawnSync(process.execPath, [script, ...args], {
    cwd: repo,
    env: { ...trainingEnv, ...env },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  })
  if (r.status !== 0) {
    fail(`training step \`node ${[script, ...args].join(' ')}\` failed (exit ${r.status ?? r.signal}):\n${`${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-30).join('\n')}`)
  }
  step(`   node ${[script, ...args].join(' ')}: ok`)
}
const rawIn = (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.profraw')).map((f) => path.join(dir, f)) : [])
const serverRaw = rawIn(serverProfiles)
const raw = [...serverRaw, ...rawIn(profiles)]
if (serverRaw.length === 0) fail(`the server sessions wrote no profile into ${serverProfiles}`)
if (raw.length === serverRaw.length) fail(`the SDK training wrote no profile into ${profiles}`)

step(`3/4 merging ${raw.length} profile files`)
run(profdata, ['merge', '-o', merged, ...raw], {}, 'llvm-profdata merge')
const serverMerged = path.join(work, 'server.profdata')
run(profdata, ['merge', '-o', serverMerged, ...serverRaw], {}, 'llvm-profdata merge (server sessions)')

step('4/4 release build with the profile')
// lld (rustc's default linker on x86_64 Linux) keeps .text.hot/.text.unlikely apart only when asked;
// GNU ld (napi's cross toolchain) groups them by default, and Mach-O/PE linkers do not use the prefixes.
// lld is also given the functions the training ran: first those of the server sessions, then the rest,
// each group most run first. Within each of those sections the code a session runs is then contiguous:
// pages are mapped 64 KB at a time (or a whole page-cache folio), and a session's functions spread over
// megabytes of code would otherwise keep most of them resident.
// Only on x86_64 hosts, where rustc links with rust-lld by default and the napi cross toolchain (x64 host
// binaries) takes it through -B: elsewhere the linker may be GNU ld, which knows no symbol order.
const napiCross = napiArgs.includes('--use-napi-cross')
const useLld = process.platform === 'linux' && process.arch === 'x64' && (!crossArgs || napiCross)
let linkFlags = process.platform === 'linux' && !crossArgs && !useLld ? ' -Clink-arg=-Wl,-z,keep-text-section-prefix' : ''
if (useLld) {
  if (napiCross) {
    // napi's glibc 2.17 cross toolchain links with GNU ld, which has no symbol order, and its GCC 4.8.5 knows no
    // -fuse-ld=lld. GCC runs the `ld` it finds in a -B directory first, and rust-lld called `ld` is lld's GNU
    // flavour: same sysroot, same crt files and libraries, so the same glibc floor.
    const dir = path.join(work, 'lld')
    fs.rmSync(dir, { recursive: true, force: true })
    fs.mkdirSync(dir, { recursive: true })
    const rustLld = path.join(sysroot, 'lib', 'rustlib', host, 'bin', 'rust-lld')
    if (!fs.existsSync(rustLld)) fail(`${rustLld} is missing (it ships with every rustup toolchain)`)
    fs.symlinkSync(rustLld, path.join(dir, 'ld'))
    linkFlags += ` -Clink-arg=-B${dir}${path.sep}`
  }
  const order = path.join(work, 'symbol-order.txt')
  const [server, all] = writeSymbolOrder(order, serverMerged, merged)
  step(`   ${server} functions ran in the server sessions, ${all} in all; their order for the linker: ${path.relative(repo, order)}`)
  linkFlags +=
    ' -Clink-arg=-Wl,-z,keep-text-section-prefix' +
    ` -Clink-arg=-Wl,--symbol-ordering-file=${order} -Clink-arg=-Wl,--no-warn-symbol-ordering`
}
run(
  napi,
  ['build', '--platform', '--release', '--js', 'binding.js', ...targetArgs, ...napiArgs],
  { RUSTFLAGS: `${baseFlags}-Cprofile-use=${merged}${linkFlags}` },
  'the profile-guided build',
)

// A profile that matched nothing (say, symbol names that differ between the two builds) would give an
// ordinary build without a word; on ELF the cold section shows whether it was used, and the .comment section
// which linker made the file (the symbol order needs lld).
if (useLld || (process.platform === 'linux' && !crossArgs)) {
  const file = fs.readdirSync(repo).find((f) => f.endsWith(`.${platformTag()}.node`))
  let sections
  try {
    sections = execFileSync('readelf', ['-SW', path.join(repo, file ?? '')], { encoding: 'utf8' })
  } catch (err) {
    fail(`could not read the sections of ${file ?? 'the addon'} to check that the profile was applied (${err.message.split('\n')[0]}); readelf comes with binutils`)
  }
  const unlikely = /\.text\.unlikely\s+PROGBITS\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)/.exec(sections)
  const bytes = unlikely ? Number.parseInt(unlikely[1], 16) : 0
  if (bytes < 1 << 20) fail(`the profile was not applied: .text.unlikely is ${bytes} bytes in ${file ?? 'the addon'} (expected megabytes)`)
  if (useLld && !execFileSync('readelf', ['-p', '.comment', path.join(repo, file)], { encoding: 'utf8' }).includes('Linker: LLD')) fail(`${file} was not linked by lld, so the symbol order was not applied`)
  step(`done: ${file}, ${(fs.statSync(path.join(repo, file)).size / 2 ** 20).toFixed(1)} MB, ${(bytes / 2 ** 20).toFixed(1)} MB of it code the training never ran`)
} else {
  step('done')
}

/**
 * Writes lld's `--symbol-ordering-file`: the symbols of the functions that ran in `first`, then those that
 * ran only in `rest`, each group by total count (most first), one per line. Returns both counts.
 */
function writeSymbolOrder(file, first, rest) {
  const head = functionsThatRan(first)
  const all = functionsThatRan(rest)
  const names = new Set(head)
  for (const n of all) names.add(n)
  fs.writeFileSync(file, `${[...names].join('\n')}\n`)
  return [head.length, all.length]
}

/**
 * The functions with a non-zero count in an indexed profile, most run first. The names come from
 * `llvm-profdata show`, which prefixes functions of internal linkage with their module (`module;symbol`).
 */
function functionsThatRan(profile) {
  const r = spawnSync(profdata, ['show', '--all-functions', '--counts', profile], { encoding: 'utf8', maxBuffer: 1 << 30 })
  if (r.status !== 0) fail(`llvm-profdata show failed (exit ${r.status ?? r.signal}): ${(r.stderr || '').trim().split('\n')[0]}`)
  const ran = []
  let name = null
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('  ') && !line.startsWith('   ') && line.endsWith(':')) {
      name = line.slice(2, -1)
      name = name.slice(name.lastIndexOf(';') + 1)
    } else if (name && line.startsWith('    Block counts: [')) {
      let total = 0
      for (const n of line.slice(line.indexOf('[') + 1, line.lastIndexOf(']')).split(',')) total += Number(n) || 0
      if (total > 0) ran.push([total, name])
      name = null
    }
  }
  if (ran.length === 0) fail(`llvm-profdata show listed no function that ran in ${profile}`)
  ran.sort((a, b) => b[0] - a[0])
  return [...new Set(ran.map(([, n]) => n))]
}

function platformTag() {
  const arch = { x64: 'x64', arm64: 'arm64' }[process.arch] ?? process.arch
  if (process.platform !== 'linux') return `${process.platform}-${arch}`
  const glibc = typeof process.report?.getReport === 'function' && process.report.getReport().header?.glibcVersionRuntime
  return `linux-${arch}-${glibc ? 'gnu' : 'musl'}`
}
