/**
 * The auth stage of the ingest path (docs/architecture.md, "The ingest path", stage 3). `compileVerifier` runs once per source,
 * when the source is loaded (config → verifier, as Vector's `Config.build()`): header names are
 * lower-cased, keys decoded and the scheme chosen there, so a request pays only for its own checks.
 * Header-only modes decide before the body is read; HMAC rejects early what the headers alone show and
 * decides over the raw body.
 */
import type { SourceCredentials } from '../../registry/sources.ts'
import { basicVerifier } from './basic.ts'
import { bearerVerifier } from './bearer.ts'
import { hmacVerifier } from './hmac.ts'
import { sharedSecretVerifier } from './shared-secret.ts'
import { headerOnly, type Verifier, type VerifierOptions } from './verifier.ts'

export { BASIC_CHALLENGE } from './basic.ts'
export { BEARER_CHALLENGE } from './bearer.ts'
export {
  AUTH_FAILURE_REASONS,
  type AuthFailure,
  type AuthFailureReason,
  type AuthOutcome,
  type AuthPassed,
  type HeaderFields,
  type Verifier,
  type VerifierOptions,
} from './verifier.ts'

const NONE = headerOnly(() => ({ ok: true }))

export function compileVerifier(credentials: SourceCredentials, options: VerifierOptions): Verifier {
  switch (credentials.source.authMethod) {
    case 'None':
      return NONE
    case 'SharedSecret':
      return sharedSecretVerifier(credentials, options)
    case 'Bearer':
      return bearerVerifier(credentials, options)
    case 'Basic':
      return basicVerifier(credentials, options)
    case 'HMAC':
      return hmacVerifier(credentials, options)
  }
}
