// Shared helpers for tests that count Kommo requests on the sandbox.

/** The sandbox's request counters (`GET /__sandbox/stats`, not counted itself). */
export async function stats(sandbox) {
  const r = await fetch(`${sandbox.baseUrl}/__sandbox/stats`)
  return r.json()
}

/** Zeroes the sandbox's request counters. */
export async function resetStats(sandbox) {
  await fetch(`${sandbox.baseUrl}/__sandbox/reset-stats`, { method: 'POST' })
}

/** Restores the sandbox's seed data. */
export async function resetData(sandbox) {
  await fetch(`${sandbox.baseUrl}/__sandbox/reset`, { method: 'POST' })
}

// Seed fixtures (src/sandbox/seed.rs).
export const JUAN_PEREZ_ID = 20000001
export const ANA_GOMEZ_ID = 20000005
export const ANDINA_COMPANY_ID = 30000001
export const ANDINA_LEAD_ID = 10000001
export const VENTAS_PIPELINE_ID = 7000001
export const PARTNERS_PIPELINE_ID = 7000002
export const NEGOCIACION_STATUS_ID = 61000003
export const PROPUESTA_STATUS_ID = 61000004
export const LEAD_SOURCE_FIELD_ID = 1000021
export const LEAD_PRODUCTS_FIELD_ID = 1000022
export const LEAD_UNITS_FIELD_ID = 1000023
export const LEAD_CLOSE_DATE_FIELD_ID = 1000024
export const LEAD_INVOICED_FIELD_ID = 1000025
