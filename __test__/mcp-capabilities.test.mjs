// MCP beyond tools with the official client: resources, resource templates, prompts,
// completions, progress notifications and cancellation, against the sandbox.
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { bin, cleanEnv } from './helpers.mjs'
import { connect } from './mcp-util.mjs'
import { stats, resetStats, ANDINA_LEAD_ID, JUAN_PEREZ_ID, ANDINA_COMPANY_ID, VENTAS_PIPELINE_ID } from './sandbox-util.mjs'

async function open(args, env = {}) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [bin, ...args], env: cleanEnv(env), stderr: 'pipe' })
  const client = new Client({ name: 'kommo-mcp-tests', version: '1.0.0' })
  await client.connect(transport)
  return client
}

const text = async (client, uri) => {
  const r = await client.readResource({ uri })
  assert.equal(r.contents.length, 1)
  assert.equal(r.contents[0].uri, uri)
  assert.equal(r.contents[0].mimeType, 'text/markdown')
  return r.contents[0].text
}

const rejects = async (promise, code, pattern) => {
  await assert.rejects(promise, (e) => {
    assert.equal(e.code, code, e.message)
    assert.match(e.message, pattern)
    return true
  })
}

describe('resources, prompts and completions over stdio (--sandbox)', () => {
  let client
  before(async () => {
    client = await open(['--sandbox'])
  })
  after(async () => {
    await client?.close()
  })

  test('initialize declares resources, prompts and completions', () => {
    const caps = client.getServerCapabilities()
    assert.ok(caps.tools && caps.resources && caps.prompts && caps.completions, JSON.stringify(caps))
  })

  test('resources/list names the account, pipelines, users and custom fields per entity', async () => {
    const { resources } = await client.listResources()
    assert.deepEqual(resources.map((r) => r.uri), [
      'kommo://account',
      'kommo://pipelines',
      'kommo://users',
      'kommo://custom-fields/leads',
      'kommo://custom-fields/contacts',
      'kommo://custom-fields/companies',
    ])
    for (const r of resources) {
      assert.equal(r.mimeType, 'text/markdown')
      assert.ok(r.title && r.description, r.uri)
    }
  })

  test('each resource reads as compact markdown with the seed data', async () => {
    const account = await text(client, 'kommo://account')
    assert.match(account, /^# Account Sandbox Kommo #31000001/)
    assert.match(account, /- Currency: COP \(\$\)/)
    assert.match(account, /- Timezone: America\/Bogota/)
    assert.match(account, /- Users: 3 \(Laura Méndez, Diego Torres, Emily Carter\)/)
    assert.match(account, /- Pipelines: 3 \(Ventas, Partners, Soporte\)/)

    const pipelines = await text(client, 'kommo://pipelines')
    assert.match(pipelines, /^# Pipelines \(3\)/)
    assert.match(pipelines, new RegExp(`Ventas #${VENTAS_PIPELINE_ID} \\(main\\): Incoming leads \\[\\d+\\] \\(incoming\\) → `))
    assert.match(pipelines, /Closed - won \[142\] \(won\) → Closed - lost \[143\] \(lost\)/)

    const users = await text(client, 'kommo://users')
    assert.match(users, /- Laura Méndez #9000001 · .*admin/)
    assert.match(users, /- Diego Torres #9000002/)

    const leadFields = await text(client, 'kommo://custom-fields/leads')
    assert.match(leadFields, /^# Custom fields of leads \(\d+\)/)
    assert.match(leadFields, /- Fuente #1000021 · select · options: .*Búsqueda orgánica \[\d+\]/)
    const contactFields = await text(client, 'kommo://custom-fields/contacts')
    assert.match(contactFields, /\(code PHONE\) · multitext/)
    const companyFields = await text(client, 'kommo://custom-fields/companies')
    assert.match(companyFields, /\(code WEB\) · url/)
    assert.ok(!`${account}${pipelines}${users}${leadFields}`.includes('{'), 'no raw JSON')
  })

  test('resource templates read a seeded lead, contact and company by id', async () => {
    const { resourceTemplates } = await client.listResourceTemplates()
    assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate), [
      'kommo://leads/{id}',
      'kommo://contacts/{id}',
      'kommo://companies/{id}',
      'kommo://custom-fields/{entity}',
    ])
    const lead = await text(client, `kommo://leads/${ANDINA_LEAD_ID}`)
    assert.match(lead, /^# Lead Implementación CRM — Andina Logística #10000001/)
    assert.match(lead, /Ventas › Negociación \[61000003\]/)
    assert.match(lead, new RegExp(`contacts #${JUAN_PEREZ_ID}`))
    assert.match(lead, /- Responsible: .+ \(user #\d+\)/)
    const contact = await text(client, `kommo://contacts/${JUAN_PEREZ_ID}`)
    assert.match(contact, /^# Contact Juan Pérez #20000001/)
    assert.match(contact, /phone \+57 300 123 4567 \(WORK\) · email juan\.perez@example\.co/)
    assert.match(contact, new RegExp(`- Leads: .*#${ANDINA_LEAD_ID}`))
    const company = await text(client, `kommo://companies/${ANDINA_COMPANY_ID}`)
    assert.match(company, /^# Company Andina Logística S\.A\.S\. #30000001/)
  })

  test('an unknown id is "resource not found", a malformed one "invalid params", an unknown URI "not found"', async () => {
    await rejects(client.readResource({ uri: 'kommo://leads/99999999' }), -32002, /no lead with this id/)
    await rejects(client.readResource({ uri: 'kommo://contacts/abc' }), -32602, /"abc" is not a contact id; use a positive integer/)
    await rejects(client.readResource({ uri: 'kommo://tasks' }), -32002, /kommo:\/\/pipelines/)
    await rejects(client.readResource({ uri: 'kommo://custom-fields/customers' }), -32002, /kommo:\/\/custom-fields\/leads/)
  })

  test('prompts/list offers the CRM prompts with their arguments', async () => {
    const { prompts } = await client.listPrompts()
    const byName = Object.fromEntries(prompts.map((p) => [p.name, p]))
    assert.deepEqual(Object.keys(byName).sort(), ['follow_ups_due_today', 'prepare_call', 'qualify_lead', 'summarize_pipeline'])
    assert.deepEqual(byName.summarize_pipeline.arguments.map((a) => [a.name, a.required]), [['pipeline', true], ['stage', false]])
    assert.deepEqual(byName.qualify_lead.arguments.map((a) => a.name), ['lead_id'])
  })

  test('prompts/get fills in the arguments, resolved ids and real tool names', async () => {
    const pipeline = await client.getPrompt({ name: 'summarize_pipeline', arguments: { pipeline: 'ventas', stage: 'negociacion' } })
    const p = pipeline.messages[0].content.text
    assert.equal(pipeline.messages[0].role, 'user')
    assert.match(p, /"Ventas" \(pipeline_id 7000001\)/)
    assert.match(p, /Focus on the stage "Negociación" \(status_id 61000003\)/)
    assert.match(p, /`kommo_list_leads` with pipeline_id=7000001, status_id=61000003, all_pages=true/)

    const call = (await client.getPrompt({ name: 'prepare_call', arguments: { contact: '+57 300 123 4567' } })).messages[0].content.text
    assert.match(call, /`kommo_search_contact_by_phone` with phone="\+57 300 123 4567"/)
    assert.match(call, /`kommo_get_leads_by_contact` with contactId=/)

    const lead = (await client.getPrompt({ name: 'qualify_lead', arguments: { lead_id: String(ANDINA_LEAD_ID) } })).messages[0].content.text
    assert.match(lead, /`kommo_get_lead` with leadId=10000001/)
    assert.match(lead, /`kommo_update_lead` with leadId=10000001/)

    const tasks = (await client.getPrompt({ name: 'follow_ups_due_today', arguments: { user: 'Diego' } })).messages[0].content.text
    assert.match(tasks, /Diego Torres \(user #9000002\)/)
    assert.match(tasks, /`kommo_list_tasks` with is_completed=false, responsible_user_id=9000002/)

    const { tools } = await client.listTools()
    const names = new Set(tools.map((t) => t.name))
    for (const t of `${p}${call}${lead}${tasks}`.match(/kommo_[a-z_]+/g)) assert.ok(names.has(t), `${t} is a listed tool`)
  })

  test('bad prompt arguments are invalid params that say what is valid', async () => {
    await rejects(client.getPrompt({ name: 'summarize_pipeline', arguments: { pipeline: 'Marketing' } }), -32602,
      /no pipeline is named "Marketing"; pipelines: Ventas \(7000001\), Partners/)
    await rejects(client.getPrompt({ name: 'qualify_lead', arguments: { lead_id: 'abc' } }), -32602, /"abc" is not a lead id/)
    await rejects(client.getPrompt({ name: 'qualify_lead', arguments: {} }), -32602, /argument lead_id is required/)
    await rejects(client.getPrompt({ name: 'nope' }), -32602, /unknown prompt "nope"; this server has: summarize_pipeline/)
  })

  test('completion/complete suggests pipeline and stage names, forgiving case and accents', async () => {
    const complete = async (name, arg, value, context) =>
      (await client.complete({ ref: { type: 'ref/prompt', name }, argument: { name: arg, value }, ...(context ? { context: { arguments: context } } : {}) })).completion
    assert.deepEqual((await complete('summarize_pipeline', 'pipeline', 'VEN')).values, ['Ventas'])
    const all = await complete('summarize_pipeline', 'pipeline', '')
    assert.deepEqual(all.values, ['Ventas', 'Partners', 'Soporte'])
    assert.equal(all.total, 3)
    assert.equal(all.hasMore, false)
    assert.deepEqual((await complete('summarize_pipeline', 'stage', 'negociacio', { pipeline: 'Ventas' })).values, ['Negociación'])
    const ventas = await complete('summarize_pipeline', 'stage', '', { pipeline: 'Ventas' })
    const every = await complete('summarize_pipeline', 'stage', '')
    assert.ok(ventas.values.includes('Contacto inicial') && !ventas.values.includes('Prospecto'), ventas.values.join())
    assert.ok(every.values.includes('Prospecto') && every.values.includes('Nuevo ticket'), 'without a pipeline: every stage')
    assert.equal(new Set(every.values).size, every.values.length, 'shared stage names appear once')
    assert.deepEqual((await complete('summarize_pipeline', 'stage', 'won', { pipeline: 'Ventas' })).values, ['Closed - won'])
    assert.deepEqual((await complete('follow_ups_due_today', 'user', 'mendez')).values, ['Laura Méndez'])
    const entity = await client.complete({ ref: { type: 'ref/resource', uri: 'kommo://custom-fields/{entity}' }, argument: { name: 'entity', value: 'co' } })
    assert.deepEqual(entity.completion.values, ['contacts', 'companies'])
  })
})

describe('progress notifications and cancellation', () => {
  let session
  before(async () => {
    session = await connect()
  })
  after(async () => {
    await session?.close()
  })

  test('an all-pages list sends one progress notification per page', async () => {
    const updates = []
    const r = await session.client.callTool(
      { name: 'kommo_list_leads', arguments: { all_pages: true, limit: 50 } },
      undefined,
      { onprogress: (p) => updates.push(p) },
    )
    assert.ok(!r.isError, r.content[0].text)
    assert.equal(r.structuredContent.leads.length, 150)
    assert.equal(r.structuredContent.has_more, false)
    assert.deepEqual(updates.map((u) => u.progress), [1, 2, 3])
    assert.equal(updates[2].total, 3)
    assert.equal(updates[2].message, 'read page 3 of 3: 150 leads so far')
  })

  test('without a progress token no progress is sent and one page is read', async () => {
    await resetStats(session.sandbox)
    const r = await session.client.callTool({ name: 'kommo_list_leads', arguments: { limit: 50 } })
    assert.equal(r.structuredContent.leads.length, 50)
    assert.equal(r.structuredContent.has_more, true)
    assert.equal((await stats(session.sandbox)).by_route['GET /api/v4/leads'], 1)
  })

  test('cancelling an all-pages list stops its page requests', async () => {
    await fetch(`${session.sandbox.baseUrl}/__sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rules: [{ kind: 'latency', latency_ms: 150, method: 'GET', path: '/api/v4/leads' }] }),
    })
    try {
      await resetStats(session.sandbox)
      const controller = new AbortController()
      const call = session.client.callTool(
        { name: 'kommo_list_leads', arguments: { all_pages: true, limit: 10 } },
        undefined,
        { signal: controller.signal, onprogress: (p) => p.progress >= 2 && controller.abort('enough') },
      )
      await assert.rejects(call)
      await new Promise((resolve) => setTimeout(resolve, 600))
      const pages = (await stats(session.sandbox)).by_route['GET /api/v4/leads']
      assert.ok(pages >= 2 && pages <= 3, `15 pages exist; ${pages} were requested`)
      // The server keeps serving after the cancellation.
      const r = await session.client.callTool({ name: 'kommo_get_lead', arguments: { leadId: ANDINA_LEAD_ID } })
      assert.ok(!r.isError)
    } finally {
      await fetch(`${session.sandbox.baseUrl}/__sandbox/faults`, { method: 'DELETE' })
    }
  })
})

describe('a read-only server', () => {
  let client
  before(async () => {
    client = await open(['--sandbox', '--read-only'])
  })
  after(async () => {
    await client?.close()
  })

  test('still serves resources, and its prompts mention no write tool', async () => {
    assert.match(await text(client, 'kommo://pipelines'), /Ventas #7000001/)
    assert.match(await text(client, `kommo://leads/${ANDINA_LEAD_ID}`), /Andina Logística/)
    const lead = (await client.getPrompt({ name: 'qualify_lead', arguments: { lead_id: '10000001' } })).messages[0].content.text
    assert.match(lead, /This server is read-only/)
    assert.doesNotMatch(lead, /kommo_update_lead|kommo_create_task|kommo_create_note/)
  })
})

describe('the default toolsets', () => {
  let client
  before(async () => {
    client = await open(['--sandbox'], { KOMMO_TOOLSETS: 'default' })
  })
  after(async () => {
    await client?.close()
  })

  test('list only the prompts whose tools are served', async () => {
    const names = (await client.listPrompts()).prompts.map((p) => p.name)
    assert.ok(names.includes('summarize_pipeline') && names.includes('prepare_call'), names.join())
    assert.ok(!names.includes('follow_ups_due_today'), 'the tasks toolset is not served')
    await rejects(client.getPrompt({ name: 'follow_ups_due_today' }), -32602, /needs kommo_list_tasks/)
  })
})
