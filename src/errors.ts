/**
 * Operational errors: things that go wrong because of the outside world (bad input, a missing record,
 * a full disk). Each carries a stable machine-readable `code` and the HTTP `status` it maps to, so the
 * one mapping in `api/errors.ts` can answer every route alike. Programmer errors are not AppErrors: they
 * are assertions and crash loudly.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** The request field the problem is about, when there is one (`integrationLabel`, `authHeaderKey`). */
    readonly field?: string,
    /** Response headers the status needs, such as `Retry-After` (429, 503) or `WWW-Authenticate` (401). */
    readonly headers?: Record<string, string>,
  ) {
    super(message)
    this.name = 'AppError'
  }
}

export const badRequest = (message: string, field?: string) =>
  new AppError('VALIDATION_ERROR', 400, message, field)
export const unauthorized = (message = 'missing or invalid API key') =>
  new AppError('UNAUTHORIZED', 401, message)
export const notFound = (message: string) => new AppError('NOT_FOUND', 404, message)
export const conflict = (message: string, field?: string) => new AppError('CONFLICT', 409, message, field)

/** Asserts a programmer's invariant; a failure is a bug, never a user's mistake. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`)
}
