/**
 * `POST /http/{sourceId}`: Inlet's own way in, answering `200 {"accepted": N}` once the request's events
 * are durable (pipeline.ts runs the data path), beside Splunk's HTTP Event Collector (hec/route.ts). The
 * routes are registered with `parse: 'none'` so that Elysia leaves the body stream to the pipeline, and no
 * other plugin may register a global `onParse`.
 */
import { Elysia, t } from 'elysia'
import { AppError } from '../errors.ts'
import { hecRoutes } from './hec/route.ts'
import { type IngestDeps, ingestPipeline } from './pipeline.ts'

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' }

export function ingestRoute(deps: IngestDeps) {
  const pipeline = ingestPipeline(deps)

  async function handle(request: Request, id: string): Promise<Response> {
    const accepted = await pipeline.run(request, pipeline.sources.get(id), id)
    const answer = accepted === null ? { accepted: 0, duplicate: true } : { accepted }
    return new Response(JSON.stringify(answer), { headers: JSON_HEADERS })
  }

  const params = t.Object({ id: t.String({ description: 'integrationId of the source' }) })
  return new Elysia({ name: 'ingest' })
    .post('/http/:id', ({ request, params: { id } }) => handle(request, id), {
      parse: 'none',
      params,
      detail: {
        tags: ['ingest'],
        summary: 'Send events to a source',
        description:
          'Body: JSON, NDJSON, a JSON array or lines, optionally gzip/deflate/br/zstd. Answers {"accepted": N} once durable.',
        security: [],
      },
    })
    .route('ALL', '/http/:id', methodNotAllowed, { detail: { hide: true } })
    .use(hecRoutes(pipeline, deps.registry, deps.clock ?? Date.now))
}

/** RFC 9110 §15.5.6: a 405 must list the methods the resource allows. */
function methodNotAllowed({ request }: { request: Request }): never {
  throw new AppError('METHOD_NOT_ALLOWED', `${request.method} is not allowed here; use POST`, {
    headers: { allow: 'POST' },
  })
}
