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

const MIB = 1024 * 1024
export const HOUR_MS = 3_600_000

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
    api: T.Object(
      {
        body_bytes_max: T.Integer({
          default: 1_048_576,
          minimum: 1024,
          maximum: 67_108_864,
          description: 'Largest management API request body, in bytes.',
        }),
      },
      { default: {}, additionalProperties: false, description: 'The management API.' },
    ),
  },
  { additionalProperties: false },
)

export type Config = Static<typeof ConfigSchema>
