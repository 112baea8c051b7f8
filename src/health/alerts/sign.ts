/**
 * Standard Webhooks signatures (standardwebhooks.com): each delivery carries `webhook-id`,
 * `webhook-timestamp` and `webhook-signature`, so a receiver can check that it came from this appliance
 * unaltered, that it is recent (a replayed old request fails the timestamp check), and that it is not a
 * repeat (the id stays the same on every retry of one alert).
 */
import { createHmac } from 'node:crypto'
import { secretKey } from './secret.ts'

export interface SignatureHeaders {
  'webhook-id': string
  'webhook-timestamp': string
  'webhook-signature': string
}

export type Signer = (webhookId: string, timestampSeconds: number, body: string) => SignatureHeaders

/** Signs with the secret's key, decoded once: `v1,` + base64(HMAC-SHA256(key, `id.timestamp.body`)). */
export function webhookSigner(secret: string): Signer {
  const key = secretKey(secret)
  return (webhookId, timestampSeconds, body) => {
    const signature = createHmac('sha256', key)
      .update(`${webhookId}.${timestampSeconds}.${body}`)
      .digest('base64')
    return {
      'webhook-id': webhookId,
      'webhook-timestamp': String(timestampSeconds),
      'webhook-signature': `v1,${signature}`,
    }
  }
}
