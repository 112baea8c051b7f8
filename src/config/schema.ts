/**
 * The configuration schema: the single source of truth for every setting, its type, its default and
 * its description. The loader (`load.ts`) derives the environment variable names and the validation
 * from it; `config/inlet.toml` documents the same keys and a test keeps the two in step.
 *
 * Keys are snake_case, as in the TOML file. A nested section `[log]` key `fsync` is the environment
 * variable `INLET_LOG_FSYNC`.
 */
import { type Static, Type as T } from '@sinclair/typebox'
import { EVENTLOG_DEFAULTS } from '../eventlog/index.ts'
import { EVENT_DEPTH_MAX } from '../json-depth.ts'

const MIB = 1024 * 1024
export const HOUR_MS = 3_600_000
/**
 * What `memory_max` keeps for the process itself: Bun's runtime, the code, the registry and the log's
 * index. The server idles at about 70 MiB of RSS; the rest is room for what requests hold that is not
 * counted byte by byte (objects, the allocator's slack).
 */
export const MEMORY_RESERVE_BYTES = 112 * MIB

/**
 * What each ingest worker thread takes of `memory_max` for itself beyond the first thread: its own
 * runtime heap and compiled code. Measured: 117 MiB of RSS under one-event load on one thread, 166 MiB
 * with two workers beside the main thread.
 */
export const WORKER_RESERVE_BYTES = 40 * MIB
/** The least a worker's requests may share; fewer workers are started than would leave them less. */
export const WORKER_BUDGET_MIN_BYTES = 16 * MIB

/**
 * The bytes requests in progress may share: memory_max less what the process itself needs, and less
 * what each of `workers` ingest threads needs when they serve (cluster/).
 */
export const requestMemoryBytes = (config: Config, workers = 1) =>
  config.ingest.memory_max - MEMORY_RESERVE_BYTES - (workers > 1 ? workers * WORKER_RESERVE_BYTES : 0)

/** The most ingest workers `memory_max` leaves room for, each with at least WORKER_BUDGET_MIN_BYTES. */
export const workersMemoryAllows = (config: Config) =>
  Math.max(
    1,
    Math.floor(
      (config.ingest.memory_max - MEMORY_RESERVE_BYTES) / (WORKER_RESERVE_BYTES + WORKER_BUDGET_MIN_BYTES),
    ),
  )

export const ConfigSchema = T.Object(
  {
    data_dir: T.String({
      default: './data',
      minLength: 1,
      description: 'Directory for the registry database, the event log and the keys.',
    }),
    listen: T.String({
      default: '127.0.0.1:8080',
      minLength: 1,
      description: 'Bind address as HOST:PORT ([::1]:PORT for IPv6). Port 0 picks a free port and prints it.',
    }),
    tls_cert: T.String({ default: '', description: 'PEM certificate file; with tls_key, serve HTTPS.' }),
    tls_key: T.String({ default: '', description: 'PEM private key file for tls_cert.' }),
    public_url: T.String({
      default: '',
      description:
        'Base of the source URLs shown to users (e.g. https://logs.example.com). Empty: derived from listen.',
    }),
    allow_plain_http: T.Boolean({
      default: false,
      description:
        'Allow listening on a non-loopback address without TLS (e.g. behind a TLS-terminating proxy).',
    }),
    shutdown_grace_ms: T.Integer({
      default: 10_000,
      minimum: 0,
      maximum: 600_000,
      description:
        'On SIGTERM/SIGINT, how long in-flight requests may take to finish before the server exits.',
    }),
    log_level: T.Union([T.Literal('debug'), T.Literal('info'), T.Literal('warn'), T.Literal('error')], {
      default: 'info',
      description: "The server's own log verbosity: debug, info, warn or error.",
    }),
    log_format: T.Union([T.Literal('text'), T.Literal('json')], {
      default: 'text',
      description: "The server's own log lines on stderr: text for people, json for log shippers.",
    }),
    server: T.Object(
      {
        header_bytes_max: T.Integer({
          default: 16 * 1024,
          minimum: 1024,
          maximum: MIB,
          description:
            'Largest request line and header section of any request; larger is answered 431 before the app reads it.',
        }),
        head_timeout_ms: T.Integer({
          default: 10_000,
          minimum: 100,
          // Bun's HTTP server closes a connection that has sent no complete head for about 10 s anyway.
          maximum: 10_000,
          description:
            'Time a connection has to send a complete request head, from opening or from its last answer; ' +
            'an idle keep-alive connection is closed after it too (guards against slow-header attacks). At most 10 s.',
        }),
        workers: T.Integer({
          default: 0,
          minimum: 0,
          maximum: 256,
          description:
            'Threads that serve HTTP and run the ingest path (auth, decoding, framing, classification), each ' +
            'on the same port; one log writer keeps the order, atomicity and group commit of every append. ' +
            '0 means one per core but one, which the log writer keeps, as many as memory_max leaves room for ' +
            '(each takes about 40 MiB of it); on two cores or fewer that is 1. 1 serves everything on the main thread.',
        }),
        trusted_proxies: T.Array(T.String(), {
          default: [],
          maxItems: 1000,
          description:
            'Addresses or CIDR ranges of proxies in front of Inlet. Only a connection from one of them may name ' +
            'the client with X-Forwarded-For or Forwarded; other connections are the client. As an environment ' +
            'variable: comma-separated.',
        }),
      },
      { default: {}, additionalProperties: false, description: 'Connections and the HTTP server.' },
    ),
    log: T.Object(
      {
        segment_bytes_max: T.Integer({
          default: EVENTLOG_DEFAULTS.segmentBytesMax,
          minimum: MIB,
          // Opening the log reads the active segment whole, so this bounds startup memory too.
          maximum: 256 * MIB,
          description:
            'Size at which a log segment is sealed and a new one begun; the unit of retention and search pruning.',
        }),
        fsync: T.Union([T.Literal('always'), T.Literal('interval')], {
          default: EVENTLOG_DEFAULTS.fsync,
          description:
            'always: a request is acknowledged only once its events are on disk (fdatasync). interval: acknowledged ' +
            'after the write, synced every fsync_interval_ms (a power loss can lose that much acknowledged data).',
        }),
        fsync_interval_ms: T.Integer({
          default: EVENTLOG_DEFAULTS.fsyncIntervalMs,
          minimum: 1,
          maximum: 60_000,
          description: 'With fsync = "interval": how often the log is synced to disk.',
        }),
        queue_bytes_max: T.Integer({
          default: EVENTLOG_DEFAULTS.queueBytesMax,
          minimum: MIB,
          maximum: 4096 * MIB,
          description:
            'Bytes accepted but not yet durable; past it, new requests are refused with 503 and Retry-After.',
        }),
        retention_age_hours: T.Integer({
          default: EVENTLOG_DEFAULTS.retentionAgeMs / HOUR_MS,
          minimum: 0,
          maximum: 24 * 365 * 100,
          description: 'Delete sealed segments older than this many hours. 0 keeps events forever.',
        }),
        retention_bytes_max: T.Integer({
          default: EVENTLOG_DEFAULTS.retentionBytesMax,
          minimum: 0,
          description:
            'Delete the oldest sealed segments while the log is larger than this. 0: no cap; set it below the volume size.',
        }),
        retention_check_interval_ms: T.Integer({
          default: EVENTLOG_DEFAULTS.retentionCheckIntervalMs,
          minimum: 1000,
          maximum: 86_400_000,
          description: 'How often retention runs.',
        }),
      },
      { default: {}, additionalProperties: false, description: 'The event log under <data_dir>/log.' },
    ),
    ingest: T.Object(
      {
        request_bytes_max: T.Integer({
          default: 1_048_576,
          minimum: 1024,
          maximum: 64 * MIB,
          description:
            'Largest ingest request, request line and headers included, as sent (compressed). Larger: 413.',
        }),
        decoded_bytes_max: T.Integer({
          default: 64 * MIB,
          minimum: 1024,
          maximum: 1024 * MIB,
          description:
            'Largest request body once decompressed. Larger: 413, and decoding stops at this size.',
        }),
        events_per_request_max: T.Integer({
          default: 100_000,
          minimum: 1,
          maximum: 10_000_000,
          description: 'Most events one request may carry. More: 413.',
        }),
        event_bytes_max: T.Integer({
          default: MIB,
          minimum: 64,
          maximum: 32 * MIB,
          description: 'Largest single event, in bytes of its JSON text or line. Larger: 413.',
        }),
        event_depth_max: T.Integer({
          default: EVENT_DEPTH_MAX,
          minimum: 2,
          maximum: 4096,
          description:
            'Deepest nesting of objects and arrays in one event (the event itself is level 1). Deeper: 400.',
        }),
        body_timeout_ms: T.Integer({
          default: 30_000,
          minimum: 100,
          maximum: 3_600_000,
          description:
            'Time a sender has to deliver the whole request body; slower: 408 (guards against slow senders).',
        }),
        memory_max: T.Integer({
          default: 300 * MIB,
          minimum: 128 * MIB,
          maximum: 1024 * 1024 * MIB,
          description:
            'Memory the server may use, in bytes. Past what the process itself needs (112 MiB), requests in ' +
            'progress, their garbage and the log queue share the rest; nearing it, new requests get 503 and ' +
            'Retry-After, and a request that would pass it fails with 503.',
        }),
        source_events_per_second: T.Integer({
          default: 0,
          minimum: 0,
          maximum: 100_000_000,
          description:
            'Per-source rate limit in events per second (a one-second burst allowed); past it: 429 with Retry-After. 0: no limit.',
        }),
        signature_tolerance_seconds: T.Integer({
          default: 300,
          minimum: 1,
          maximum: 86_400,
          description:
            'Timestamped HMAC schemes (standard-webhooks, stripe, slack): largest distance between the signed time and the server clock.',
        }),
        refused_log_lines_per_second: T.Integer({
          default: 10,
          minimum: 0,
          maximum: 10_000,
          description:
            'Refused ingest requests logged, one line each (source, status, code, client), at most this many a ' +
            'second (bursts of twice as many); the rest are counted in the next line. 0: none are logged.',
        }),
        retry_after_seconds: T.Integer({
          default: 1,
          minimum: 1,
          maximum: 3600,
          description: 'Retry-After sent with a 503 when the server is overloaded.',
        }),
      },
      {
        default: {},
        additionalProperties: false,
        description: 'The ingest endpoint, POST /http/{sourceId}.',
      },
    ),
    api: T.Object(
      {
        body_bytes_max: T.Integer({
          default: 1_048_576,
          minimum: 1024,
          maximum: 67_108_864,
          description: 'Largest management API request body, in bytes.',
        }),
        body_timeout_ms: T.Integer({
          default: 30_000,
          minimum: 100,
          maximum: 3_600_000,
          description: 'Time a client has to deliver a management API request body; slower: 408.',
        }),
      },
      { default: {}, additionalProperties: false, description: 'The management API.' },
    ),
    schemas: T.Object(
      {
        inference_sample_events_max: T.Integer({
          default: 10_000,
          minimum: 1,
          maximum: 1_000_000,
          description: 'Events a draft schema is inferred from, at most, per source (the first ones stored).',
        }),
        inference_interval_ms: T.Integer({
          default: 60_000,
          minimum: 0,
          maximum: 86_400_000,
          description:
            'How often sources without log types have their draft schema brought up to date in the background. 0: only on request.',
        }),
      },
      { default: {}, additionalProperties: false, description: 'Log schemas: classification and inference.' },
    ),
    health: T.Object(
      {
        counters_flush_interval_ms: T.Integer({
          default: 5000,
          minimum: 100,
          maximum: 60_000,
          description:
            'How often the per-source counters are written to the registry; a crash loses at most this much of ' +
            'the counts (never events, never the last event time).',
        }),
        alarm_check_interval_ms: T.Integer({
          default: 60_000,
          minimum: 100,
          maximum: 60_000,
          description: 'How often the SOURCE_NO_DATA alarms are evaluated (also once right after start).',
        }),
        classification_failures_quiet_minutes: T.Integer({
          default: 60,
          minimum: 1,
          maximum: 43_200,
          description:
            'A SOURCE_CLASSIFICATION_FAILURES system error is resolved after this many minutes without a new failure.',
        }),
        traffic_log_interval_ms: T.Integer({
          default: 60_000,
          minimum: 0,
          maximum: 86_400_000,
          description:
            "How often the server's log gets one line per source sent anything since the last: requests, refusals, " +
            'events and bytes. 0: never.',
        }),
        metrics_token: T.String({
          default: '',
          description:
            'A token that may read GET /metrics (Authorization: Bearer <token>) and nothing else, so a scraper ' +
            'needs no admin key. Empty: only the admin API key reads the metrics.',
        }),
      },
      {
        default: {},
        additionalProperties: false,
        description: 'Source health, the no-data alarm and the metrics.',
      },
    ),
    alerts: T.Object(
      {
        webhook_url: T.String({
          default: '',
          description:
            'Where alarm firings and clearings and other system errors are POSTed as JSON. Empty: no alerts are sent.',
        }),
        webhook_secret: T.String({
          default: '',
          description:
            'Standard Webhooks signing secret (whsec_ and base64 of 24 to 64 bytes). Empty: one is generated into ' +
            '<data_dir>/alerts-webhook-secret on first start.',
        }),
        format: T.Union([T.Literal('standard'), T.Literal('slack')], {
          default: 'standard',
          description:
            'standard: the alert as a JSON object, signed the Standard Webhooks way. slack: {"text": ...} for ' +
            'Slack, Mattermost or Teams incoming webhooks (signed too).',
        }),
        timeout_ms: T.Integer({
          default: 10_000,
          minimum: 100,
          maximum: 120_000,
          description: 'Time the receiver has to answer one delivery; slower counts as a failed attempt.',
        }),
        retry_hours: T.Integer({
          default: 24,
          minimum: 1,
          maximum: 24 * 30,
          description:
            'How long an undelivered alert is retried (exponential backoff, at most 5 minutes apart) before it is dropped.',
        }),
      },
      { default: {}, additionalProperties: false, description: 'Alert delivery to a webhook receiver.' },
    ),
    search: T.Object(
      {
        response_bytes_max: T.Integer({
          default: 16 * 1024 * 1024,
          minimum: 64 * 1024,
          maximum: 1024 * 1024 * 1024,
          description:
            'Largest page of GET /events, in bytes of events; a page stops once past it (with a cursor to go on).',
        }),
        scan_time_ms_max: T.Integer({
          default: 10_000,
          minimum: 100,
          maximum: 600_000,
          description:
            'Longest a search or count scans the log per request; a page then ends early with a cursor, a count is marked partial.',
        }),
      },
      { default: {}, additionalProperties: false, description: 'Search: GET /events and GET /events/count.' },
    ),
  },
  { additionalProperties: false },
)

export type Config = Static<typeof ConfigSchema>
