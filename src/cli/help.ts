import { serveFlagSpecs } from './flags.ts'

export const MAIN_HELP = `inlet: HTTP (webhook) log-ingestion appliance

Usage:
  inlet serve [flags]             run the server (inlet serve --help for flags)
  inlet source <command> [flags]  manage log sources on a running server (inlet source --help)
  inlet schema <command> [flags]  manage log schemas on a running server (inlet schema --help)
  inlet search [QUERY] [flags]    search the events a running server stored (inlet search --help)
  inlet --version                 print the version
  inlet --help                    print this help

Environment:
  INLET_API_KEY   admin API key (server: use this key; CLI: authenticate with it)
  INLET_SERVER    server URL for the CLI (default http://127.0.0.1:8080)
  INLET_*         any setting of the config file, e.g. INLET_LISTEN, INLET_DATA_DIR
`

export function serveHelp(): string {
  const rows = serveFlagSpecs().map((flag) => {
    const shown = flag.boolean ? `--${flag.name}` : `--${flag.name} VALUE`
    const fallback =
      flag.defaultValue === '' || flag.defaultValue === false ? '' : ` (default ${flag.defaultValue})`
    return `  ${shown.padEnd(28)} ${flag.description}${fallback}`
  })
  return `Usage: inlet serve [flags]

Runs the server. Settings come from, in rising precedence: defaults, the config file,
INLET_* environment variables, flags.

Flags:
  ${'--config FILE'.padEnd(28)} TOML config file (default config/inlet.toml if present)
${rows.join('\n')}
  ${'--help'.padEnd(28)} print this help
`
}

export const SOURCE_HELP = `Usage: inlet source <command> [flags]

Commands:
  create --label NAME --auth METHOD [options]   create a source; prints its URL and secret (shown once)
  list                                          list sources
  show ID|LABEL                                 show one source
  delete ID|LABEL                               delete a source
  rotate ID|LABEL [--grace SECONDS] [--secret VALUE]
                                                issue a new secret; the old one stays valid for --grace

create options:
  --auth SharedSecret|HMAC|Bearer|Basic|None
  --header-key NAME        header carrying the secret or signature (SharedSecret, HMAC)
  --secret VALUE           shared secret, HMAC key, bearer token or Basic password (generated when absent)
  --hmac-alg sha256|sha1|sha512
  --hmac-scheme raw|github|standard-webhooks|stripe|slack
  --username NAME          Basic auth user name
  --stream-type Auto|JSON|JsonArray|Lines|CloudWatchLogs
  --envelope-field PATH    JsonArray: path of the array, e.g. Records
  --log-type NAME          schema to classify against (repeatable)
  --no-data-minutes N|off  SOURCE_NO_DATA alarm threshold (default 1440)
  --allowed-cidr RANGE     address or CIDR range senders may connect from (repeatable; default any)
  --http-header NAME       request header to keep on each event as p_http_headers (repeatable)

Common flags:
  --server URL     server to talk to (default $INLET_SERVER or http://127.0.0.1:8080)
  --data-dir DIR   where to find the api-key file when INLET_API_KEY is unset (default ./data)
  --insecure       accept a self-signed TLS certificate
  --json           print the API's JSON instead of text
`

export const SCHEMA_HELP = `Usage: inlet schema <command> [flags]

Commands:
  list                                          list schemas
  show NAME                                     print a schema's YAML spec under a header (name, revision,
                                                last update) written as YAML comments
  create --name NAME --file FILE [--description TEXT]
                                                create a schema, e.g. --name Custom.MyApp
  edit NAME --file FILE [--description TEXT]    replace a schema's spec: fields may be added and descriptions
                                                changed, nothing removed or retyped
  delete NAME                                   delete a schema no source names

FILE is a Panther custom log schema in YAML, or - to read it from stdin. The output of show may be
edited and given to edit: its header is left out of the spec. A refused spec is reported with the
server's message, which names the line at fault.

Examples:
  inlet schema create --name Custom.Login --file login.yaml
  inlet schema show Custom.Login > login.yaml && $EDITOR login.yaml && inlet schema edit Custom.Login -f login.yaml

Common flags:
  --server URL     server to talk to (default $INLET_SERVER or http://127.0.0.1:8080)
  --data-dir DIR   where to find the api-key file when INLET_API_KEY is unset (default ./data)
  --insecure       accept a self-signed TLS certificate
  --json           print the API's JSON instead of text
`

export const SEARCH_HELP = `Usage: inlet search [QUERY] [flags]

Searches the events stored on a running server, newest first. Without QUERY every event in the time
range matches. QUERY is one argument: quote it.
  error                          a bare word matches anywhere in the event (case-insensitive)
  'action = opened'              field = value; also !=, and > or < on numbers
  'user.name CONTAINS "ali"'     fields are dotted paths, p_* fields included; field EXISTS
  'error AND NOT (p_log_type = GitHub.Audit OR retry EXISTS)'

Flags:
  --from TIME                oldest event time to include (default 24 hours ago)
  --to TIME                  newest event time to include (default now)
  --source ID|LABEL          only this source's events
  --log-type NAME            only events classified as this log type
  --limit N                  how many events to print, 1 to 10000 (default 50)
  --format FORMAT            table, json or ndjson (default table on a terminal, ndjson otherwise)
  --all                      every matching event, however many, printed as ndjson page by page
  --count                    count the matching events instead: the total and a histogram over event time
  --interval 1m|1h|1d        --count's bucket size (default 1h); table (default) or --format json

TIME is RFC 3339 (2024-05-01T12:00:00Z), now, or a time ago: -30s, -15m, -1h, -2d, -1w.

Examples:
  inlet search --from -1h
  inlet search 'action = opened' --source 'GitHub audit' --limit 500 --format json
  inlet search --from -7d --all > week.ndjson
  inlet search 'status >= 500' --from -1d --count --interval 1h

Common flags:
  --server URL     server to talk to (default $INLET_SERVER or http://127.0.0.1:8080)
  --data-dir DIR   where to find the api-key file when INLET_API_KEY is unset (default ./data)
  --insecure       accept a self-signed TLS certificate
`
