// OAuth from JS and from the bin: code exchange, token stores, rotation, `kommo-mcp auth`, and
// secrets that never show up in output, errors or tool results.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { addon, cleanEnv, spawnBin, LineReader, send, initializeRequest } from './helpers.mjs'

const { startSandbox, exchangeAuthorizationCode, refreshAccessToken, searchContactByPhone, listPipelines, kommoConfigSchema } =
  addon

let sandbox
// Every KOMMO_NO_TOKEN_STORE warning this process emits (it must come at most once).
const storeWarnings = []
process.on('warning', (w) => {
  if (w.code === 'KOMMO_NO_TOKEN_STORE') storeWarnings.push(w)
})
before(async () => {
  sandbox = await startSandbox()
})
after(async () => {
  await sandbox?.stop()
})

const oauth = (extra) => ({
  baseUrl: sandbox.baseUrl,
  clientId: sandbox.clientId,
  clientSecret: sandbox.clientSecret,
  redirectUri: sandbox.redirectUri,
  ...extra,
})

const phone = { phone: '3001234567' }
const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'kommo-oauth-'))

test('exchangeAuthorizationCode exchanges, reports the tokens, and later calls reuse them', async () => {
  const before = await sandbox.oauthStats()
  const seen = []
  const config = oauth({ authorizationCode: await sandbox.mintAuthorizationCode(), onTokens: (t) => seen.push(t) })
  const r = await exchangeAuthorizationCode(config)
  assert.equal(r.success, true, r.error)
  assert.match(r.tokens.refreshToken, /^def50/)
  assert.ok(r.tokens.expiresAt > Date.now() / 1000 + 86000)
  assert.deepEqual(seen, [r.tokens])
  const found = await searchContactByPhone(phone, config)
  assert.equal(found.success, true, found.error)
  assert.equal(found.totalFound, 2)
  const after = await sandbox.oauthStats()
  assert.equal(after.exchanges - before.exchanges, 1, 'one exchange for both calls')
})

test('a def50 code given as refreshToken works as the setup guide says', async () => {
  const r = await listPipelines(oauth({ refreshToken: await sandbox.mintAuthorizationCode() }))
  assert.equal(r.success, true, r.error)
  assert.ok(r.pipelines.length > 0)
})

test('a token store is loaded, refreshed tokens are saved before use, and 50 concurrent calls refresh once', async () => {
  const first = await exchangeAuthorizationCode(oauth({ authorizationCode: await sandbox.mintAuthorizationCode() }))
  const saved = { ...first.tokens, expiresAt: Math.floor(Date.now() / 1000) - 10 }
  const saves = []
  const tokenStore = {
    load: async () => saved,
    save: async (t) => {
      await new Promise((r) => setTimeout(r, 20))
      saves.push(t)
    },
  }
  // The config carries a grant that is already used: the store's tokens win.
  const config = oauth({ refreshToken: 'def50-already-used-code', tokenStore })
  const before = await sandbox.oauthStats()
  const results = await Promise.all(Array.from({ length: 50 }, () => searchContactByPhone(phone, config)))
  for (const r of results) {
    assert.equal(r.success, true, r.error)
    assert.equal(r.totalFound, 2)
  }
  const after = await sandbox.oauthStats()
  assert.equal(after.refreshes - before.refreshes, 1)
  assert.equal(after.exchanges - before.exchanges, 0)
  assert.equal(saves.length, 1)
  assert.notEqual(saves[0].refreshToken, saved.refreshToken, 'the refresh token rotated')
})

test('refreshAccessToken rotates; the old refresh token then fails with a clear message', async () => {
  const first = await exchangeAuthorizationCode(oauth({ authorizationCode: await sandbox.mintAuthorizationCode() }))
  const old = first.tokens.refreshToken
  const r = await refreshAccessToken(oauth({ refreshToken: old, accessToken: first.tokens.accessToken, expiresAt: first.tokens.expiresAt }))
  assert.equal(r.success, true, r.error)
  assert.notEqual(r.tokens.refreshToken, old)
  // Someone else still holding the old pair:
  const again = await refreshAccessToken(oauth({ refreshToken: old, accessToken: 'stale', expiresAt: 1 }))
  assert.equal(again.success, false)
  assert.match(again.error, /refresh token was already used/)
  assert.match(again.error, /kommo-mcp auth/)
  assert.ok(!again.error.includes(old))
})

test('a store whose save throws fails the call clearly, keeps the tokens, and saves before the next use', async () => {
  const first = await exchangeAuthorizationCode(oauth({ authorizationCode: await sandbox.mintAuthorizationCode() }))
  let fail = true
  const saves = []
  const tokenStore = {
    load: () => ({ ...first.tokens, expiresAt: 1 }),
    save: (t) => {
      if (fail) throw new Error('disk is full')
      saves.push(t)
    },
  }
  const config = oauth({ authorizationCode: 'def50-used', tokenStore })
  const r = await searchContactByPhone(phone, config)
  assert.equal(r.success, false)
  assert.match(r.error, /could not be saved to the tokenStore: the token store failed: .*disk is full/)
  assert.match(r.error, /kept in memory/)
  fail = false
  const before = await sandbox.oauthStats()
  const ok = await searchContactByPhone(phone, config)
  assert.equal(ok.success, true, ok.error)
  assert.equal(saves.length, 1)
  assert.equal((await sandbox.oauthStats()).refreshes, before.refreshes, 'no second refresh')
})

test('kommoConfigSchema accepts the OAuth form and names missing keys without echoing secrets', () => {
  const parsed = kommoConfigSchema.parse(oauth({ refreshToken: 'r1', onTokens: () => {} }))
  assert.equal(parsed.clientId, sandbox.clientId)
  assert.equal(typeof parsed.onTokens, 'function')
  assert.equal(parsed.accessToken, undefined)
  const r = kommoConfigSchema.safeParse({ subdomain: 'acme', clientSecret: 'CANARY secret', refreshToken: 'x', expiresAt: 'soon' })
  assert.equal(r.success, false)
  const paths = r.error.issues.map((i) => i.path.join('.'))
  for (const key of ['clientId', 'clientSecret', 'redirectUri', 'expiresAt']) assert.ok(paths.includes(key), paths.join())
  assert.ok(!r.error.message.includes('CANARY'))
  assert.throws(() => kommoConfigSchema.parse(oauth({ refreshToken: 'r', tokenStore: {} })), /tokenStore: expected an object with load\(\) and save\(tokens\)/)
})

function runBin(args, env) {
  const { child, exited } = spawnBin(args, env)
  let stdout = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (d) => (stdout += d))
  child.stdin.end()
  return exited.then((r) => ({ ...r, stdout }))
}

/** Starts the server with `env`, initializes, and returns `call(id, tool, args)` and `out()`: all stdout so far. */
async function startSession(env) {
  const { child, exited } = spawnBin([], env)
  let stdout = ''
  child.stdout.on('data', (d) => (stdout += d))
  const lines = new LineReader(child.stdout)
  send(child, initializeRequest)
  assert.equal((await lines.next()).id, 1)
  send(child, { jsonrpc: '2.0', method: 'notifications/initialized' })
  const call = async (id, name, args) => {
    send(child, { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } })
    return lines.next()
  }
  return { child, exited, call, out: () => stdout }
}

test('kommo-mcp auth writes an owner-only token file and prints nothing secret', async () => {
  const dir = tmpDir()
  const file = path.join(dir, 'tokens.json')
  const code = await sandbox.mintAuthorizationCode()
  const env = cleanEnv({
    KOMMO_BASE_URL: sandbox.baseUrl,
    KOMMO_CLIENT_ID: sandbox.clientId,
    KOMMO_CLIENT_SECRET: sandbox.clientSecret,
    KOMMO_REDIRECT_URI: sandbox.redirectUri,
    KOMMO_AUTH_CODE: code,
    KOMMO_TOKEN_FILE: file,
  })
  const r = await runBin(['auth'], env)
  assert.equal(r.code, 0, r.stderr)
  assert.ok(r.stdout.includes(file), r.stdout)
  // Not the default path: the server needs to be told where the file is.
  assert.ok(r.stdout.includes(`KOMMO_TOKEN_FILE=${file}`), r.stdout)
  const saved = JSON.parse(fs.readFileSync(file, 'utf8'))
  assert.match(saved.refresh_token, /^def50/)
  assert.equal(saved.account, sandbox.baseUrl)
  if (process.platform !== 'win32') assert.equal(fs.statSync(file).mode & 0o777, 0o600)
  for (const secret of [code, saved.access_token, saved.refresh_token, sandbox.clientSecret]) {
    assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret))
  }
  // The code works once.
  const again = await runBin(['auth'], env)
  assert.equal(again.code, 1)
  assert.match(again.stderr, /already used/)
  assert.ok(!again.stderr.includes(code))
  fs.rmSync(dir, { recursive: true, force: true })
})

test('the server exchanges, refreshes and saves OAuth tokens; no secret reaches stdout, stderr or tool results', async () => {
  const dir = tmpDir()
  const file = path.join(dir, 'tokens.json')
  const code = await sandbox.mintAuthorizationCode()
  const env = cleanEnv({
    KOMMO_BASE_URL: sandbox.baseUrl,
    KOMMO_CLIENT_ID: sandbox.clientId,
    KOMMO_CLIENT_SECRET: sandbox.clientSecret,
    KOMMO_REDIRECT_URI: sandbox.redirectUri,
    KOMMO_REFRESH_TOKEN: code,
    KOMMO_TOKEN_FILE: file,
    KOMMO_DEBUG: 'true',
  })
  const { child, exited, call, out } = await startSession(env)
  const first = await call(2, 'kommo_search_contact_by_phone', phone)
  assert.notEqual(first.result.isError, true, JSON.stringify(first))
  assert.match(first.result.content[0].text, /Juan Pérez/)
  const tokens1 = JSON.parse(fs.readFileSync(file, 'utf8'))
  // Every access token dies: the server refreshes after the 401, saves, and retries.
  await sandbox.revokeAccessTokens()
  const second = await call(3, 'kommo_list_pipelines', {})
  assert.notEqual(second.result.isError, true, JSON.stringify(second))
  const tokens2 = JSON.parse(fs.readFileSync(file, 'utf8'))
  assert.notEqual(tokens2.refresh_token, tokens1.refresh_token, 'the rotated token was saved')
  child.stdin.end()
  const { stderr } = await exited
  const secrets = [code, sandbox.clientSecret, tokens1.access_token, tokens1.refresh_token, tokens2.access_token, tokens2.refresh_token]
  for (const secret of secrets) {
    assert.ok(!out().includes(secret), 'stdout/tool results contain a secret')
    assert.ok(!stderr.includes(secret), 'stderr contains a secret')
  }
  fs.rmSync(dir, { recursive: true, force: true })
})

test('a canary secret in a failing config never shows up in errors', async () => {
  const canary = 'def50CANARY0123456789'
  const r = await searchContactByPhone(phone, oauth({ refreshToken: canary, clientSecret: 'CANARY-secret' }))
  assert.equal(r.success, false)
  assert.match(r.error, /KOMMO_CLIENT_SECRET|clientSecret/)
  assert.ok(!r.error.includes('CANARY'), r.error)
  const bad = await searchContactByPhone(phone, oauth({ refreshToken: canary }))
  assert.equal(bad.success, false)
  assert.ok(!bad.error.includes('CANARY'), bad.error)
  // The server refuses to start with a dead grant, and says why without the value.
  const res = await runBin([], cleanEnv({
    KOMMO_BASE_URL: sandbox.baseUrl,
    KOMMO_CLIENT_ID: sandbox.clientId,
    KOMMO_CLIENT_SECRET: sandbox.clientSecret,
    KOMMO_REDIRECT_URI: sandbox.redirectUri,
    KOMMO_AUTH_CODE: canary,
    KOMMO_TOKEN_FILE: path.join(tmpDir(), 'none.json'),
    KOMMO_DEBUG: 'true',
  }))
  assert.equal(res.code, 1)
  assert.match(res.stderr, /Kommo cannot read this authorization code/)
  assert.ok(!res.stderr.includes('CANARY') && !res.stdout.includes('CANARY'))
})

// A fresh token pair (from a new code) as an OAuth config that can refresh.
async function freshPair(extra) {
  const first = await exchangeAuthorizationCode(oauth({ authorizationCode: await sandbox.mintAuthorizationCode() }))
  assert.equal(first.success, true, first.error)
  const t = first.tokens
  return oauth({ refreshToken: t.refreshToken, accessToken: t.accessToken, expiresAt: t.expiresAt, ...extra })
}

function recordingStore(loaded = null) {
  const store = {
    loads: 0,
    saves: [],
    tokenStore: {
      load: async () => {
        store.loads++
        return loaded
      },
      save: async (t) => {
        store.saves.push(t)
      },
    },
  }
  return store
}

test('a tokenStore given after earlier calls with an equal config is used: the rotated tokens are saved once', async () => {
  const cfg = await freshPair()
  const listed = await listPipelines(cfg)
  assert.equal(listed.success, true, listed.error)
  const store = recordingStore()
  const r = await refreshAccessToken({ ...cfg, tokenStore: store.tokenStore })
  assert.equal(r.success, true, r.error)
  assert.equal(store.loads, 1, 'no tokens were rotated yet: the new store is loaded')
  assert.equal(store.saves.length, 1)
  assert.deepEqual(store.saves[0], r.tokens)
  assert.notEqual(r.tokens.refreshToken, cfg.refreshToken)
})

test('a tokenStore given after a refresh already happened receives the current tokens before the next use', async () => {
  const cfg = await freshPair()
  const rotated = await refreshAccessToken(cfg)
  assert.equal(rotated.success, true, rotated.error)
  const store = recordingStore()
  const before = await sandbox.oauthStats()
  const r = await listPipelines({ ...cfg, tokenStore: store.tokenStore })
  assert.equal(r.success, true, r.error)
  assert.equal(store.saves.length, 1)
  assert.deepEqual(store.saves[0], rotated.tokens, 'the tokens rotated in memory were saved')
  assert.equal(store.loads, 0, 'not loaded over the newer in-memory tokens')
  const after = await sandbox.oauthStats()
  assert.equal(after.refreshes, before.refreshes)
})

test('the same tokenStore across many calls loads once and saves only on refresh; inline onTokens arrows add no saves', async () => {
  const cfg = await freshPair()
  const store = recordingStore()
  const config = { ...cfg, tokenStore: store.tokenStore }
  for (let i = 0; i < 10; i++) {
    const r = await listPipelines(config)
    assert.equal(r.success, true, r.error)
  }
  assert.equal(store.loads, 1)
  assert.equal(store.saves.length, 0)
  const r = await refreshAccessToken(config)
  assert.equal(r.success, true, r.error)
  assert.equal(store.saves.length, 1)
  let arrows = 0
  for (let i = 0; i < 5; i++) {
    const r2 = await searchContactByPhone(phone, { ...config, onTokens: () => arrows++ })
    assert.equal(r2.success, true, r2.error)
    await listPipelines(config)
  }
  assert.equal(arrows, 0, 'switching stores saves nothing')
  assert.equal(store.loads, 1)
  assert.equal(store.saves.length, 1)
})

test('an SDK call with a refreshing OAuth config and no store warns once per process, without secrets', async () => {
  const cfg = await freshPair()
  await listPipelines(cfg)
  await listPipelines(await freshPair())
  await new Promise((r) => setImmediate(r))
  assert.equal(storeWarnings.length, 1, 'exactly one KOMMO_NO_TOKEN_STORE warning')
  const w = storeWarnings[0]
  assert.match(w.message, /tokenStore/)
  assert.match(w.message, /onTokens/)
  assert.match(w.message, /rotates refresh tokens/)
  for (const secret of [cfg.refreshToken, cfg.accessToken, sandbox.clientSecret]) assert.ok(!w.message.includes(secret))
  assert.ok(!/def50/.test(w.message))
})

test('kommo-mcp auth refuses an unwritable token file before using the code', async () => {
  const dir = tmpDir()
  const blocker = path.join(dir, 'not-a-dir')
  fs.writeFileSync(blocker, 'x')
  const code = await sandbox.mintAuthorizationCode()
  const before = await sandbox.oauthStats()
  const r = await runBin(['auth'], cleanEnv({
    KOMMO_BASE_URL: sandbox.baseUrl,
    KOMMO_CLIENT_ID: sandbox.clientId,
    KOMMO_CLIENT_SECRET: sandbox.clientSecret,
    KOMMO_REDIRECT_URI: sandbox.redirectUri,
    KOMMO_AUTH_CODE: code,
    KOMMO_TOKEN_FILE: path.join(blocker, 'sub', 'tokens.json'),
  }))
  assert.equal(r.code, 1)
  assert.match(r.stderr, /authorization code was not used/)
  assert.ok(!r.stderr.includes(code) && !r.stdout.includes(code))
  const after = await sandbox.oauthStats()
  assert.equal(after.exchanges + after.failures, before.exchanges + before.failures, 'no token request')
  // The code still works.
  const ok = await exchangeAuthorizationCode(oauth({ authorizationCode: code }))
  assert.equal(ok.success, true, ok.error)
  fs.rmSync(dir, { recursive: true, force: true })
})

test('after kommo-mcp auth the server runs from the token file alone; a refresh token used up elsewhere fails a call cleanly', async () => {
  const dir = tmpDir()
  const file = path.join(dir, 'tokens.json')
  const code = await sandbox.mintAuthorizationCode()
  const base = {
    KOMMO_BASE_URL: sandbox.baseUrl,
    KOMMO_CLIENT_ID: sandbox.clientId,
    KOMMO_CLIENT_SECRET: sandbox.clientSecret,
    KOMMO_REDIRECT_URI: sandbox.redirectUri,
    KOMMO_TOKEN_FILE: file,
  }
  const auth = await runBin(['auth'], cleanEnv({ ...base, KOMMO_AUTH_CODE: code }))
  assert.equal(auth.code, 0, auth.stderr)
  const saved = JSON.parse(fs.readFileSync(file, 'utf8'))
  const before = await sandbox.oauthStats()
  const { child, exited, call, out } = await startSession(cleanEnv({ ...base, KOMMO_DEBUG: 'true' }))
  const first = await call(2, 'kommo_search_contact_by_phone', phone)
  assert.notEqual(first.result.isError, true, JSON.stringify(first))
  assert.match(first.result.content[0].text, /Juan Pérez/)
  const mid = await sandbox.oauthStats()
  assert.equal(mid.exchanges - before.exchanges, 0, 'no exchange: the token file was enough')
  assert.equal(mid.refreshes - before.refreshes, 0)
  // Someone else refreshes with the server's refresh token, and every access token dies.
  const stolen = await refreshAccessToken(oauth({ refreshToken: saved.refresh_token, accessToken: saved.access_token, expiresAt: saved.expires_at }))
  assert.equal(stolen.success, true, stolen.error)
  await sandbox.revokeAccessTokens()
  const failed = await call(3, 'kommo_list_pipelines', {})
  assert.equal(failed.result.isError, true, JSON.stringify(failed))
  assert.match(failed.result.content[0].text, /already used|revoked/)
  assert.match(failed.result.content[0].text, /kommo-mcp auth/)
  child.stdin.end()
  const { stderr } = await exited
  const secrets = [code, sandbox.clientSecret, saved.access_token, saved.refresh_token, stolen.tokens.accessToken, stolen.tokens.refreshToken]
  for (const secret of secrets) {
    assert.ok(!out().includes(secret), 'stdout/tool results contain a secret')
    assert.ok(!stderr.includes(secret), 'stderr contains a secret')
  }
  fs.rmSync(dir, { recursive: true, force: true })
})
