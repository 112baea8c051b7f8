/**
 * The one mapping from errors to responses. Every error body has the same shape, which serves both of
 * the contract's readers: `message` for Panther-style API clients and `error.code` / `error.message`
 * for webhook senders and scripts that branch on a code.
 *
 *   {"message": "...", "error": {"code": "VALIDATION_ERROR", "message": "...", "field": "authHeaderKey"}}
 */
import type { TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { Elysia, ValidationError } from 'elysia'
import { AppError, ERROR_CATALOGUE, type ErrorCode, errorBody } from '../errors.ts'
import type { Logger } from '../logger.ts'

function errorResponse(code: ErrorCode, message: string, field?: string, headers?: Record<string, string>) {
  return new Response(errorBody(code, message, field), {
    status: ERROR_CATALOGUE[code].status,
    headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
  })
}

export const errorMapping = (logger: Logger) =>
  new Elysia({ name: 'error-mapping' }).onError(
    { as: 'global' },
    function mapError({ code, error: thrown, request }) {
      // Elysia wraps whatever a body parser throws in a ParseError; ours throw AppErrors worth keeping.
      const cause = thrown instanceof Error ? thrown.cause : undefined
      const error = code === 'PARSE' && cause instanceof AppError ? cause : thrown
      if (error instanceof AppError)
        return errorResponse(error.code, error.message, error.field, error.headers)
      if (error instanceof ValidationError) {
        const { field, message } = describeValidation(error)
        return errorResponse('VALIDATION_ERROR', message, field)
      }
      if (code === 'PARSE') return errorResponse('MALFORMED_JSON', 'request body is not valid JSON')
      if (code === 'NOT_FOUND') {
        const path = new URL(request.url).pathname
        return errorResponse('NOT_FOUND', `no such endpoint: ${request.method} ${path}`)
      }
      logger.error('unhandled error', { path: new URL(request.url).pathname, error: String(error) })
      return errorResponse('INTERNAL', 'internal error')
    },
  )

interface Issue {
  path: string
  message: string
  value?: unknown
  schema?: { anyOf?: { const?: unknown; type?: string }[] }
}

/** Turns TypeBox's first complaint into a sentence that names the field, e.g. `authMethod: expected …`. */
function describeValidation(error: ValidationError): { field: string | undefined; message: string } {
  const first = deepest(error.all[0] as Issue | undefined)
  const field = first?.path.replace(/^\//, '').replaceAll('/', '.') || undefined
  const where =
    error.type === 'query' ? 'query parameter' : error.type === 'params' ? 'path parameter' : 'field'
  if (!field) return { field, message: `request ${error.type}: ${first?.message ?? 'invalid'}` }
  return { field, message: `${where} ${field}: ${describeReason(first)}` }
}

/** A nullable object (`{…} | null`) that fails is better explained by what failed inside the object. */
function deepest(issue: Issue | undefined): Issue | undefined {
  const branch = issue?.schema?.anyOf?.find((option) => option.type === 'object')
  if (!issue || !branch || typeof issue.value !== 'object' || issue.value === null) return issue
  const inner = Value.Errors(branch as TSchema, issue.value).First()
  return inner
    ? { ...inner, schema: inner.schema as Issue['schema'], path: `${issue.path}${inner.path}` }
    : issue
}

function describeReason(issue: Issue | undefined): string {
  const message = issue?.message ?? 'invalid'
  if (/unexpected property/i.test(message)) return 'unknown field'
  const choices = issue?.schema?.anyOf
    ?.map((option) => option.const)
    .filter((value) => typeof value === 'string')
  if (choices && choices.length > 0) return `must be one of ${choices.join(', ')}`
  return message.charAt(0).toLowerCase() + message.slice(1)
}
