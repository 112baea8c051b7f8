/**
 * Starting and stopping the HTTP server. Elysia serves through Bun.serve here; this is the one place
 * that knows it, so another runtime's adapter can stand in.
 */
import type { Elysia } from 'elysia'

export interface ServeOptions {
  hostname: string
  port: number
  tls?: { cert: string; key: string }
  /** Largest request body Bun will accept at all; features enforce their own, smaller limits. */
  maxRequestBodySize: number
}

export interface RunningServer {
  /** The port actually bound (differs from the one asked for when that was 0). */
  port: number
  /** Stops accepting connections, lets in-flight requests finish for up to `graceMs`, then closes the rest. */
  stop(graceMs: number): Promise<void>
}

// biome-ignore lint/suspicious/noExplicitAny: any Elysia app, whatever its routes' types.
export function serve(app: Elysia<any, any, any, any, any, any, any>, options: ServeOptions): RunningServer {
  app.listen({
    hostname: options.hostname,
    port: options.port,
    // Elysia turns reusePort on by default, which would let a second instance silently share the port.
    reusePort: false,
    maxRequestBodySize: options.maxRequestBodySize,
    ...(options.tls ? { tls: options.tls } : {}),
  })
  const server = app.server
  if (!server?.port) throw new Error(`could not listen on ${options.hostname}:${options.port}`)
  return {
    port: server.port,
    async stop(graceMs) {
      let timer: ReturnType<typeof setTimeout> | undefined
      const drained = server.stop(false)
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs)
      })
      if ((await Promise.race([drained, deadline])) === 'timeout') await server.stop(true)
      clearTimeout(timer)
    },
  }
}

/** `fetch` for the CLI, which may talk to a server with a self-signed certificate when told to. */
export function cliFetch(url: string, init: RequestInit, options: { insecure: boolean }): Promise<Response> {
  return fetch(url, options.insecure ? { ...init, tls: { rejectUnauthorized: false } } : init)
}
