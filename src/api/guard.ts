/**
 * The management API's key check, shared by every API plugin: `X-API-Key` must match the admin key.
 * Body routes also check it in `readJsonBody`, before a byte of the body is read.
 */
import { unauthorized } from '../errors.ts'
import type { ApiKeyGuard } from '../registry/api-key.ts'

export const API_KEY_HEADER = 'x-api-key'

export function apiKeyCheck(apiKey: ApiKeyGuard) {
  const authorized = (request: Request) => apiKey.verify(request.headers.get(API_KEY_HEADER))
  return {
    authorized,
    requireApiKey: function requireApiKey({ request }: { request: Request }) {
      if (!authorized(request)) throw unauthorized()
    },
  }
}
