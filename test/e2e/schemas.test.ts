/**
 * Schemas against the running server (source tree or binary): a schema created over the API, events
 * classified on the way in, a classification failure raised as a system error, a draft inferred from a
 * source's events; then the stored events read back once the server has stopped.
 */
import { expect, test } from 'bun:test'
import { startInlet } from './server.ts'

const API_KEY = 'e2e-schemas-api-key-0001'
const headers = { 'x-api-key': API_KEY, 'content-type': 'application/json' }

test('classification and inference over HTTP', async () => {
  const inlet = await startInlet({ env: { INLET_API_KEY: API_KEY } })
  try {
    const api = async (method: string, path: string, body?: object) => {
      const response = await fetch(`${inlet.url}${path}`, {
        method,
        headers,
        body: body && JSON.stringify(body),
      })
      return { status: response.status, body: (await response.json()) as Record<string, any> }
    }
    const schema = await api('POST', '/schemas', {
      name: 'Custom.Login',
      spec: 'fields:\n  - { name: user, type: string, required: true, indicators: [username] }\n  - { name: at, type: timestamp, timeFormats: [unix], isEventTime: true }\n',
    })
    expect(schema.status).toBe(201)
    const typed = await api('POST', '/log-sources/http', {
      integrationLabel: 'typed',
      authMethod: 'None',
      logTypes: ['Custom.Login'],
    })
    const plain = await api('POST', '/log-sources/http', { integrationLabel: 'plain', authMethod: 'None' })
    const send = (id: string, body: string) => fetch(`${inlet.url}/http/${id}`, { method: 'POST', body })
    expect((await send(typed.body.integrationId, '{"user":"ann","at":1790000000}\n{"who":"?"}')).status).toBe(
      200,
    )
    expect((await send(plain.body.integrationId, '{"a":1,"b":"x"}\n{"a":2}')).status).toBe(200)

    // The failure is written as a system error within a second.
    let errors: Record<string, any>[] = []
    for (let i = 0; i < 40 && errors.length === 0; i++) {
      await Bun.sleep(100)
      errors = (await api('GET', '/system-errors')).body.results
    }
    expect(errors).toEqual([
      expect.objectContaining({
        type: 'SOURCE_CLASSIFICATION_FAILURES',
        sourceId: typed.body.integrationId,
        count: 1,
      }),
    ])

    const draft = await api('POST', `/log-sources/http/${plain.body.integrationId}/infer-schema`)
    expect(draft.status).toBe(200)
    expect(draft.body.eventsSampled).toBe(2)
    expect(draft.body.spec).toContain('name: a\n    type: bigint\n    required: true')
  } finally {
    const { code, events } = await inlet.stop()
    expect(code).toBe(0)
    const login = events.find((event) => event.user === 'ann')
    expect(login).toMatchObject({
      p_log_type: 'Custom.Login',
      at: '2026-09-21T14:13:20.000Z',
      p_event_time: '2026-09-21T14:13:20.000Z',
      p_any_usernames: ['ann'],
    })
    const failed = events.find((event) => event.who === '?')
    expect(failed?.p_classification_error).toBe("Custom.Login: required field 'user' is missing")
  }
})
