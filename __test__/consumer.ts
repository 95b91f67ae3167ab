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

export { baseUrl, missingToken, outcome, run, schema, stop, target, useOAuth, useTheLeads, useTheSdk }

// --- Every other export, type-checked through the package namespace (strict). The code above uses the
// core API for real; this block makes sure each remaining function, constant, class and type is exported
// and resolves. Regenerate when exports change.
import * as kommo from "@syncraengine/kommo-mcp"

export type EveryOtherFunction = [
  typeof kommo.companyCreateSchema,
  typeof kommo.companyUpdateSchema,
  typeof kommo.complexLeadSchema,
  typeof kommo.contactCreateSchema,
  typeof kommo.contactUpdateSchema,
  typeof kommo.leadCreateSchema,
  typeof kommo.leadUpdateSchema,
  typeof kommo.noteCreateSchema,
  typeof kommo.noteUpdateSchema,
  typeof kommo.taskCreateSchema,
  typeof kommo.taskUpdateSchema,
  typeof kommo.webhookSchema,
  typeof kommo.acceptUnsorted,
  typeof kommo.attachTags,
  typeof kommo.completeTask,
  typeof kommo.createCatalogElement,
  typeof kommo.createCompanies,
  typeof kommo.createCompany,
  typeof kommo.createComplexLeads,
  typeof kommo.createContact,
  typeof kommo.createContacts,
  typeof kommo.createDeal,
  typeof kommo.createLeads,
  typeof kommo.createNote,
  typeof kommo.createNotes,
  typeof kommo.createTags,
  typeof kommo.createTask,
  typeof kommo.createTasks,
  typeof kommo.declineUnsorted,
  typeof kommo.detachTags,
  typeof kommo.formatContactAsText,
  typeof kommo.formatSearchResultsAsContext,
  typeof kommo.GET_CONTACT_TOOL_DESCRIPTION,
  typeof kommo.GET_LEAD_CUSTOM_FIELDS_TOOL_DESCRIPTION,
  typeof kommo.GET_PIPELINE_STATUSES_TOOL_DESCRIPTION,
  typeof kommo.GET_PIPELINE_TOOL_DESCRIPTION,
  typeof kommo.GET_SELECT_FIELD_OPTIONS_TOOL_DESCRIPTION,
  typeof kommo.getAccount,
  typeof kommo.getCatalog,
  typeof kommo.getCatalogCustomFields,
  typeof kommo.getCatalogElement,
  typeof kommo.getCompany,
  typeof kommo.getContact,
  typeof kommo.getContactCustomFields,
  typeof kommo.getCustomField,
  typeof kommo.getDeal,
  typeof kommo.getDealsByCompany,
  typeof kommo.getDealsByContact,
  typeof kommo.getKommoConfig,
  typeof kommo.getLeadCustomFieldInfo,
  typeof kommo.getLeadCustomFields,
  typeof kommo.getLeadCustomFieldsMetadata,
  typeof kommo.getLeadProducts,
  typeof kommo.getLeadsByContact,
  typeof kommo.getNote,
  typeof kommo.getNotesByContact,
  typeof kommo.getNotesByDeal,
  typeof kommo.getNotesByLead,
  typeof kommo.getPipeline,
  typeof kommo.getPipelineStatuses,
  typeof kommo.getSelectFieldOptions,
  typeof kommo.getTask,
  typeof kommo.getTasksByContact,
  typeof kommo.getTasksByDeal,
  typeof kommo.getTasksByLead,
  typeof kommo.getUser,
  typeof kommo.linkContactToCompany,
  typeof kommo.linkDealToCompany,
  typeof kommo.linkDealToContact,
  typeof kommo.linkEntities,
  typeof kommo.linkMany,
  typeof kommo.linkLeadToContact,
  typeof kommo.linkNoteToContact,
  typeof kommo.linkNoteToDeal,
  typeof kommo.linkNoteToLead,
  typeof kommo.linkProductToLead,
  typeof kommo.linkTaskToContact,
  typeof kommo.linkTaskToDeal,
  typeof kommo.linkTaskToLead,
  typeof kommo.LIST_PIPELINES_TOOL_DESCRIPTION,
  typeof kommo.listCatalogElements,
  typeof kommo.listCatalogs,
  typeof kommo.listCompanies,
  typeof kommo.listContacts,
  typeof kommo.listCustomFieldGroups,
  typeof kommo.listCustomFields,
  typeof kommo.listDeals,
  typeof kommo.listEvents,
  typeof kommo.listLinks,
  typeof kommo.listLossReasons,
  typeof kommo.listNotes,
  typeof kommo.listSources,
  typeof kommo.listTags,
  typeof kommo.listTasks,
  typeof kommo.listUnsorted,
  typeof kommo.listUsers,
  typeof kommo.normalizePagination,
  typeof kommo.parsePhone,
  typeof kommo.parseWebhook,
  typeof kommo.pinNote,
  typeof kommo.safeParsePhone,
  typeof kommo.SEARCH_CONTACT_TOOL_DESCRIPTION,
  typeof kommo.SEARCH_LEAD_CUSTOM_FIELD_TOOL_DESCRIPTION,
  typeof kommo.SEARCH_PIPELINE_BY_NAME_TOOL_DESCRIPTION,
  typeof kommo.searchCatalog,
  typeof kommo.searchCatalogElement,
  typeof kommo.searchCompany,
  typeof kommo.searchCompanyByDomain,
  typeof kommo.searchContactByEmail,
  typeof kommo.searchDeal,
  typeof kommo.searchLeadCustomField,
  typeof kommo.searchPipelineByName,
  typeof kommo.unlinkEntities,
  typeof kommo.unlinkMany,
  typeof kommo.unlinkProductFromLead,
  typeof kommo.unpinNote,
  typeof kommo.UPDATE_LEAD_CUSTOM_FIELDS_TOOL_DESCRIPTION,
  typeof kommo.UPDATE_LEAD_TOOL_DESCRIPTION,
  typeof kommo.updateCatalogElement,
  typeof kommo.updateCompanies,
  typeof kommo.updateCompany,
  typeof kommo.updateContact,
  typeof kommo.updateContacts,
  typeof kommo.updateDeal,
  typeof kommo.updateDealStage,
  typeof kommo.updateLeadCustomFields,
  typeof kommo.updateLeads,
  typeof kommo.updateNote,
  typeof kommo.updateNotes,
  typeof kommo.updateTask,
  typeof kommo.updateTasks,
]

export type EveryOtherType = [
  kommo.CustomFieldEntity,
  kommo.KommoFieldEnum,
  kommo.KommoCustomField,
  kommo.KommoCustomFieldGroup,
  kommo.LeadCustomFieldEntry,
  kommo.GetLeadCustomFieldsResult,
  kommo.SearchLeadCustomFieldResult,
  kommo.GetLeadCustomFieldInfoResult,
  kommo.GetSelectFieldOptionsResult,
  kommo.GetLeadCustomFieldsMetadataResult,
  kommo.CustomFieldInput,
  kommo.UpdateLeadCustomFieldsResult,
  kommo.ListCustomFieldsOptions,
  kommo.ListCustomFieldsResult,
  kommo.GetCustomFieldResult,
  kommo.ListCustomFieldGroupsResult,
  kommo.KommoDeal,
  kommo.ListDealsFilters,
  kommo.SearchDealResult,
  kommo.ListDealsResult,
  kommo.GetDealResult,
  kommo.CreateDealData,
  kommo.UpdateDealData,
  kommo.DealWriteResult,
  kommo.LinkResult,
  kommo.GetPipelineResult,
  kommo.GetPipelineStatusesResult,
  kommo.ComplexLeadData,
  kommo.ComplexLeadsResult,
  kommo.BatchWriteResult,
  kommo.KommoTypedValue,
  kommo.SearchContactByEmailParams,
  kommo.GetContactParams,
  kommo.ListContactsFilters,
  kommo.ListCompaniesFilters,
  kommo.GetContactResult,
  kommo.ListContactsResult,
  kommo.ContactCustomFieldsResult,
  kommo.CreateContactData,
  kommo.UpdateContactData,
  kommo.ContactWriteResult,
  kommo.LinkResult,
  kommo.KommoCompany,
  kommo.SearchCompanyParams,
  kommo.GetCompanyParams,
  kommo.SearchCompanyResult,
  kommo.GetCompanyResult,
  kommo.ListCompaniesResult,
  kommo.CreateCompanyData,
  kommo.UpdateCompanyData,
  kommo.CompanyWriteResult,
  kommo.KommoCatalog,
  kommo.KommoCatalogCustomField,
  kommo.KommoCatalogElement,
  kommo.GetCatalogParams,
  kommo.SearchCatalogParams,
  kommo.ListCatalogElementsParams,
  kommo.GetCatalogElementParams,
  kommo.SearchCatalogElementParams,
  kommo.CatalogElementData,
  kommo.ListCatalogsResult,
  kommo.GetCatalogResult,
  kommo.CatalogCustomFieldsResult,
  kommo.ListCatalogElementsResult,
  kommo.GetCatalogElementResult,
  kommo.SearchCatalogElementResult,
  kommo.CatalogElementWriteResult,
  kommo.KommoLeadProduct,
  kommo.LeadProductsResult,
  kommo.LinkEntityType,
  kommo.KommoLink,
  kommo.KommoEntityLink,
  kommo.ListLinksFilters,
  kommo.ListLinksResult,
  kommo.LinkEntitiesResult,
  kommo.LinkManyResult,
  kommo.CustomFieldFilter,

  kommo.TagEntityType,
  kommo.ListTagsFilters,
  kommo.ListTagsResult,
  kommo.CreateTagsResult,
  kommo.PaginationParams,
  kommo.KommoTask,
  kommo.CreateTaskData,
  kommo.UpdateTaskData,
  kommo.GetTaskParams,
  kommo.ListTasksFilters,
  kommo.ListTasksResult,
  kommo.GetTaskResult,
  kommo.TaskWriteResult,
  kommo.BatchItemResult,
  kommo.BatchWriteResult,
  kommo.KommoNoteEntityType,
  kommo.KommoNoteType,
  kommo.KommoNote,
  kommo.GetNoteParams,
  kommo.ListNotesParams,
  kommo.ListNotesResult,
  kommo.GetNoteResult,
  kommo.CreateNoteParams,
  kommo.UpdateNoteParams,
  kommo.NoteWriteResult,
  kommo.NoteItem,
  kommo.SimpleResult,
  kommo.KommoAccount,
  kommo.KommoAccountWith,
  kommo.GetAccountResult,
  kommo.KommoUser,
  kommo.GetUserParams,
  kommo.ListUsersResult,
  kommo.GetUserResult,
  kommo.KommoEvent,
  kommo.ListEventsFilters,
  kommo.ListEventsResult,
  kommo.KommoUnsorted,
  kommo.ListUnsortedFilters,
  kommo.ListUnsortedResult,
  kommo.UnsortedActionResult,
  kommo.KommoLossReason,
  kommo.ListLossReasonsResult,
  kommo.KommoSource,
  kommo.ListSourcesResult,
  kommo.KommoValidationIssue,
  kommo.KommoValidationError,
  kommo.CustomFieldValueWrite,
  kommo.CustomFieldWrite,
  kommo.TagRef,
  kommo.LeadCreate,
  kommo.LeadUpdate,
  kommo.ContactCreate,
  kommo.ContactUpdate,
  kommo.CompanyCreate,
  kommo.CompanyUpdate,
  kommo.TaskCreate,
  kommo.TaskUpdate,
  kommo.NoteType,
  kommo.NoteCreate,
  kommo.NoteUpdate,
  kommo.ComplexLead,
  kommo.ParsedPhone,
  kommo.KommoWebhookAccount,
  kommo.KommoWebhookItem,
  kommo.KommoWebhookActions,
  kommo.KommoWebhook,
  kommo.CompanyCreateSchema,
  kommo.CompanyUpdateSchema,
  kommo.ComplexLeadSchema,
  kommo.ContactCreateSchema,
  kommo.ContactUpdateSchema,
  kommo.LeadCreateSchema,
  kommo.LeadUpdateSchema,
  kommo.NoteCreateSchema,
  kommo.NoteUpdateSchema,
  kommo.TaskCreateSchema,
  kommo.TaskUpdateSchema,
  kommo.WebhookSchema,
  kommo.Pagination,
]
