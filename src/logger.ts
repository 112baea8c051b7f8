/**
 * A small leveled logger writing one line per message to stderr: text for people at a terminal, JSON
 * lines for log shippers. Effects are injected: components take a `Logger`, tests pass `silentLogger`.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type LogFields = Record<string, unknown>

export interface Logger {
  debug(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export function createLogger(options: {
  level: LogLevel
  format: 'text' | 'json'
  write?: (line: string) => void
}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`))
  const minimum = LEVEL_RANK[options.level]
  const emit = (level: LogLevel, message: string, fields: LogFields = {}) => {
    if (LEVEL_RANK[level] < minimum) return
    const time = new Date().toISOString()
    if (options.format === 'json') {
      write(JSON.stringify({ time, level, message, ...fields }))
      return
    }
    const tail = Object.entries(fields)
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ')
    write(`${time} ${level.toUpperCase().padEnd(5)} ${message}${tail ? ` ${tail}` : ''}`)
  }
  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
  }
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} }
