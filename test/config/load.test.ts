import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Value } from '@sinclair/typebox/value'
import { parse as parseToml } from 'smol-toml'
import { ConfigError, configKeys, loadConfig } from '../../src/config/load.ts'
import { ConfigSchema, workersMemoryAllows } from '../../src/config/schema.ts'
import { isLoopback, parseListen } from '../../src/config/serving.ts'
import { tempDir } from '../helpers.ts'

const problemsOf = (load: () => unknown): string[] => {
  try {
    load()
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('config files', () => {
  test('every file under config/ loads', () => {
    const files = readdirSync('config').filter((name) => name.endsWith('.toml'))
    expect(files.length).toBeGreaterThan(0)
    for (const name of files) expect(() => loadConfig({ file: join('config', name), env: {} })).not.toThrow()
  })

  test('config/inlet.toml documents every key, at its default', () => {
    const text = readFileSync('config/inlet.toml', 'utf8')
    const file = parseToml(text) as Record<string, unknown>
    const defaults = Value.Default(ConfigSchema, {}) as Record<string, unknown>
    for (const key of configKeys()) {
      const at = (root: Record<string, unknown>) =>
        key.path.reduce<unknown>((node, part) => (node as Record<string, unknown>)?.[part], root)
      expect({ key: key.path.join('.'), value: at(file) }).toEqual({
        key: key.path.join('.'),
        value: at(defaults),
      })
      expect(typeof key.schema.description).toBe('string')
    }
  })
})

describe('loadConfig', () => {
  test('defaults when nothing is given', () => {
    using dir = tempDir()
    const missing = join(dir.path, 'none.toml')
    writeFileSync(missing, '')
    const { config } = loadConfig({ file: missing, env: {} })
    expect(config.listen).toBe('127.0.0.1:8080')
    expect(config.data_dir).toBe('./data')
    expect(config.api.body_bytes_max).toBe(1_048_576)
  })

  test('file < environment < flags', () => {
    using dir = tempDir()
    const file = join(dir.path, 'inlet.toml')
    writeFileSync(
      file,
      'listen = "127.0.0.1:1"\ndata_dir = "/from-file"\nshutdown_grace_ms = 5\n[api]\nbody_bytes_max = 2048\n',
    )
    const { config } = loadConfig({
      file,
      env: {
        INLET_LISTEN: '127.0.0.1:2',
        INLET_SHUTDOWN_GRACE_MS: '7',
        INLET_API_BODY_BYTES_MAX: '4096',
        INLET_API_KEY: 'ignored-here',
      },
      flags: { listen: '127.0.0.1:3' },
    })
    expect(config.listen).toBe('127.0.0.1:3')
    expect(config.data_dir).toBe('/from-file')
    expect(config.shutdown_grace_ms).toBe(7)
    expect(config.api.body_bytes_max).toBe(4096)
  })

  test('a bad configuration lists every problem at once', () => {
    using dir = tempDir()
    const file = join(dir.path, 'inlet.toml')
    writeFileSync(
      file,
      'lissten = "x"\nshutdown_grace_ms = "soon"\nlog_level = "loud"\n[api]\nbody_bytes_max = 1\n',
    )
    const problems = problemsOf(() =>
      loadConfig({ file, env: { INLET_ALLOW_PLAIN_HTTP: 'maybe', INLET_NO_SUCH: '1' } }),
    )
    const text = problems.join('\n')
    expect(text).toMatch(/lissten from .*inlet\.toml: unknown setting/)
    expect(text).toContain('shutdown_grace_ms')
    expect(text).toContain('log_level')
    expect(text).toContain('api.body_bytes_max')
    expect(text).toContain('INLET_ALLOW_PLAIN_HTTP: expected true or false')
    expect(text).toContain('INLET_NO_SUCH: not a setting')
    expect(problems.length).toBeGreaterThanOrEqual(6)
  })

  test('a bad listen port is listed beside the other problems, not only once they are fixed', () => {
    const problems = problemsOf(() =>
      loadConfig({
        file: 'config/inlet.toml',
        env: { INLET_LOG_FSYNC: 'sometimes' },
        flags: { listen: '127.0.0.1:99999', shutdown_grace_ms: 'soon' },
      }),
    )
    expect(problems.some((p) => p.startsWith('log.fsync'))).toBe(true)
    expect(problems.some((p) => p.startsWith('--shutdown-grace-ms'))).toBe(true)
    expect(problems).toContain('listen: port 99999 is out of range 0..65535')
  })

  test('TOML syntax errors name the line', () => {
    using dir = tempDir()
    const file = join(dir.path, 'inlet.toml')
    writeFileSync(file, 'listen = "127.0.0.1:1"\ndata_dir = \n')
    expect(problemsOf(() => loadConfig({ file, env: {} }))[0]).toMatch(/inlet\.toml:2:\d+: not valid TOML/)
  })

  test('an unreadable config file is an error, not a silent default', () => {
    expect(problemsOf(() => loadConfig({ file: '/nonexistent/inlet.toml', env: {} }))[0]).toContain(
      'cannot be read',
    )
  })

  test('non-loopback without TLS is refused unless allow_plain_http', () => {
    const plain = problemsOf(() =>
      loadConfig({ file: 'config/inlet.toml', env: {}, flags: { listen: '0.0.0.0:8080' } }),
    )
    expect(plain[0]).toContain('not a loopback address')
    expect(() =>
      loadConfig({
        file: 'config/inlet.toml',
        env: {},
        flags: { listen: '0.0.0.0:8080', allow_plain_http: true },
      }),
    ).not.toThrow()
    expect(() =>
      loadConfig({
        file: 'config/inlet.toml',
        env: {},
        flags: { listen: '0.0.0.0:8080', tls_cert: 'c.pem', tls_key: 'k.pem' },
      }),
    ).not.toThrow()
  })

  test('trusted_proxies: comma-separated in the environment, each entry an address or range', () => {
    const { config } = loadConfig({ env: { INLET_SERVER_TRUSTED_PROXIES: '10.0.0.0/8, ::1,' }, flags: {} })
    expect(config.server.trusted_proxies).toEqual(['10.0.0.0/8', '::1'])
    const problems = problemsOf(() =>
      loadConfig({ env: { INLET_SERVER_TRUSTED_PROXIES: '10.0.0.0/8,proxy.local' }, flags: {} }),
    )
    expect(problems).toEqual([
      'server.trusted_proxies[1]: "proxy.local" is not an IPv4 or IPv6 address or CIDR range',
    ])
  })

  test('workers: an explicit count memory_max has no room for is refused; 0 is capped by it', () => {
    const { config } = loadConfig({ env: { INLET_SERVER_WORKERS: '3' }, flags: {} })
    expect(config.server.workers).toBe(3)
    expect(workersMemoryAllows(config)).toBe(3)
    const problems = problemsOf(() => loadConfig({ env: { INLET_SERVER_WORKERS: '4' }, flags: {} }))
    expect(problems).toEqual([
      'server.workers: 4 workers need more memory than ingest.memory_max leaves (room for 3); raise memory_max or lower workers',
    ])
    const roomy = loadConfig({
      env: { INLET_SERVER_WORKERS: '8', INLET_INGEST_MEMORY_MAX: String(1 << 30) },
      flags: {},
    })
    expect(workersMemoryAllows(roomy.config)).toBeGreaterThanOrEqual(8)
  })

  test('TLS needs both files; public_url must be an http(s) URL', () => {
    const problems = problemsOf(() =>
      loadConfig({ file: 'config/inlet.toml', env: {}, flags: { tls_cert: 'c.pem', public_url: 'ftp://x' } }),
    )
    expect(problems.join('\n')).toContain('tls_cert and tls_key')
    expect(problems.join('\n')).toContain('public_url')
  })

  test('ingest limits: memory_max must hold the largest request; a limit out of range names its variable', () => {
    const problems = problemsOf(() =>
      loadConfig({ env: { INLET_INGEST_REQUEST_BYTES_MAX: '10' }, flags: {} }),
    ).join('\n')
    expect(problems).toContain('ingest.request_bytes_max from INLET_INGEST_REQUEST_BYTES_MAX')
    const tight = problemsOf(() =>
      loadConfig({ env: { INLET_INGEST_MEMORY_MAX: String(256 * 1024 * 1024) }, flags: {} }),
    ).join('\n')
    expect(tight).toContain('ingest.memory_max (268435456) is less than the')
    expect(() =>
      loadConfig({
        env: {
          INLET_INGEST_MEMORY_MAX: String(256 * 1024 * 1024),
          INLET_INGEST_DECODED_BYTES_MAX: '8388608',
        },
        flags: {},
      }),
    ).not.toThrow()
  })
})

describe('listen addresses', () => {
  test.each([
    ['127.0.0.1:8080', { hostname: '127.0.0.1', port: 8080 }],
    ['[::1]:0', { hostname: '::1', port: 0 }],
    [':9000', { hostname: '0.0.0.0', port: 9000 }],
    ['localhost:1', { hostname: 'localhost', port: 1 }],
  ])('%s parses', (text, expected) => {
    expect(parseListen(text)).toEqual(expected)
  })

  test.each(['8080', '127.0.0.1', '127.0.0.1:70000', '[nothost]:1', 'a:b'])('%s is refused', (text) => {
    expect(typeof parseListen(text)).toBe('string')
  })

  test('loopback detection', () => {
    expect(['127.0.0.1', '127.9.9.9', '::1', 'localhost', 'LOCALHOST'].every(isLoopback)).toBe(true)
    expect(['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.com'].some(isLoopback)).toBe(false)
  })
})
