/** The part of `splunk-logging` (which ships no types) that the HEC tests use. */
declare module 'splunk-logging' {
  interface Response {
    statusCode: number
  }
  type Callback = (error: unknown, response: Response | undefined, body: unknown) => void
  export class Logger {
    constructor(config: {
      token: string
      url?: string
      maxBatchCount?: number
      maxRetries?: number
    })
    send(
      payload: { message: unknown; severity?: string; metadata?: Record<string, string> },
      callback?: Callback,
    ): void
    flush(callback?: Callback): void
  }
}
