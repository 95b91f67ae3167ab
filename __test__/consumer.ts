// A TypeScript consumer of the published package, type-checked by scripts/pack-check.mjs
// against the installed tarball (`tsc --noEmit`, module NodeNext, strict), once as ESM and once
// as CommonJS. It uses every name that index.d.ts exports; pack-check fails when a new export
// is not used here, so extend this file together with the API.
// It is never run: the runtime side is checked by pack-check's require/import steps.
import {
  exchangeAuthorizationCode,
  kommoConfigSchema,
  refreshAccessToken,
  listPipelines,
  normalizePhone,
  runCli,
  SANDBOX_TOKEN,
  SandboxHandle,
  searchContact,
  searchContactByPhone,
  startSandbox,
  stopServer,
  __napiBindingTarget,
} from '@syncraengine/kommo-mcp'
import type {
  KommoConfig,
  KommoConfigError,
  KommoConfigInput,
  KommoConfigIssue,
  KommoConfigSchema,
  KommoOAuthConfig,
  KommoTokenConfigInput,
  OAuthTokens,
  OAuthTokenStore,
  OAuthTokensResult,
  SandboxOAuthStats,
  KommoContact,
  KommoCustomFieldValue,
  KommoCustomFieldValues,
  KommoEntityRef,
  KommoPipeline,
  KommoPipelineStatus,
  KommoTag,
  ListPipelinesResult,
  SafeParseResult,
  SearchContactParams,
  SearchContactResult,
  StartSandboxOptions,
} from '@syncraengine/kommo-mcp'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
function assertType<T extends true>(_proof?: T): void {}

// --- configuration -------------------------------------------------------------------------

const input: KommoConfigInput = { subdomain: 'acme', accessToken: 'token', defaultCountry: 'CO' }
const viaUrl: KommoConfigInput = { baseUrl: 'https://acme.kommo.com/api/v4', accessToken: 'token', allowUntrustedHost: false }
// @ts-expect-error accessToken is required
const missingToken: KommoConfigInput = { subdomain: 'acme' }

const config: KommoConfig = kommoConfigSchema.parse(input)
const baseUrl: string = config.baseUrl
const schema: KommoConfigSchema = kommoConfigSchema

function describeIssues(error: KommoConfigError): string[] {
  const name: 'KommoConfigError' = error.name
  const code: 'ERR_KOMMO_CONFIG' = error.code
  const issues: KommoConfigIssue[] = error.issues
  return issues.map((issue) => `${name} ${code} ${issue.path.join('.')}: ${issue.message} (${issue.code})`)
}

const parsed: SafeParseResult<KommoConfig, KommoConfigError> = kommoConfigSchema.safeParse({ subdomain: 'acme' })
const outcome: string = parsed.success ? parsed.data.baseUrl : describeIssues(parsed.error).join('\n')
assertType<Equal<ReturnType<typeof kommoConfigSchema.safeParse>, SafeParseResult<KommoConfig, KommoConfigError>>>()

// --- SDK functions -------------------------------------------------------------------------

function phones(contact: KommoContact): string[] {
  const fields: KommoCustomFieldValues[] = contact.custom_fields_values ?? []
  return fields
    .filter((field) => field.field_code === 'PHONE')
    .flatMap((field) => field.values)
    .map((value: KommoCustomFieldValue) => (typeof value.value === 'string' ? value.value : String(value.value)))
}

function related(contact: KommoContact): { tags: KommoTag[]; leads: KommoEntityRef[] } {
  return { tags: contact._embedded?.tags ?? [], leads: contact._embedded?.leads ?? [] }
}

function stages(pipeline: KommoPipeline): KommoPipelineStatus[] {
  return pipeline._embedded.statuses.filter((status) => status.pipeline_id === pipeline.id)
}

async function useTheSdk(): Promise<number> {
  const options: StartSandboxOptions = { port: 0, token: SANDBOX_TOKEN }
  const sandbox: SandboxHandle = await startSandbox(options)
  await startSandbox().then((other) => other.stop())
  const sandboxConfig: KommoConfigInput = { baseUrl: sandbox.baseUrl, accessToken: sandbox.accessToken }

  const params: SearchContactParams = { phone: '+57 300 123 4567', name: 'Juan' }
  const found: SearchContactResult = await searchContactByPhone(params, sandboxConfig)
  const alias: SearchContactResult = await searchContact({ phone: normalizePhone('0057 300 123 4567') }, viaUrl)
  // @ts-expect-error phone is required
  await searchContactByPhone({ name: 'Juan' }, sandboxConfig)
  const numbers: string[] = found.contacts.flatMap(phones)
  const tagCount: number = found.contacts.map(related).reduce((n, r) => n + r.tags.length + r.leads.length, 0)
  const failure: string | undefined = alias.success ? undefined : alias.error

  const listed: ListPipelinesResult = await listPipelines(sandboxConfig)
  const stageCount: number = listed.pipelines.flatMap(stages).length

  await sandbox.stop()
  return found.totalFound + numbers.length + tagCount + (failure ?? '').length + listed.totalFound + stageCount
}

// --- OAuth ---------------------------------------------------------------------------------

async function useOAuth(): Promise<number> {
  const sandbox = await startSandbox({ accessTokenLifetime: 61 })
  let last: OAuthTokens | null = null
  const tokenStore: OAuthTokenStore = {
    load: () => last,
    save: async (tokens: OAuthTokens) => {
      last = tokens
    },
  }
  const oauth: KommoOAuthConfig = {
    baseUrl: sandbox.baseUrl,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    redirectUri: sandbox.redirectUri,
    authorizationCode: await sandbox.mintAuthorizationCode(),
    tokenStore,
    onTokens: (tokens) => void tokens.expiresAt,
  }
  const asInput: KommoConfigInput = oauth
  const longLived: KommoTokenConfigInput = { subdomain: 'acme', accessToken: 'token' }
  const exchanged: OAuthTokensResult = await exchangeAuthorizationCode(oauth)
  const refreshed: OAuthTokensResult = await refreshAccessToken(asInput as KommoOAuthConfig)
  await listPipelines(oauth)
  await sandbox.revokeAccessTokens()
  const stats: SandboxOAuthStats = await sandbox.oauthStats()
  await sandbox.stop()
  return stats.exchanges + stats.refreshes + (exchanged.tokens?.expiresAt ?? 0) + (refreshed.error ?? '').length + longLived.accessToken.length
}

// --- the command line, as bin/kommo-mcp.js drives it ----------------------------------------

const run: (argv: string[]) => Promise<number> = runCli
const stop: () => void = stopServer
const target: 'native' | 'wasm32-wasi' | 'wasm32-wasip1' = __napiBindingTarget

export { baseUrl, missingToken, outcome, run, schema, stop, target, useOAuth, useTheSdk }
