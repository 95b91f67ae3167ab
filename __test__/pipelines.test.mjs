// Pipelines: get one, search by name, statuses (no fallbacks to non-existent endpoints).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { addon } from './helpers.mjs'
import * as S from './sandbox-util.mjs'

const { startSandbox, getPipeline, searchPipelineByName, getPipelineStatuses } = addon

let sandbox
let config
before(async () => {
  sandbox = await startSandbox()
  config = { baseUrl: sandbox.baseUrl, accessToken: sandbox.accessToken }
})
after(async () => {
  await sandbox?.stop()
})

test('getPipeline returns the pipeline with its ordered stages in one request', async () => {
  await S.resetStats(sandbox)
  const r = await getPipeline({ pipelineId: S.VENTAS_PIPELINE_ID }, config)
  assert.equal(r.success, true, r.error)
  assert.equal(r.pipeline.name, 'Ventas')
  const ids = r.pipeline._embedded.statuses.map((s) => s.id)
  assert.deepEqual(ids.slice(-2), [142, 143])
  assert.equal((await S.stats(sandbox)).requests, 1)
})

test('a missing pipeline is one request and a clear failure', async () => {
  await S.resetStats(sandbox)
  const r = await getPipeline({ pipelineId: 123 }, config)
  assert.equal(r.success, false)
  assert.match(r.error, /Pipeline with ID 123 not found/)
  const s = await S.stats(sandbox)
  assert.deepEqual(Object.keys(s.by_route), ['GET /api/v4/leads/pipelines/{id}'])
  assert.throws(() => getPipeline({ id: 1 }, config), { name: 'TypeError', message: /pipelineId/ })
})

test('searchPipelineByName ignores case and accents', async () => {
  const r = await searchPipelineByName({ name: 'VENTAS' }, config)
  assert.deepEqual(r.pipelines.map((p) => p.name), ['Ventas'])
  assert.equal(r.totalFound, 1)
  const s = await searchPipelineByName({ name: 'soporté' }, config)
  assert.deepEqual(s.pipelines.map((p) => p.name), ['Soporte'])
  const none = await searchPipelineByName({ name: 'zzz' }, config)
  assert.deepEqual(none, { success: true, totalFound: 0, pipelines: [] })
  const blank = await searchPipelineByName({ name: ' ' }, config)
  assert.equal(blank.success, false)
})

test('getPipelineStatuses lists the stages in order; a missing pipeline is a failure', async () => {
  const r = await getPipelineStatuses({ pipelineId: S.VENTAS_PIPELINE_ID }, config)
  assert.equal(r.success, true, r.error)
  assert.equal(r.totalFound, r.statuses.length)
  assert.equal(r.statuses[0].name, 'Incoming leads')
  assert.ok(r.statuses.some((s) => s.id === S.NEGOCIACION_STATUS_ID))
  const missing = await getPipelineStatuses({ pipelineId: 123 }, config)
  assert.equal(missing.success, false)
  assert.deepEqual(missing.statuses, [])
})
