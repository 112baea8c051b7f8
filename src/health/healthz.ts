/**
 * `GET /healthz`: no key needed, for load balancers and supervisors. It answers once the stores are
 * open; the app is only built after they are, so being able to answer is the check.
 */
import { Elysia, t } from 'elysia'
import { errorResponses } from '../openapi-docs.ts'

export const healthz = () =>
  new Elysia({ name: 'healthz' }).get('/healthz', () => ({ status: 'ok' as const }), {
    response: t.Object({ status: t.Literal('ok') }),
    detail: {
      tags: ['health'],
      summary: 'Liveness: 200 once the registry and log are open',
      security: [],
      responses: errorResponses(),
    },
  })
