// Checking a hand-written OCPP payload before it is sent, against the schema the server serves
// (GET /api/v1/admin/ocpp-schemas/{protocol}/{action}: the one it validates with). Ajv in non-strict
// mode: OCPP's schemas carry vendor keywords (javaType, comment) that are not validation rules.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true })
addFormats(ajv)
const compiled = new WeakMap<object, ValidateFunction>()

export interface Problem {
  path: string                   // JSON pointer of the value at fault ("" = the payload itself)
  message: string
}

export interface Checked {
  payload: unknown
  problems: Problem[]
}

function describe(error: ErrorObject): Problem {
  const path = error.instancePath || ''
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'required':
      return { path: `${path}/${String(params.missingProperty)}`, message: `is required` }
    case 'additionalProperties':
      return { path: `${path}/${String(params.additionalProperty)}`, message: 'is not allowed here' }
    case 'enum':
      return { path, message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` }
    default:
      return { path, message: error.message ?? error.keyword }
  }
}

/** Parse `text` as JSON and check it against `schema`: every problem at once, JSON errors first. */
export function check(text: string, schema: object): Checked {
  let payload: unknown
  try {
    payload = JSON.parse(text)
  } catch (err) {
    return { payload: undefined, problems: [{ path: '', message: `not valid JSON: ${(err as Error).message}` }] }
  }
  let validate = compiled.get(schema)
  if (!validate) {
    validate = ajv.compile(schema)
    compiled.set(schema, validate)
  }
  if (validate(payload)) return { payload, problems: [] }
  const seen = new Set<string>()
  const problems = (validate.errors ?? []).map(describe).filter((p) => {
    const key = `${p.path} ${p.message}`
    return seen.has(key) ? false : (seen.add(key), true)
  })
  return { payload, problems }
}

type Schema = Record<string, unknown>

function resolve(node: Schema, root: Schema): Schema {
  const ref = node.$ref
  if (typeof ref === 'string' && ref.startsWith('#/')) {
    return ref.slice(2).split('/').reduce<Schema>((at, part) => (at[part] as Schema) ?? {}, root)
  }
  return node
}

/** A starting payload: every required property with a placeholder of its type (the first enum value,
 *  0, "", a nested skeleton), so the operator edits values rather than typing the structure. */
export function skeleton(schemaNode: Schema, root: Schema = schemaNode, depth = 0): unknown {
  const node = resolve(schemaNode, root)
  if (Array.isArray(node.enum)) return node.enum[0]
  if (depth > 8) return null
  switch (node.type) {
    case 'object': {
      const out: Record<string, unknown> = {}
      const properties = (node.properties ?? {}) as Record<string, Schema>
      for (const key of (node.required ?? []) as string[]) out[key] = skeleton(properties[key] ?? {}, root, depth + 1)
      return out
    }
    case 'array':
      return (node.minItems as number) > 0 ? [skeleton((node.items ?? {}) as Schema, root, depth + 1)] : []
    case 'integer':
    case 'number':
      return (node.minimum as number) ?? 0
    case 'boolean':
      return false
    case 'string':
      return node.format === 'date-time' ? new Date().toISOString() : ''
    default:
      return null
  }
}
