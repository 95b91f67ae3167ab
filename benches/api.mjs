// API-level measures of kommo-mcp, against the embedded sandbox:
//
//   requests      Kommo requests per operation on a scripted workload (counted by the sandbox's
//                 GET /__sandbox/stats), cold and warm (metadata cached). Target: 1 per call where Kommo allows it.
//   result bytes  the text a tool returns vs pretty-printed raw Kommo JSON of the same records
//                 (what 0.1.x returned). Target: at least 7x smaller.
//   tools/list    bytes of the tools/list answer (target: within 10 KB for the default tool set).
//
// Usage: node benches/api.mjs [--json]. Exported as run() so benches/bench.mjs can include it.
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BIN = path.join(root, 'bin', 'kommo-mcp.js')
const addon = createRequire(import.meta.url)(path.join(root, 'index.js'))

export const TARGETS = { resultRatio: 7, toolsListBytes: 10 * 1024 }

const LEAD = 10000001 // seed: "Implementación CRM — Andina Logística"
const JUAN = 20000001 // seed: "Juan Pérez"
const VENTAS = 7000001

/**
 * `{ name, tool, args, raw }`: a tool call, and how to get the same records as the raw Kommo JSON that the
 * original package pretty-printed for the model: `raw(sdk, kommo)` gets the record ids through the SDK, then
 * the records themselves from the sandbox's HTTP API, exactly as Kommo returns them (every field, nulls and
 * `_links` included). Lists compare against the records only (`_embedded.<entity>`), not the page envelope.
 */
function workload(config) {
  const ids = (records) => records.map((r) => r.id)
  return [
    { name: 'search contact by phone', tool: 'kommo_search_contact_by_phone', args: { phone: '+57 300 123 4567' },
      raw: async (kommo) => kommo.records('contacts', ids((await addon.searchContactByPhone({ phone: '+57 300 123 4567' }, config)).contacts), 'leads') },
    { name: 'list leads (50)', tool: 'kommo_list_leads', args: { limit: 50 },
      raw: async (kommo) => kommo.records('leads', ids((await addon.listLeads({ limit: 50 }, config)).leads)) },
    { name: 'list leads in a pipeline', tool: 'kommo_list_leads', args: { pipeline_id: VENTAS, limit: 50 },
      raw: async (kommo) => kommo.records('leads', ids((await addon.listLeads({ pipeline_id: VENTAS, limit: 50 }, config)).leads)) },
    { name: 'get lead', tool: 'kommo_get_lead', args: { leadId: LEAD },
      raw: async (kommo) => kommo.get(`/api/v4/leads/${LEAD}?with=contacts`) },
    { name: 'search lead', tool: 'kommo_search_lead', args: { query: 'Andina' },
      raw: async (kommo) => kommo.records('leads', ids((await addon.searchLead({ query: 'Andina' }, config)).leads)) },
    { name: 'leads by contact', tool: 'kommo_get_leads_by_contact', args: { contactId: JUAN },
      raw: async (kommo) => kommo.records('leads', ids((await addon.getLeadsByContact(JUAN, config)).leads)) },
    { name: 'list deals (50)', tool: 'kommo_list_deals', args: { limit: 50 },
      raw: async (kommo) => kommo.records('leads', ids((await addon.listDeals({ limit: 50 }, config)).deals)) },
    { name: 'list pipelines', tool: 'kommo_list_pipelines', args: {},
      raw: async (kommo) => (await kommo.get('/api/v4/leads/pipelines'))._embedded.pipelines },
    { name: 'pipeline statuses', tool: 'kommo_get_pipeline_statuses', args: { pipelineId: VENTAS },
      raw: async (kommo) => (await kommo.get(`/api/v4/leads/pipelines/${VENTAS}/statuses`))._embedded.statuses },
    { name: 'select field options', tool: 'kommo_get_select_field_options', args: { fieldId: 1000021 },
      raw: async (kommo) => kommo.get('/api/v4/leads/custom_fields/1000021') },
    { name: 'list custom fields', tool: 'kommo_list_custom_fields', args: { entity: 'leads' },
      raw: async (kommo) => (await kommo.get('/api/v4/leads/custom_fields?limit=250'))._embedded.custom_fields },
    { name: 'update custom fields by name', tool: 'kommo_update_lead_custom_fields', args: { leadId: LEAD, fields: { Fuente: 'Referido', Unidades: 3 } } },
    { name: 'create lead with fields', tool: 'kommo_create_lead', args: { name: 'Bench', custom_fields: { Fuente: 'Evento' } } },
    { name: 'update deal stage', tool: 'kommo_update_deal', args: { dealId: LEAD, status_id: 61000004 } },
    { name: 'complex lead', tool: 'kommo_create_complex_lead', args: { name: 'Bench complex', contact_name: 'Bench', phone: '+57 300 999 0000', company_name: 'Bench Co' } },
    { name: 'batch: create 50 leads', tool: 'kommo_batch_leads',
      args: { action: 'create', items: Array.from({ length: 50 }, (_, i) => ({ name: `Bench batch ${i}`, custom_fields: { Fuente: 'Evento' } })) } },
    { name: 'list leads by custom field', tool: 'kommo_list_leads', args: { custom_fields: { Fuente: 'Evento' }, limit: 50 } },

  ]
}

/** Raw Kommo JSON straight from the sandbox's HTTP API (not through the SDK, which keeps typed fields only). */
function kommoHttp(sandbox) {
  const get = async (pathAndQuery) => {
    const res = await fetch(`${sandbox.baseUrl}${pathAndQuery}`, { headers: { authorization: `Bearer ${sandbox.accessToken}` } })
    if (!res.ok) throw new Error(`GET ${pathAndQuery}: HTTP ${res.status}`)
    return res.json()
  }
  return {
    get,
    /** The `entity` records with these ids, in this order, as one Kommo list request returns them. */
    async records(entity, idList, withParam) {
      if (idList.length === 0) return []
      const q = idList.map((id) => `filter[id][]=${id}`).join('&')
      const body = await get(`/api/v4/${entity}?${q}&limit=250${withParam ? `&with=${withParam}` : ''}`)
      const byId = new Map(body._embedded[entity].map((r) => [r.id, r]))
      const out = idList.map((id) => byId.get(id))
      if (out.some((r) => r === undefined)) throw new Error(`GET /api/v4/${entity}: some of ${idList.join(',')} missing`)
      return out
    },
  }
}

async function stats(base) {
  return (await fetch(`${base}/__sandbox/stats`)).json()
}
async function resetStats(base) {
  await fetch(`${base}/__sandbox/reset-stats`, { method: 'POST' })
}

/** Runs every measure; returns the figures. */
export async function run() {
  const sandbox = await addon.startSandbox()
  const config = { baseUrl: sandbox.baseUrl, accessToken: sandbox.accessToken }
  const env = { ...process.env, KOMMO_BASE_URL: sandbox.baseUrl, KOMMO_ACCESS_TOKEN: sandbox.accessToken }
  for (const k of Object.keys(env)) if (k.startsWith('KOMMO_') && !['KOMMO_BASE_URL', 'KOMMO_ACCESS_TOKEN'].includes(k)) delete env[k]
  // tools/list as served by default, then a client with every toolset for the workload.
  const connect = async (extra) => {
    const c = new Client({ name: 'kommo-mcp-bench', version: '1' })
    await c.connect(new StdioClientTransport({ command: process.execPath, args: [BIN], env: { ...env, ...extra }, stderr: 'pipe' }))
    return c
  }
  const defaultClient = await connect({})
  const { tools } = await defaultClient.listTools()
  await defaultClient.close()
  const toolsListBytes = Buffer.byteLength(JSON.stringify({ tools }))
  const client = await connect({ KOMMO_TOOLSETS: 'all' })
  try {
    const { tools: allTools } = await client.listTools()
    const allToolsListBytes = Buffer.byteLength(JSON.stringify({ tools: allTools }))
    const kommo = kommoHttp(sandbox)
    const rows = []
    for (const op of workload(config)) {
      const counts = []
      let text = ''
      for (let i = 0; i < 2; i++) {
        // Pass 1 is cold for this op's metadata only if nothing before loaded it; pass 2 is warm.
        await resetStats(sandbox.baseUrl)
        const r = await client.callTool({ name: op.tool, arguments: op.args })
        if (r.isError) throw new Error(`${op.tool}: ${r.content[0].text}`)
        counts.push((await stats(sandbox.baseUrl)).requests)
        text = r.content[0].text
      }
      const row = { op: op.name, tool: op.tool, requestsFirst: counts[0], requestsWarm: counts[1], textBytes: Buffer.byteLength(text) }
      if (op.raw) {
        row.rawBytes = Buffer.byteLength(JSON.stringify(await op.raw(kommo), null, 2))
        row.ratio = row.rawBytes / row.textBytes
      }
      rows.push(row)
    }
    return { toolsCount: tools.length, toolsListBytes, allToolsCount: allTools.length, allToolsListBytes, rows }
  } finally {
    await client.close()
    await sandbox.stop()
  }
}

function print(r) {
  console.log(`tools/list: ${r.toolsCount} tools, ${r.toolsListBytes} bytes (target ≤ ${TARGETS.toolsListBytes} for the default set) ${r.toolsListBytes <= TARGETS.toolsListBytes ? '✓' : '✗'}`)
  console.log(`tools/list with every toolset: ${r.allToolsCount} tools, ${r.allToolsListBytes} bytes`)

  console.log('')
  console.log('operation                        requests (first/warm)   text bytes   raw JSON bytes   ratio')
  for (const row of r.rows) {
    const ratio = row.ratio ? `${row.ratio.toFixed(1)}x ${row.ratio >= TARGETS.resultRatio ? '✓' : '✗'}` : ''
    console.log(
      `${row.op.padEnd(32)} ${`${row.requestsFirst} / ${row.requestsWarm}`.padEnd(23)} ${String(row.textBytes).padStart(10)}   ${String(row.rawBytes ?? '').padStart(14)}   ${ratio}`,
    )
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await run()
  if (process.argv.includes('--json')) console.log(JSON.stringify(r, null, 2))
  else print(r)
}
