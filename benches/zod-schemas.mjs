// zod equivalents of the payload schemas of src/schema/kommo.rs, used as the baseline of
// benches/schemas.mjs. `build(z)` works with zod 4 and zod 3 (same API subset): strict objects,
// the same field types and limits, and the same cross-field rules (`superRefine`), written the way
// a careful zod user would.

const MAX_SAFE = Number.MAX_SAFE_INTEGER

export const NOTE_TYPES = [
  'common', 'call_in', 'call_out', 'service_message', 'extended_service_message', 'geolocation', 'sms_in',
  'sms_out', 'attachment', 'amomail_message', 'chat', 'site_visit', 'targeting_in', 'targeting_out',
  'transaction', 'message_cashier', 'invoice_paid', 'zoom_meeting', 'dropbox_attachment', 'link_followed',
  'bill_paid', 'ai_result',
]
const NOTE_TYPES_WITH_TEXT = new Set(['common', 'service_message', 'sms_in', 'sms_out'])

export function build(z) {
  const id = () => z.number().int().min(1).max(MAX_SAFE)
  const user = () => z.number().int().min(0).max(MAX_SAFE)
  const ts = user
  const count = user
  const nonEmpty = () => z.string().refine((s) => s.trim().length > 0, 'expected a non-empty string')
  const name = () => z.string().max(255)
  const anyOf = (keys, what) => (v, ctx) => {
    if (!keys.some((k) => v[k] !== undefined)) ctx.addIssue({ code: 'custom', message: `${what} needs ${keys.join(' or ')}` })
  }

  const fieldValue = z
    .object({
      value: z.union([z.string(), z.number(), z.boolean(), z.record(z.string(), z.unknown()), z.null()]).optional(),
      enum_id: id().optional(),
      enum_code: nonEmpty().optional(),
      subtype: z.string().optional(),
      enum: nonEmpty().optional(),
    })
    .strict()
    .superRefine(anyOf(['value', 'enum_id', 'enum_code'], 'custom field value'))
  const customField = z
    .object({
      field_id: id().optional(),
      field_code: nonEmpty().optional(),
      values: z.array(fieldValue).nullable(),
      field_name: z.string().optional(),
      field_type: z.string().optional(),
      is_computed: z.boolean().optional(),
    })
    .strict()
    .superRefine(anyOf(['field_id', 'field_code'], 'custom field'))
  const customFields = (maxValues) => {
    const base = z.array(customField).nullable()
    if (!maxValues) return base
    return base.superRefine((fields, ctx) => {
      const total = (fields ?? []).reduce((n, f) => n + (f.values?.length ?? 0), 0)
      if (total > maxValues) ctx.addIssue({ code: 'custom', message: `at most ${maxValues} custom field values` })
    })
  }
  const tag = z.object({ id: id().optional(), name: nonEmpty().optional(), color: z.string().optional() }).strict()
    .superRefine(anyOf(['id', 'name'], 'tag'))
  const tags = z.array(tag)
  const entityRef = z.object({ id: id(), is_main: z.boolean().optional() }).strict()
  const source = z.object({ external_id: z.unknown(), type: z.literal('widget').optional() }).strict()

  const leadBase = {
    name: name().optional(),
    price: count().optional(),
    status_id: id().optional(),
    pipeline_id: id().optional(),
    created_by: user().optional(),
    updated_by: user().optional(),
    created_at: ts().optional(),
    updated_at: ts().optional(),
    closed_at: ts().optional(),
    loss_reason_id: id().optional(),
    responsible_user_id: user().optional(),
    tags_to_add: tags.optional(),
    visitor_uid: z.string().optional(),
    request_id: z.string().optional(),
  }
  const leadCreate = z.object({
    ...leadBase,
    custom_fields_values: customFields().optional(),
    _embedded: z.object({ tags: tags.optional(), contacts: z.array(entityRef).optional(),
      companies: z.array(entityRef).optional(), source: source.optional() }).strict().optional(),
  }).strict()
  const leadUpdate = z.object({
    ...leadBase,
    id: id(),
    custom_fields_values: customFields().optional(),
    _embedded: z.object({ tags: tags.nullable().optional() }).strict().optional(),
    tags_to_delete: tags.optional(),
  }).strict()

  const partyBase = {
    name: name().optional(),
    responsible_user_id: user().optional(),
    created_by: user().optional(),
    updated_by: user().optional(),
    created_at: ts().optional(),
    updated_at: ts().optional(),
    tags_to_add: tags.optional(),
    request_id: z.string().optional(),
  }
  const tagsEmbedded = z.object({ tags: tags.optional() }).strict()
  const tagsEmbeddedUpdate = z.object({ tags: tags.nullable().optional() }).strict()
  const names = { first_name: name().optional(), last_name: name().optional() }
  const contactCreate = z.object({ ...partyBase, ...names, custom_fields_values: customFields().optional(),
    _embedded: tagsEmbedded.optional() }).strict()
  const contactUpdate = z.object({ ...partyBase, ...names, id: id(), custom_fields_values: customFields().optional(),
    _embedded: tagsEmbeddedUpdate.optional(), tags_to_delete: tags.optional() }).strict()
  const companyCreate = z.object({ ...partyBase, custom_fields_values: customFields().optional(),
    _embedded: tagsEmbedded.optional() }).strict()
  const companyUpdate = z.object({ ...partyBase, id: id(), custom_fields_values: customFields().optional(),
    _embedded: tagsEmbeddedUpdate.optional(), tags_to_delete: tags.optional() }).strict()

  const taskBase = {
    task_type_id: id().optional(),
    entity_id: id().optional(),
    entity_type: z.enum(['leads', 'contacts', 'companies', 'customers']).optional(),
    responsible_user_id: user().optional(),
    created_by: user().optional(),
    updated_by: user().optional(),
    created_at: ts().optional(),
    updated_at: ts().optional(),
    duration: count().optional(),
    is_completed: z.boolean().optional(),
    result: z.object({ text: nonEmpty() }).strict().optional(),
    request_id: z.string().optional(),
  }
  const together = (v, ctx) => {
    if ((v.entity_id === undefined) !== (v.entity_type === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give entity_id and entity_type together' })
    }
  }
  const taskCreate = z.object({ ...taskBase, text: nonEmpty(), complete_till: ts() }).strict().superRefine(together)
  const taskUpdate = z.object({ ...taskBase, id: id(), text: nonEmpty().optional(), complete_till: ts().optional() })
    .strict().superRefine(together)

  const noteParams = z.object({ text: nonEmpty().optional() }).passthrough()
  const noteText = (v, ctx) => {
    if (NOTE_TYPES_WITH_TEXT.has(v.note_type) && v.params?.text === undefined) {
      ctx.addIssue({ code: 'custom', path: ['params', 'text'], message: 'required: params.text' })
    }
  }
  const noteCreate = z.object({
    entity_id: id(),
    note_type: z.enum(NOTE_TYPES),
    params: noteParams.optional(),
    request_id: z.string().optional(),
    responsible_user_id: user().optional(),
    created_by: user().optional(),
    created_at: ts().optional(),
    is_need_to_trigger_digital_pipeline: z.boolean().optional(),
  }).strict().superRefine(noteText)
  const noteUpdate = z.object({
    id: id(),
    entity_id: id(),
    note_type: z.enum(NOTE_TYPES).optional(),
    params: noteParams.optional(),
    request_id: z.string().optional(),
    responsible_user_id: user().optional(),
    updated_by: user().optional(),
    updated_at: ts().optional(),
  }).strict().superRefine(noteText)

  const complexContact = z.object({ ...partyBase, ...names, custom_fields_values: customFields(40).optional(),
    _embedded: tagsEmbedded.optional() }).strict()
  const complexCompany = z.object({ ...partyBase, custom_fields_values: customFields(40).optional(),
    _embedded: tagsEmbedded.optional() }).strict()
  const complexLead = z.object({
    ...leadBase,
    custom_fields_values: customFields(40).optional(),
    _embedded: z.object({
      contacts: z.array(complexContact).max(1).optional(),
      companies: z.array(complexCompany).max(1).optional(),
      tags: tags.optional(),
      source: source.optional(),
      metadata: z.unknown().optional(),
    }).strict().optional(),
  }).strict()

  return {
    leadCreateSchema: leadCreate,
    leadUpdateSchema: leadUpdate,
    contactCreateSchema: contactCreate,
    contactUpdateSchema: contactUpdate,
    companyCreateSchema: companyCreate,
    companyUpdateSchema: companyUpdate,
    taskCreateSchema: taskCreate,
    taskUpdateSchema: taskUpdate,
    noteCreateSchema: noteCreate,
    noteUpdateSchema: noteUpdate,
    complexLeadSchema: complexLead,
  }
}

/** One valid and one invalid sample per schema (the invalid one has a few typical mistakes). */
export const SAMPLES = {
  leadCreateSchema: {
    valid: { name: 'Example Lead 1', created_by: 8375357, price: 20000, status_id: 58141807, pipeline_id: 6950551,
      custom_fields_values: [{ field_id: 184994, values: [{ value: true }] }], _embedded: { tags: [{ name: 'web' }], contacts: [{ id: 20000001 }] } },
    invalid: { name: 'Example Lead 1', price: '20000', status_id: 0, custom_fields_values: [{ values: [{ value: true }] }] },
  },
  leadUpdateSchema: {
    valid: { id: 152464, name: 'Lead with Sam', price: 12000, status_id: 58141811,
      custom_fields_values: [{ field_id: 184994, values: [{ value: true }] }] },
    invalid: { name: 'Lead with Sam', price: -5 },
  },
  contactCreateSchema: {
    valid: { first_name: 'Peter', last_name: 'Parker', responsible_user_id: 8375357,
      custom_fields_values: [{ field_code: 'PHONE', values: [{ value: '+19651796214', enum_code: 'WORK' }] },
        { field_code: 'EMAIL', values: [{ value: 'peter@example.com', enum_code: 'WORK' }] }] },
    invalid: { first_name: 'Peter', lastName: 'Parker', custom_fields_values: [{ field_code: 'PHONE', values: [{ value: ['+1'] }] }] },
  },
  contactUpdateSchema: {
    valid: { id: 963408, name: 'Jane Doe', custom_fields_values: [{ field_id: 178382, values: null }] },
    invalid: { id: '963408', name: 'Jane Doe' },
  },
  companyCreateSchema: {
    valid: { name: 'Kommo', responsible_user_id: 8375357, custom_fields_values: [{ field_code: 'PHONE', values: [{ value: '123213' }] }] },
    invalid: { name: 42, responsible_user_id: 1.5 },
  },
  companyUpdateSchema: {
    valid: { id: 406320, name: 'Kommo Inc', tags_to_add: [{ name: 'vip' }] },
    invalid: { id: 406320, tags_to_add: [{}] },
  },
  taskCreateSchema: {
    valid: { task_type_id: 1, text: 'Meeting with the client', complete_till: 1588885140, entity_id: 9785993,
      entity_type: 'leads', request_id: 'example' },
    invalid: { text: '', entity_id: 9785993, entity_type: 'deals' },
  },
  taskUpdateSchema: {
    valid: { id: 4745251, is_completed: true, result: { text: 'Reached the client' } },
    invalid: { is_completed: 'yes' },
  },
  noteCreateSchema: {
    valid: { entity_id: 1234567, note_type: 'common', params: { text: 'Called the client' } },
    invalid: { entity_id: 1234567, note_type: 'common', text: 'Called the client' },
  },
  noteUpdateSchema: {
    valid: { id: 42, entity_id: 1234567, params: { text: 'Edited' } },
    invalid: { id: 42, note_type: 'memo' },
  },
  complexLeadSchema: {
    valid: { name: 'New lead 1', price: 2222, created_at: 1668784001, responsible_user_id: 8375357, status_id: 49366079,
      pipeline_id: 5597036, request_id: '1',
      _embedded: { contacts: [{ first_name: 'Adam', created_at: 1668784888, responsible_user_id: 8375357, updated_by: 0,
        custom_fields_values: [{ field_id: 562166, field_name: 'Phone', values: [{ value: '0965423364', enum_code: 'WORK' }] }] }],
      companies: [{ name: 'Kommo' }] } },
    invalid: { name: 'New lead 1', _embedded: { contacts: [{ first_name: 'Adam' }, { first_name: 'Eve' }] } },
  },
}
