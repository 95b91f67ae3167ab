// A TypeScript consumer of the published package, type-checked by scripts/pack-check.mjs
// against the installed tarball (`tsc --noEmit`, module NodeNext, strict), once as ESM and once
// as CommonJS. It uses every name that index.d.ts exports; pack-check fails when a new export
// is not used here, so extend this file together with the API.
// It is never run: the runtime side is checked by pack-check's require/import steps.
import {
  createLead,
  getLead,
  kommoConfigSchema,
  listLeads,
  exchangeAuthorizationCode,
  refreshAccessToken,
  listPipelines,
  normalizePhone,
  runCli,
  SANDBOX_TOKEN,
  SandboxHandle,
  searchContact,
  searchContactByPhone,
  searchLead,
  startSandbox,
  stopServer,
  updateLead,
  updateLeadStatus,
  __napiBindingTarget,
} from '@syncraengine/kommo-mcp'
import type {
  CreateLeadData,
  GetLeadParams,
  GetLeadResult,
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
  KommoCustomFieldWrite,
  KommoEntityRef,
  KommoLead,
  KommoPipeline,
  KommoPipelineStatus,
  KommoTag,
  KommoTagWrite,
  LeadWriteResult,
  ListLeadsFilters,
  ListLeadsResult,
  ListPageInfo,
  ListPipelinesResult,
  PageOptions,
  SafeParseResult,
  SearchContactParams,
  SearchContactResult,
  SearchLeadParams,
  SearchLeadResult,
  StartSandboxOptions,
  UpdateLeadData,
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

// --- leads ---------------------------------------------------------------------------------

function contactIds(lead: KommoLead): number[] {
  return (lead._embedded?.contacts ?? []).map((ref: KommoEntityRef) => ref.id)
}

function nextPage(info: ListPageInfo): number | undefined {
  return info.hasMore ? (info.nextPage ?? info.page + 1) : undefined
}

async function useTheLeads(config: KommoConfigInput, contactId: number, wonStatusId: number): Promise<number[]> {
  const phone: KommoCustomFieldWrite = { field_code: 'PHONE', values: [{ value: '+57 300 123 4567', enum_code: 'WORK' }] }
  const clear: KommoCustomFieldWrite = { field_id: 123, values: null }
  const tag: KommoTagWrite = { name: 'vip' }
  const data: CreateLeadData = {
    name: 'Website order',
    price: 1200,
    custom_fields_values: [phone, clear],
    tags_to_add: [tag],
    _embedded: { contacts: [{ id: contactId, is_main: true }] },
  }
  const created: LeadWriteResult = await createLead(data, config)
  if (!created.success || created.leadId === undefined) return []
  const leadId: number = created.leadId

  const change: UpdateLeadData = { price: 1500, tags_to_delete: [tag] }
  const updated: LeadWriteResult = await updateLead(leadId, change, config)
  const moved: LeadWriteResult = await updateLeadStatus(leadId, wonStatusId, config)
  const movedAcross: LeadWriteResult = await updateLeadStatus(leadId, wonStatusId, config, created.lead?.pipeline_id ?? 0)
  // @ts-expect-error the lead id comes first
  await updateLead(change, leadId, config)

  const params: GetLeadParams = { leadId, with: ['contacts'] }
  const got: GetLeadResult = await getLead(params, config)
  const search: SearchLeadParams = { query: 'Website' }
  const found: SearchLeadResult = await searchLead(search, config)

  const page: PageOptions = { page: 1, limit: 250, order: { updated_at: 'desc' }, with: ['contacts'] }
  const filters: ListLeadsFilters = { ...page, status_id: [wonStatusId], contact_id: contactId, price_from: 1000 }
  const listed: ListLeadsResult = await listLeads(filters, config)
  const everything: ListLeadsResult = await listLeads(undefined, config)

  return [
    ...(got.lead ? contactIds(got.lead) : []),
    ...found.leads.map((lead) => lead.id),
    ...listed.leads.map((lead) => lead.price ?? 0),
    nextPage(everything) ?? 0,
    [updated, moved, movedAcross].filter((r) => r.success).length,
  ]
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

export { baseUrl, missingToken, outcome, run, schema, stop, target, useTheLeads, useTheSdk }
export { baseUrl, missingToken, outcome, run, schema, stop, target, useOAuth, useTheSdk }
