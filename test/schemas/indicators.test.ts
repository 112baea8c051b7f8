/** Indicator collection into p_any_* fields: checks, normalization, guessing, and Panther's test cases. */
import { describe, expect, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseAllDocuments, parse as parseYaml } from 'yaml'
import { fieldsOf, guessIndicators, IndicatorCollector } from '../../src/schemas/indicators.ts'
import { ByteWriter } from '../../src/schemas/json-bytes.ts'
import {
  type ElementSpec,
  type FieldSpec,
  INDICATORS,
  type Indicator,
  type SchemaSpec,
} from '../../src/schemas/model.ts'
import { PANTHER_LOGS } from '../helpers.ts'

/** The p_any_* fields that these values of one kind produce. */
function collect(kind: Indicator, ...values: string[]): Record<string, unknown> {
  const collector = new IndicatorCollector()
  for (const value of values) collector.add([kind], value)
  return collector.writeTo({})
}

describe('IndicatorCollector: each kind fills its field', () => {
  const cases: [Indicator, string, Record<string, string[]>][] = [
    ['ip', '10.0.0.1', { p_any_ip_addresses: ['10.0.0.1'] }],
    ['domain', 'example.com', { p_any_domain_names: ['example.com'] }],
    ['hostname', 'example.com', { p_any_domain_names: ['example.com'] }],
    ['hostname', '127.0.0.1', { p_any_ip_addresses: ['127.0.0.1'] }],
    ['net_addr', '1.1.1.1:63558', { p_any_ip_addresses: ['1.1.1.1'] }],
    ['url', 'http://jira.example.com', { p_any_domain_names: ['jira.example.com'] }],
    ['email', 'bird@slack.com', { p_any_emails: ['bird@slack.com'] }],
    ['username', 'NT AUTHORITY\\SYSTEM (w3wp)', { p_any_usernames: ['NT AUTHORITY\\SYSTEM (w3wp)'] }],
    ['md5', '220a8f105af5e711f99e52583209a871', { p_any_md5_hashes: ['220a8f105af5e711f99e52583209a871'] }],
    [
      'sha1',
      'c7414fd048c81361720e2d9c8d2f82faf33748b6',
      { p_any_sha1_hashes: ['c7414fd048c81361720e2d9c8d2f82faf33748b6'] },
    ],
    ['sha256', 'ab'.repeat(32), { p_any_sha256_hashes: ['ab'.repeat(32)] }],
    [
      'trace_id',
      '1-5ffd8ed7-1c9649c448649a15241ac25a',
      { p_any_trace_ids: ['1-5ffd8ed7-1c9649c448649a15241ac25a'] },
    ],
    ['aws_account_id', '111122223333', { p_any_aws_account_ids: ['111122223333'] }],
    ['aws_instance_id', 'i-0d15cd0d3example', { p_any_aws_instance_ids: ['i-0d15cd0d3example'] }],
    ['aws_tag', 'env:prod', { p_any_aws_tags: ['env:prod'] }],
    ['mac', '00:1a:2b:3c:4d:5e', { p_any_mac_addresses: ['00:1a:2b:3c:4d:5e'] }],
    ['serial_number', 'C02XK1ZJJG5J', { p_any_serial_numbers: ['C02XK1ZJJG5J'] }],
    [
      'aws_arn',
      'arn:aws:iam::123456789012:user/x',
      { p_any_aws_account_ids: ['123456789012'], p_any_aws_arns: ['arn:aws:iam::123456789012:user/x'] },
    ],
  ]
  for (const [kind, value, expected] of cases) {
    test(`${kind}: ${value}`, () => expect(collect(kind, value)).toEqual(expected))
  }

  test('every kind is handled, and writes only fields that fieldsOf names', () => {
    const samples: Record<Indicator, string> = Object.fromEntries(
      cases.map(([kind, value]) => [kind, value]),
    ) as never
    for (const kind of INDICATORS) {
      const written = Object.keys(collect(kind, samples[kind]))
      expect(written.length).toBeGreaterThan(0)
      for (const field of written) expect(fieldsOf(kind)).toContain(field)
    }
  })
})

describe('IndicatorCollector: checks and normalization', () => {
  test('IP addresses must parse; IPv6 is lowercased, IPv4 kept as written, spaces trimmed', () => {
    const good = [
      '::1',
      '::',
      '2603:10B6:5:127::10',
      '::ffff:1.2.3.4',
      '1:2:3:4:5:6:7:8',
      ' 10.0.0.1 ',
      '0.0.0.0',
    ]
    expect(collect('ip', ...good).p_any_ip_addresses).toEqual([
      '0.0.0.0',
      '10.0.0.1',
      '1:2:3:4:5:6:7:8',
      '2603:10b6:5:127::10',
      '::',
      '::1',
      '::ffff:1.2.3.4',
    ])
    // Panther stores nothing for an `ip` field holding address:port (Microsoft 365 ClientIP does).
    const bad = [
      '13.82.145.167:19388',
      '[::1]',
      'fe80::1%eth0',
      '1.2.3',
      '256.1.1.1',
      '01.2.3.4',
      '1.2.3.4.5',
    ]
    const worse = ['1:2:3:4:5:6:7:8:9', '1::2::3', ':1', '1:', '12345::', 'example.com', '-', ' ']
    expect(collect('ip', ...bad, ...worse)).toEqual({})
  })

  test('hostname and net_addr: an IP address or a domain name, port and brackets removed', () => {
    const values = [
      '[::]:3022',
      '127.0.0.1:3022',
      'Host.Example.com:443',
      '[FE80::1%eth0]',
      '::1',
      'localhost',
    ]
    expect(collect('net_addr', ...values)).toEqual({
      p_any_domain_names: ['Host.Example.com', 'localhost'],
      p_any_ip_addresses: ['127.0.0.1', '::', '::1', 'fe80::1'],
    })
    const malformed = [
      'a:b:c',
      'example.com:http',
      '[::1',
      '[::1]x',
      '[example.com]:80',
      '-',
      'two words',
      '/tmp/sock',
    ]
    expect(collect('hostname', ...malformed)).toEqual({})
  })

  test('URLs yield their host: ports, IPv6 literals and user info are removed', () => {
    const urls = [
      'http://jira.gitlap.com:8080',
      'https://user:secret@login.example.com/path?next=http://other.example',
      'https://[2001:DB8::1]:8443/x',
      'http://[fe80::1%25en0]/',
      'http://10.1.2.3/a',
      '//cdn.example.net/lib.js',
      'ftp://files.example.org',
      'http://example.com/?email=a@b.example',
      'https://xn--mnchen-3ya.de/',
    ]
    expect(collect('url', ...urls)).toEqual({
      p_any_domain_names: [
        'cdn.example.net',
        'example.com',
        'files.example.org',
        'jira.gitlap.com',
        'login.example.com',
        'münchen.de',
      ],
      p_any_ip_addresses: ['10.1.2.3', '2001:db8::1', 'fe80::1'],
    })
    const hostless = [
      '/api/v1/authn?',
      'www.example.com/path',
      'mailto:a@b.com',
      'file:///etc/passwd',
      'http://',
      '',
    ]
    expect(collect('url', ...hostless, 'http://example.com:port/', 'http://[::1/', 'ht tp://x.com')).toEqual(
      {},
    )
  })

  test('domain names lose their trailing dot and show punycode labels in Unicode', () => {
    const names = ['api.example.com.', 'xn--fa-hia.com.', 'XN--MNCHEN-3YA.de', 'foo@bar.com.']
    expect(collect('domain', ...names).p_any_domain_names).toEqual([
      'api.example.com',
      'faß.com',
      'foo@bar.com',
      'münchen.de',
    ])
    // Invalid punycode stays as written; a name without any letter or digit is a placeholder, not a name.
    expect(collect('domain', 'xn--.com', 'xn--ab-.example', 'xn--a€.io', '.', '-', '', 'a b.com')).toEqual({
      p_any_domain_names: ['xn--.com', 'xn--ab-.example', 'xn--a€.io'],
    })
  })

  test('punycode decoding agrees with the URL encoder on a range of scripts', () => {
    const names = [
      'faß.com',
      'münchen.de',
      '日本語.jp',
      'παράδειγμα.δοκιμή',
      'пример.рф',
      '例え.テスト',
      '😀.ws',
    ]
    for (const name of names) {
      const ascii = new URL(`http://${name}/`).hostname
      expect(ascii).toStartWith('xn--')
      expect(collect('domain', ascii).p_any_domain_names).toEqual([name])
    }
  })

  test('hashes must be hex of their length and are lowercased', () => {
    expect(collect('md5', 'D41D8CD98F00B204E9800998ECF8427E').p_any_md5_hashes).toEqual([
      'd41d8cd98f00b204e9800998ecf8427e',
    ])
    expect(
      collect('md5', 'd41d8cd98f00b204e9800998ecf8427', 'z41d8cd98f00b204e9800998ecf8427e', '-'),
    ).toEqual({})
    expect(collect('sha1', 'ab'.repeat(32))).toEqual({})
    expect(collect('sha256', 'c7414fd048c81361720e2d9c8d2f82faf33748b6')).toEqual({})
  })

  test('ARNs: the account id and an EC2 instance id are extracted; malformed ARNs are skipped', () => {
    const arns = [
      'arn:aws:ec2:us-east-1:123456789012:instance/i-0abc123def4567890',
      'arn:aws:s3:::bucket/AWSLogs/888888888888/x.json.gz',
      'arn:aws:lambda:us-east-1:888888888888:function:panther-log-processor',
    ]
    expect(collect('aws_arn', ...arns)).toEqual({
      p_any_aws_account_ids: ['123456789012', '888888888888'],
      p_any_aws_arns: [arns[0], arns[2], arns[1]],
      p_any_aws_instance_ids: ['i-0abc123def4567890'],
    })
    const malformed = [
      'arn:aws:s3',
      'arn:aws:iam::123456789012:',
      'arn::iam::1:x',
      'ARN:aws:iam::1:x',
      'arn:aws:a b::1:x',
    ]
    expect(collect('aws_arn', ...malformed)).toEqual({})
  })

  test('AWS account ids are 12 digits and instance ids start with i-', () => {
    expect(collect('aws_account_id', '12345678901', '1234567890123', '12345678901a', 'unknown')).toEqual({})
    expect(collect('aws_instance_id', 'i-', 'vpc-7example', 'i-1 2')).toEqual({})
  })

  test('MAC addresses are read in the usual forms and written lowercase with colons', () => {
    const macs = ['00:1A:2B:3C:4D:5E', '00-1a-2b-3c-4d-5e', '001a.2b3c.4d5e', '001A2B3C4D5F']
    expect(collect('mac', ...macs).p_any_mac_addresses).toEqual(['00:1a:2b:3c:4d:5e', '00:1a:2b:3c:4d:5f'])
    expect(collect('mac', '00:1a:2b:3c:4d', '00:1a-2b:3c:4d:5e', 'zz:1a:2b:3c:4d:5e', '001a2b3c4d5')).toEqual(
      {},
    )
  })

  test('emails need a local part, an @ and a domain, without spaces or angle brackets', () => {
    expect(collect('email', 'a@b.io', 'unknown', '@example.com', 'a@', 'John <j@x.io>', 'a b@x.io')).toEqual({
      p_any_emails: ['a@b.io'],
    })
  })

  test('free-form kinds keep values as written but skip empty and blank ones', () => {
    for (const kind of ['username', 'trace_id', 'aws_tag', 'serial_number'] as const) {
      expect(collect(kind, '', '   ', '\t')).toEqual({})
      expect(Object.values(collect(kind, ' x '))).toEqual([[' x ']])
    }
  })
})

describe('IndicatorCollector: output', () => {
  test('arrays are sorted and deduplicated, fields written in alphabetical order after existing keys', () => {
    const collector = new IndicatorCollector()
    expect(collector.empty).toBe(true)
    for (const ip of ['10.0.0.2', '10.0.0.1', '10.0.0.2']) collector.add(['ip'], ip)
    collector.add(['username'], 'bob')
    collector.add(['email', 'username'], 'alice@example.com')
    collector.add(['hostname'], '10.0.0.1')
    expect(collector.empty).toBe(false)
    const event = collector.writeTo({ user: 'bob' })
    expect(Object.keys(event)).toEqual(['user', 'p_any_emails', 'p_any_ip_addresses', 'p_any_usernames'])
    expect(event).toEqual({
      user: 'bob',
      p_any_emails: ['alice@example.com'],
      p_any_ip_addresses: ['10.0.0.1', '10.0.0.2'],
      p_any_usernames: ['alice@example.com', 'bob'],
    })
  })

  test('clear() readies the collector for the next event', () => {
    const collector = new IndicatorCollector()
    collector.add(['ip'], '10.0.0.1')
    collector.clear()
    expect(collector.empty).toBe(true)
    expect(collector.writeTo({})).toEqual({})
    collector.add(['domain'], 'example.com')
    expect(collector.writeTo({})).toEqual({ p_any_domain_names: ['example.com'] })
  })

  test('values that fail every check leave the collector empty', () => {
    const collector = new IndicatorCollector()
    collector.add(['ip', 'md5', 'aws_account_id'], 'nope')
    collector.add([], 'anything')
    expect(collector.empty).toBe(true)
  })
})

describe('fieldsOf', () => {
  test('names the p_any_* fields of each kind, sorted', () => {
    expect(fieldsOf('url')).toEqual(['p_any_domain_names', 'p_any_ip_addresses'])
    expect(fieldsOf('aws_arn')).toEqual(['p_any_aws_account_ids', 'p_any_aws_arns', 'p_any_aws_instance_ids'])
    expect(fieldsOf('mac')).toEqual(['p_any_mac_addresses'])
    for (const kind of INDICATORS) {
      const fields = fieldsOf(kind)
      expect(fields.length).toBeGreaterThan(0)
      expect([...fields].sort()).toEqual([...fields])
      for (const field of fields) expect(field).toStartWith('p_any_')
    }
  })
})

describe('guessIndicators', () => {
  const guesses: [string, Indicator[]][] = [
    ['10.0.0.1', ['ip']],
    ['2001:db8::1', ['ip']],
    ['https://x.io/a', ['url']],
    ['http://10.0.0.1:8080/health', ['url']],
    ['a@b.io', ['email']],
    ['first.last@example.co.uk', ['email']],
    ['d41d8cd98f00b204e9800998ecf8427e', ['md5']],
    ['da39a3ee5e6b4b0d3255bfef95601890afd80709', ['sha1']],
    ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', ['sha256']],
    ['arn:aws:iam::123456789012:user/x', ['aws_arn']],
    ['1-5ffd8ed7-1c9649c448649a15241ac25a', ['trace_id']],
    ['i-0abc123def4567890', ['aws_instance_id']],
    ['00:1a:2b:3c:4d:5e', ['mac']],
    ['127.0.0.1:3022', ['net_addr']],
    ['[::1]:22', ['net_addr']],
    ['api.example.com', ['domain']],
    ['ip-172-31-14-137.us-west-2.compute.internal', ['domain']],
    ['cloudtrail.amazonaws.com.', ['domain']],
  ]
  for (const [value, kinds] of guesses)
    test(`${value} → ${kinds.join(',')}`, () => expect(guessIndicators(value)).toEqual(kinds))

  const nonValues = [
    '123456789012',
    '',
    '   ',
    'hello world',
    'notes.md',
    'index.js',
    'config.yaml',
    '1.2.3',
    '3.14',
    'v1.2.3',
    '00000000000000000000000000000000',
    'abcdefabcdefabcdefabcdefabcdefab',
    '5d730bf4-8b95-11ea-8cbe-bf2eaab2e9ef',
    'arn:aws:s3',
    'mailto:a@b.io',
    'localhost',
    'John Doe',
    '-',
  ]
  test('returns [] when unsure', () => {
    for (const value of nonValues) expect([value, guessIndicators(value)]).toEqual([value, []])
  })
})

const PANTHER = PANTHER_LOGS

interface PantherCase {
  name: string
  logType: string
  result?: string
}

function loadPanther(): { schemas: Map<string, SchemaSpec>; cases: (PantherCase & { file: string })[] } {
  const schemas = new Map<string, SchemaSpec>()
  const cases: (PantherCase & { file: string })[] = []
  for (const vendor of readdirSync(PANTHER)) {
    for (const file of readdirSync(join(PANTHER, vendor)).filter((name) => name.endsWith('.yml'))) {
      const schema = parseYaml(readFileSync(join(PANTHER, vendor, file), 'utf8')) as SchemaSpec
      if (schema.schema) schemas.set(schema.schema, schema)
    }
    const testDir = join(PANTHER, vendor, 'tests')
    if (!existsSync(testDir)) continue
    for (const file of readdirSync(testDir).filter((name) => name.endsWith('_tests.yml'))) {
      for (const doc of parseAllDocuments(readFileSync(join(testDir, file), 'utf8'))) {
        const testCase = doc.toJS() as PantherCase | null
        if (testCase?.result !== undefined) cases.push({ ...testCase, file: `${vendor}/tests/${file}` })
      }
    }
  }
  return { schemas, cases }
}

/** Feeds the collector every string the schema marks with indicators, walking objects and arrays. */
function addFields(collector: IndicatorCollector, fields: FieldSpec[], event: unknown): void {
  if (event === null || typeof event !== 'object') return
  for (const field of fields) addValue(collector, field, (event as Record<string, unknown>)[field.name])
}

function addValue(collector: IndicatorCollector, field: ElementSpec, value: unknown): void {
  if (field.type === 'object') addFields(collector, field.fields ?? [], value)
  else if (field.type === 'array' && Array.isArray(value) && field.element) {
    for (const item of value) addValue(collector, field.element, item)
  } else if (field.indicators && typeof value === 'string') collector.add(field.indicators, value)
}

describe("Panther's test cases", () => {
  const { schemas, cases } = existsSync(PANTHER) ? loadPanther() : { schemas: new Map(), cases: [] }

  /**
   * Panther's native CloudTrail parser also scans the JSON of requestParameters for ARNs, and its VPC DNS
   * parser reads query_name and each answer's Rdata as host names; neither is marked in the schema.
   */
  const NATIVE_EXTRAS: Record<string, (collector: IndicatorCollector, event: any) => void> = {
    'AWS.CloudTrail': (collector, event) => {
      const context = event.requestParameters?.encryptionContext ?? {}
      for (const value of Object.values(context)) collector.add(['aws_arn'], value as string)
    },
    'AWS.VPCDns': (collector, event) => {
      collector.add(['hostname'], event.query_name)
      for (const answer of event.answers) collector.add(['hostname'], answer.Rdata)
    },
  }

  test('the stored p_any_* arrays are those collected from the schema fields marked with indicators', () => {
    expect(cases.length).toBeGreaterThan(150)
    const collector = new IndicatorCollector()
    const mismatches: string[] = []
    for (const testCase of cases) {
      const schema = schemas.get(testCase.logType)
      if (!schema) throw new Error(`no schema ${testCase.logType}`)
      const stored = JSON.parse(testCase.result!) as Record<string, unknown>
      collector.clear()
      addFields(collector, schema.fields, stored)
      NATIVE_EXTRAS[testCase.logType]?.(collector, stored)
      const expected = Object.fromEntries(
        Object.entries(stored)
          .filter(([key]) => key.startsWith('p_any_'))
          .sort(),
      )
      const got = collector.writeTo({})
      if (JSON.stringify(got) !== JSON.stringify(expected)) {
        mismatches.push(
          `${testCase.file} ${testCase.name}: ${JSON.stringify(got)} != ${JSON.stringify(expected)}`,
        )
      }
    }
    expect(mismatches).toEqual([])
  })
})

describe('IndicatorCollector.writeMembers', () => {
  test('writes the arrays as JSON members in field order, values sorted and escaped where needed', () => {
    const collector = new IndicatorCollector()
    collector.add(['username'], 'zoe "z"')
    collector.add(['ip'], '10.0.0.2')
    collector.add(['username'], 'ann')
    collector.add(['ip'], '10.0.0.1')
    collector.add(['ip'], '10.0.0.2')
    const out = new ByteWriter(8)
    out.begin()
    collector.writeMembers(out)
    expect(new TextDecoder().decode(out.piece())).toBe(
      ',"p_any_ip_addresses":["10.0.0.1","10.0.0.2"],"p_any_usernames":["ann","zoe \\"z\\""]',
    )
    expect(JSON.parse(`{"x":1${new TextDecoder().decode(out.piece())}}`)).toEqual(collector.writeTo({ x: 1 }))
  })
})
