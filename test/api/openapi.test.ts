/**
 * The OpenAPI document describes every route whole (a summary, a success answer, the error codes the
 * route can give, each under the status the catalogue fixes, and who may call it), the errors routes
 * really answer are among those they list, and the reference page made from the document shows every
 * route and loads nothing from anywhere but this server.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { CONTENT_SECURITY_POLICY } from '../../src/console/index.ts'
import { ERROR_CATALOGUE } from '../../src/errors.ts'
import { type TestApp, testApp } from '../helpers.ts'

let t: TestApp
let doc: any
beforeAll(async () => {
  t = await testApp()
  const response = await t.call('GET', '/openapi/json', { key: null })
  expect(response.status).toBe(200)
  doc = await response.json()
})
afterAll(() => t.close())

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

const operations = (): { path: string; method: string; operation: any }[] =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item as object).map(([method, operation]) => ({ path, method, operation })),
  )

const errorAnswers = (operation: any): [string, any][] =>
  Object.entries(operation.responses ?? {}).filter(([status]) => Number(status) >= 400)

const codesOf = (operation: any): string[] =>
  errorAnswers(operation).flatMap(([, answer]) => answer['x-error-codes'])

/** Splunk HEC's routes answer in Splunk's protocol: `{"text", "code"}`, Inlet's code in `error`. */
const isHec = (operation: any) => operation.tags?.includes('splunk hec') === true

describe('the document', () => {
  test('is OpenAPI 3.1 in shape: methods, statuses, described answers, path parameters, unique ids', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/)
    expect(doc.info).toMatchObject({ title: 'Inlet', version: expect.any(String) })
    expect(operations().length).toBeGreaterThan(20)
    const ids = new Set<string>()
    for (const { path, method, operation } of operations()) {
      const where = `${method.toUpperCase()} ${path}`
      expect(METHODS, where).toContain(method)
      expect(ids.has(operation.operationId), where).toBe(false)
      ids.add(operation.operationId)
      for (const [status, answer] of Object.entries(operation.responses ?? {})) {
        expect(status, where).toMatch(/^[1-5]\d\d$/)
        expect(typeof (answer as any).description, `${where} ${status}`).toBe('string')
      }
      for (const parameter of operation.parameters ?? []) {
        expect(['path', 'query', 'header', 'cookie'], where).toContain(parameter.in)
        if (parameter.in === 'path') expect(parameter.required, where).toBe(true)
      }
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1])
      const declared = (operation.parameters ?? [])
        .filter((p: any) => p.in === 'path')
        .map((p: any) => p.name)
      expect(declared.sort(), where).toEqual(templated.sort())
    }
  })

  test('every operation has a summary, a success answer and error answers', () => {
    for (const { path, method, operation } of operations()) {
      const where = `${method.toUpperCase()} ${path}`
      expect(operation.summary, where).toBeString()
      expect(operation.summary.length, where).toBeGreaterThan(0)
      // HEC's ack always refuses (code 14): acknowledgements are off, a 200 is durable already.
      if (path === '/services/collector/ack') continue
      expect(
        Object.keys(operation.responses ?? {}).some((status) => /^2\d\d$/.test(status)),
        where,
      ).toBe(true)
      expect(errorAnswers(operation).length, where).toBeGreaterThan(0)
    }
  })

  test("every error answer lists codes of the catalogue under the catalogue's status, with the Error body", () => {
    for (const { path, method, operation } of operations()) {
      for (const [status, answer] of errorAnswers(operation)) {
        const where = `${method.toUpperCase()} ${path} ${status}`
        expect(answer['x-error-codes'].length, where).toBeGreaterThan(0)
        for (const code of answer['x-error-codes']) {
          expect(Object.keys(ERROR_CATALOGUE), where).toContain(code)
          const catalogued: number = ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE].status
          expect(catalogued, `${where} ${code}`).toBe(Number(status))
        }
        expect(answer.content['application/json'].schema, where).toEqual({
          $ref: `#/components/schemas/${isHec(operation) ? 'HecAnswer' : 'Error'}`,
        })
      }
    }
  })

  test('ingest, Splunk HEC and healthz need no key; metrics also takes its token; the rest need the API key', () => {
    expect(doc.security).toEqual([{ apiKey: [] }])
    expect(doc.paths['/healthz'].get.security).toEqual([])
    expect(doc.paths['/http/{id}'].post.security).toEqual([])
    const metrics = doc.paths['/metrics'].get.security
    expect(metrics.some((requirement: object) => !('apiKey' in requirement))).toBe(true)
    for (const requirement of [...doc.security, ...metrics]) {
      for (const scheme of Object.keys(requirement))
        expect(doc.components.securitySchemes[scheme]).toBeDefined()
    }
    for (const { operation } of operations().filter(({ operation }) => isHec(operation))) {
      expect(operation.security).toEqual([])
    }
    const open = operations().filter(({ operation }) => operation.security !== undefined && !isHec(operation))
    expect(open.map(({ method, path }) => `${method} ${path}`).sort()).toEqual(
      ['get /healthz', 'get /metrics', 'post /http/{id}'].sort(),
    )
  })

  test('the ingest route describes its bodies, encodings and source auth', () => {
    const ingest = doc.paths['/http/{id}'].post
    expect(Object.keys(ingest.requestBody.content)).toEqual(
      expect.arrayContaining([
        'application/json',
        'application/x-ndjson',
        'text/plain',
        'application/msgpack',
      ]),
    )
    const encoding = ingest.parameters.find((parameter: any) => parameter.name === 'Content-Encoding')
    for (const coding of ['gzip', 'deflate', 'br', 'zstd']) expect(encoding.description).toContain(coding)
    for (const method of ['SharedSecret', 'HMAC', 'Bearer', 'Basic', 'None']) {
      expect(ingest.description).toContain(`\`${method}\``)
    }
  })

  test('hidden routes stay hidden', () => {
    for (const path of ['/', '/console/{file}', '/openapi', '/openapi/json', '/openapi/reference.css']) {
      expect(doc.paths[path]).toBeUndefined()
    }
  })

  test('every $ref resolves', () => {
    const refs: string[] = []
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk)
      else if (value !== null && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) {
          if (key === '$ref') refs.push(inner as string)
          else walk(inner)
        }
      }
    }
    walk(doc)
    expect(refs.length).toBeGreaterThan(0)
    for (const ref of new Set(refs)) {
      expect(ref).toStartWith('#/')
      const target = ref
        .slice(2)
        .split('/')
        .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
        .reduce((node: any, part) => node?.[part], doc)
      expect(target, ref).toBeDefined()
    }
  })
})

describe('the errors routes answer are among those they list', () => {
  const SOURCE = '0b7c2a4e-3d41-4c1f-9a57-1f1d6c2b9e10'
  test.each([
    ['GET', '/log-sources/http', '/log-sources/http', { key: null }],
    ['POST', '/log-sources/http', '/log-sources/http', { body: '{"integrationLabel": ' }],
    [
      'POST',
      '/log-sources/http',
      '/log-sources/http',
      { body: { integrationLabel: 'x', authMethod: 'Nope' } },
    ],
    ['GET', `/log-sources/http/${SOURCE}`, '/log-sources/http/{id}', {}],
    ['DELETE', `/log-sources/http/${SOURCE}`, '/log-sources/http/{id}', {}],
    ['POST', `/log-sources/http/${SOURCE}/infer-schema`, '/log-sources/http/{id}/infer-schema', { body: {} }],
    ['GET', `/log-source-alarms/${SOURCE}/SOURCE_NO_DATA`, '/log-source-alarms/{id}/{type}', {}],
    ['GET', '/schemas/Custom.Nothing', '/schemas/{name}', {}],
    ['POST', '/schemas', '/schemas', { body: { name: 'Custom.A', spec: 'fields: [' } }],
    ['GET', '/system-errors?limit=0', '/system-errors', {}],
    ['POST', '/alerts/test', '/alerts/test', {}],
    ['GET', '/events?q=(', '/events', {}],
    ['GET', '/events/count?interval=1m&from=2020-01-01', '/events/count', {}],
    ['GET', '/metrics', '/metrics', { key: null }],
    ['POST', `/http/${SOURCE}`, '/http/{id}', { key: null, body: '{}' }],
  ] as const)('%s %s', async (method, url, path, options) => {
    const response = await t.call(method, url, options)
    const { error } = (await response.json()) as { error: { code: string } }
    const operation = doc.paths[path][method.toLowerCase()]
    expect(response.status).toBe(ERROR_CATALOGUE[error.code as keyof typeof ERROR_CATALOGUE].status)
    expect(codesOf(operation)).toContain(error.code)
  })

  test('an ingest request of an unknown encoding is one', async () => {
    const { source } = t.registry.sources.create({ integrationLabel: 'open', authMethod: 'None' })
    const response = await t.call('POST', `/http/${source.id}`, {
      key: null,
      body: '{}',
      headers: { 'content-encoding': 'compress' },
    })
    expect(((await response.json()) as any).error.code).toBe('UNSUPPORTED_ENCODING')
    expect(codesOf(doc.paths['/http/{id}'].post)).toContain('UNSUPPORTED_ENCODING')
  })
})

const escaped = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll("'", '&#39;')

describe('the reference page', () => {
  let page: Response
  let html: string
  beforeAll(async () => {
    page = await t.call('GET', '/openapi', { key: null })
    html = await page.text()
  })

  test("is HTML under the console's Content-Security-Policy", () => {
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toStartWith('text/html')
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
  })

  test('shows every operation, its summary and its answers, and links every error code to its row', () => {
    for (const { path, method, operation } of operations()) {
      expect(html).toContain(`${method.toUpperCase()}</span> <code>${path}</code></h3>`)
      expect(html).toContain(`<p class="summary">${escaped(operation.summary)}</p>`)
      for (const status of Object.keys(operation.responses)) expect(html).toContain(`>${status}</td>`)
    }
    const targets = [...html.matchAll(/href="#([^"]+)"/g)].map((match) => match[1])
    for (const target of new Set(targets)) expect(html, target).toContain(`id="${target}"`)
    for (const code of Object.keys(ERROR_CATALOGUE)) expect(html).toContain(`<tr id="error-${code}">`)
  })

  test("loads nothing from elsewhere: no script, no inline style, only this server's style sheet and icon", async () => {
    expect(html).not.toMatch(/<script|<style|\sstyle=|<iframe|<object|<embed/i)
    const linked = [...html.matchAll(/\s(?:href|src|srcset|action)="([^"]*)"/g)].map((match) => match[1]!)
    for (const url of linked) expect(url, url).toMatch(/^(#|\/(?!\/))/)
    for (const url of new Set(linked.filter((url) => url.startsWith('/')))) {
      expect((await t.call('GET', url, { key: null })).status, url).toBe(200)
    }
    const css = await t.call('GET', '/openapi/reference.css', { key: null })
    expect(css.headers.get('content-type')).toStartWith('text/css')
    expect(await css.text()).not.toMatch(/url\(|@import|@font-face/i)
  })
})
