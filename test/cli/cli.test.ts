import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { runCli } from '../e2e/server.ts'
import { tempDir } from '../helpers.ts'

describe('inlet command line', () => {
  test('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8'))
    expect((await runCli(['--version'])).stdout.trim()).toBe(version)
  })

  test('--help lists the commands; serve --help lists every contract flag', async () => {
    expect((await runCli(['--help'])).stdout).toContain('inlet serve')
    const serve = (await runCli(['serve', '--help'])).stdout
    for (const flag of [
      '--config',
      '--data-dir',
      '--listen',
      '--tls-cert',
      '--tls-key',
      '--public-url',
      '--allow-plain-http',
    ]) {
      expect(serve).toContain(flag)
    }
    expect((await runCli(['source', '--help'])).stdout).toContain('rotate')
  })

  test('unknown commands and flags exit 2 and name the problem', async () => {
    const command = await runCli(['frobnicate'])
    expect(command.code).toBe(2)
    expect(command.stderr).toContain('unknown command "frobnicate"')
    const flag = await runCli(['serve', '--listn', 'x'])
    expect(flag.code).toBe(2)
    expect(flag.stderr).toContain("'--listn'")
    const missing = await runCli(['serve', '--listen'])
    expect(missing.code).toBe(2)
  })

  test('a bad configuration exits 78 listing every problem', async () => {
    using dir = tempDir()
    const result = await runCli(
      ['serve', '--data-dir', dir.path, '--listen', '0.0.0.0:0', '--shutdown-grace-ms', 'soon'],
      {
        INLET_LOG_LEVEL: 'loud',
      },
    )
    expect(result.code).toBe(78)
    expect(result.stderr).toContain('INLET_LOG_LEVEL')
    expect(result.stderr).toContain('--shutdown-grace-ms')
  })

  test('a non-loopback address without TLS is refused unless --allow-plain-http', async () => {
    using dir = tempDir()
    const result = await runCli(['serve', '--data-dir', dir.path, '--listen', '0.0.0.0:0'])
    expect(result.code).toBe(78)
    expect(result.stderr).toContain('not a loopback address')
  })

  test('a server that cannot be reached is named, with where its address came from and how to set it', async () => {
    // Port 9 (discard) on loopback: nothing listens there.
    const flag = await runCli(['source', 'list', '--server', 'http://127.0.0.1:9'], {
      INLET_API_KEY: 'k'.repeat(20),
    })
    expect(flag.code).toBe(1)
    expect(flag.stderr).toContain(
      'cannot reach http://127.0.0.1:9 (from --server; set --server or INLET_SERVER',
    )
    const env = await runCli(['source', 'list'], {
      INLET_API_KEY: 'k'.repeat(20),
      INLET_SERVER: 'http://127.0.0.1:9',
    })
    expect(env.stderr).toContain('(from INLET_SERVER;')
  })

  test('source commands without a key say how to give one', async () => {
    using dir = tempDir()
    const result = await runCli(['source', 'list', '--data-dir', dir.path])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('INLET_API_KEY')
  })
})
