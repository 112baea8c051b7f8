/**
 * The shapes of log sources, log schemas and system errors, as the management API speaks them
 * (Panther's camelCase names, docs/reference.md). These TypeBox schemas are the single source of the types, the request validation and the
 * OpenAPI document.
 */
import { type Static, Type as T } from '@sinclair/typebox'

export const AUTH_METHODS = ['SharedSecret', 'HMAC', 'Bearer', 'Basic', 'None'] as const
export const STREAM_TYPES = ['Auto', 'JSON', 'JsonArray', 'Lines', 'CloudWatchLogs'] as const
export const HMAC_ALGS = ['sha256', 'sha1', 'sha512'] as const
export const HMAC_SCHEMES = ['raw', 'github', 'standard-webhooks', 'stripe', 'slack'] as const

export type AuthMethod = (typeof AUTH_METHODS)[number]
export type StreamType = (typeof STREAM_TYPES)[number]
export type HmacAlg = (typeof HMAC_ALGS)[number]
export type HmacScheme = (typeof HMAC_SCHEMES)[number]

/** A string that must be one of `values`; `Unsafe` keeps the union schema but types it as `V`. */
const literals = <V extends string>(values: readonly V[], description: string) =>
  T.Unsafe<V>(
    T.Union(
      values.map((value) => T.Literal(value)),
      { description },
    ),
  )

/** Header names are RFC 9110 tokens; anything else could never arrive as a header. */
const HEADER_NAME = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"
const SECRET = { minLength: 8, maxLength: 1024 }
const NO_DATA_MINUTES = { minimum: 15, maximum: 43_200 }
/** Enough for every range GitHub, Stripe, Slack and the like publish for their webhook senders. */
const ALLOWED_CIDRS_MAX = 256

export const NoDataAlarm = T.Object(
  {
    minutesThreshold: T.Integer({
      ...NO_DATA_MINUTES,
      description: 'Minutes without events before it fires.',
    }),
  },
  { additionalProperties: false },
)

export const SourceHealth = T.Object({
  isHealthy: T.Boolean({ description: 'False while an alarm of the source is in ALARM.' }),
  lastEventReceivedAtTime: T.Union([T.String(), T.Null()], {
    description: 'When the newest event arrived; null if none ever did.',
  }),
  eventsTotal: T.Integer({ description: 'Events stored since the source was created.' }),
  bytesTotal: T.Integer({ description: 'Request body bytes accepted, as sent (compressed).' }),
  requestsTotal: T.Integer({ description: 'Ingest requests, accepted or refused.' }),
  classificationFailuresTotal: T.Integer({
    description: 'Stored events that matched none of its log types.',
  }),
  authFailuresTotal: T.Integer({ description: 'Requests refused for failing its auth.' }),
  alarms: T.Array(
    T.Object({
      type: T.Literal('SOURCE_NO_DATA'),
      state: T.Union([T.Literal('OK'), T.Literal('ALARM'), T.Literal('INSUFFICIENT_DATA')], {
        description: 'INSUFFICIENT_DATA: no event has arrived since the alarm was turned on.',
      }),
      minutesThreshold: T.Integer(),
      stateChangedAt: T.String(),
    }),
  ),
})

/** Fields the server sets; a client may send them back unchanged (GET, edit, PUT), and they are ignored. */
const ReadOnlyFields = {
  health: T.Optional(T.Unknown({ description: 'Set by the server.' })),
  integrationId: T.Optional(T.String({ description: 'Set by the server.' })),
  url: T.Optional(T.String({ description: 'Set by the server.' })),
  createdAt: T.Optional(T.String({ description: 'Set by the server.' })),
  lastModified: T.Optional(T.String({ description: 'Set by the server.' })),
  previousSecretExpiresAt: T.Optional(T.Union([T.String(), T.Null()], { description: 'Set by the server.' })),
}

export const SourceInput = T.Object(
  {
    integrationLabel: T.String({ minLength: 1, maxLength: 128, description: 'Unique name of the source.' }),
    logTypes: T.Optional(
      T.Array(T.String({ pattern: '^[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z0-9_]+)+$', maxLength: 128 }), {
        maxItems: 64,
        uniqueItems: true,
        description: 'Schema names events are classified against, e.g. Custom.MyApp; each must exist.',
      }),
    ),
    logStreamType: T.Optional(
      literals(STREAM_TYPES, 'How a request body is split into events. Default Auto.'),
    ),
    logStreamTypeOptions: T.Optional(
      T.Object(
        {
          jsonArrayEnvelopeField: T.Optional(
            T.String({
              pattern: '^[A-Za-z0-9_$@-]+(\\.[A-Za-z0-9_$@-]+)*$',
              maxLength: 256,
              description:
                'For JsonArray: dotted path of the array inside the body, e.g. Records or data.items.',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    authMethod: literals(AUTH_METHODS, 'How senders authenticate.'),
    authHeaderKey: T.Optional(
      T.String({
        pattern: HEADER_NAME,
        maxLength: 128,
        description: 'Header carrying the secret or signature.',
      }),
    ),
    authSecretValue: T.Optional(
      T.String({ ...SECRET, description: 'SharedSecret value or HMAC key; generated when absent.' }),
    ),
    authHmacAlg: T.Optional(literals(HMAC_ALGS, 'HMAC hash. Default sha256.')),
    authHmacScheme: T.Optional(literals(HMAC_SCHEMES, 'Signature scheme of the sender. Default raw.')),
    authUsername: T.Optional(
      T.String({ minLength: 1, maxLength: 256, description: 'Basic auth user name.' }),
    ),
    authPassword: T.Optional(
      T.String({ ...SECRET, description: 'Basic auth password; generated when absent.' }),
    ),
    authBearerToken: T.Optional(T.String({ ...SECRET, description: 'Bearer token; generated when absent.' })),
    noDataAlarm: T.Optional(
      T.Union([NoDataAlarm, T.Null()], {
        description: 'SOURCE_NO_DATA alarm; null turns it off. A new source has it on at 1440 minutes.',
      }),
    ),
    httpHeaders: T.Optional(
      T.Array(T.String({ pattern: HEADER_NAME, maxLength: 128 }), {
        maxItems: 32,
        description:
          'Request headers kept on each event as p_http_headers (e.g. X-GitHub-Event). Default: the HMAC ' +
          "scheme's event-type and delivery headers (github, slack, standard-webhooks), else none.",
      }),
    ),
    allowedCidrs: T.Optional(
      T.Array(T.String({ minLength: 1, maxLength: 64 }), {
        maxItems: ALLOWED_CIDRS_MAX,
        description:
          'Addresses or CIDR ranges (IPv4, IPv6) senders may connect from, e.g. 192.30.252.0/22; empty: any. ' +
          'Others get 403.',
      }),
    ),
    ...ReadOnlyFields,
  },
  { additionalProperties: false },
)
export type SourceInput = Static<typeof SourceInput>

export const RotateInput = T.Object(
  {
    graceSeconds: T.Optional(
      T.Integer({
        minimum: 0,
        maximum: 2_592_000,
        description: 'How long the old secret stays valid beside the new one (0..30 days). Default 0.',
      }),
    ),
    authSecretValue: T.Optional(
      T.String({ ...SECRET, description: 'The new secret, when the sender issues it.' }),
    ),
    authPassword: T.Optional(T.String(SECRET)),
    authBearerToken: T.Optional(T.String(SECRET)),
  },
  { additionalProperties: false },
)
export type RotateInput = Static<typeof RotateInput>

export const Source = T.Object({
  integrationId: T.String({ format: 'uuid' }),
  integrationLabel: T.String(),
  logTypes: T.Array(T.String()),
  logStreamType: literals(STREAM_TYPES, 'How a request body is split into events.'),
  logStreamTypeOptions: T.Object({ jsonArrayEnvelopeField: T.Optional(T.String()) }),
  authMethod: literals(AUTH_METHODS, 'How senders authenticate.'),
  authHeaderKey: T.Optional(T.String()),
  authHmacAlg: T.Optional(literals(HMAC_ALGS, 'HMAC hash.')),
  authHmacScheme: T.Optional(literals(HMAC_SCHEMES, 'Signature scheme.')),
  authUsername: T.Optional(T.String()),
  authSecretValue: T.Optional(
    T.String({ description: 'Only in the create, replace or rotate response that set it.' }),
  ),
  authPassword: T.Optional(T.String({ description: 'Only in the response that set it.' })),
  authBearerToken: T.Optional(T.String({ description: 'Only in the response that set it.' })),
  previousSecretExpiresAt: T.Union([T.String(), T.Null()]),
  noDataAlarm: T.Union([NoDataAlarm, T.Null()]),
  allowedCidrs: T.Array(T.String(), { description: 'Empty: senders may connect from any address.' }),
  httpHeaders: T.Array(T.String(), { description: 'Request headers kept on each event, lower case.' }),
  url: T.String(),
  createdAt: T.String(),
  lastModified: T.String(),
  health: T.Optional(SourceHealth),
})
export type Source = Static<typeof Source>

/** The secret-carrying request field of each auth method. */
export const SECRET_FIELD = {
  SharedSecret: 'authSecretValue',
  HMAC: 'authSecretValue',
  Bearer: 'authBearerToken',
  Basic: 'authPassword',
  None: null,
} as const satisfies Record<AuthMethod, keyof SourceInput | null>

export const LogSchemaInput = T.Object(
  {
    name: T.Optional(
      T.String({
        minLength: 1,
        maxLength: 128,
        description:
          'Custom. then capitalised words, e.g. Custom.MyApp or Custom.Acme.Audit. Case-sensitive.',
      }),
    ),
    description: T.Optional(
      T.String({ maxLength: 4096, description: "Default: the spec's own description." }),
    ),
    referenceURL: T.Optional(
      T.String({ maxLength: 2048, description: "Documentation of the log type. Default: the spec's own." }),
    ),
    spec: T.String({ minLength: 1, description: 'The schema as Panther custom log schema YAML.' }),
    isFieldDiscoveryEnabled: T.Optional(
      T.Boolean({
        description: "Keep fields the schema does not name. Default: the spec's fieldDiscoveryEnabled.",
      }),
    ),
    // Set by the server; a client may send them back unchanged (GET, edit, PUT), and they are ignored.
    revision: T.Optional(T.Integer({ description: 'Set by the server.' })),
    isManaged: T.Optional(T.Boolean({ description: 'Set by the server.' })),
    createdAt: T.Optional(T.String({ description: 'Set by the server.' })),
    updatedAt: T.Optional(T.String({ description: 'Set by the server.' })),
  },
  { additionalProperties: false },
)
export type LogSchemaInput = Static<typeof LogSchemaInput>

export const LogSchema = T.Object({
  name: T.String(),
  description: T.Optional(T.String()),
  referenceURL: T.Optional(T.String()),
  spec: T.String({ description: 'The YAML exactly as submitted.' }),
  isFieldDiscoveryEnabled: T.Boolean(),
  revision: T.Integer({ description: '1 when created, one more on every update.' }),
  isManaged: T.Boolean({ description: 'Always false: every schema here is a custom one.' }),
  createdAt: T.String(),
  updatedAt: T.String(),
})
export type LogSchema = Static<typeof LogSchema>

export const InferSchemaInput = T.Object(
  {
    saveAs: T.Optional(
      T.Object(
        {
          name: T.String({ minLength: 1, maxLength: 128, description: 'Name of the schema to create.' }),
          description: T.Optional(T.String({ maxLength: 4096 })),
        },
        {
          additionalProperties: false,
          description: 'Save the draft as a new schema and attach it to the source, in one call.',
        },
      ),
    ),
  },
  { additionalProperties: false },
)

export const SystemError = T.Object({
  id: T.Integer(),
  type: T.String({ description: 'SOURCE_CLASSIFICATION_FAILURES, SOURCE_NO_DATA, ...' }),
  sourceId: T.Union([T.String(), T.Null()], {
    description: 'The source it is about; null for the appliance.',
  }),
  message: T.String(),
  state: literals(['open', 'resolved'], 'open until its cause goes away.'),
  count: T.Integer({ description: 'How many times it was raised while open.' }),
  firstSeenAt: T.String(),
  lastSeenAt: T.String(),
  resolvedAt: T.Union([T.String(), T.Null()]),
})
