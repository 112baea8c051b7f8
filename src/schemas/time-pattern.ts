/**
 * The compilers of timestamp patterns: a strftime pattern (`%Y-%m-%d %H:%M:%S`) or a Go reference layout
 * (`2006-01-02 15:04:05`) becomes a Program, a list of the matcher's ops (time-match.ts). Compiling is done
 * once per format, when a schema is compiled, never per event. It also builds the pattern that the `rfc3339`
 * format, and the `cloudflare` format for strings, read by.
 */
import {
  DAY,
  digitAt,
  EPOCH,
  HOUR,
  MINUTE,
  MONTH,
  NANOS,
  NONE,
  OFFSET,
  type Op,
  op,
  PM,
  SECOND,
  YDAY,
  YEAR,
} from './time-match.ts'

/** A compiled pattern: its ops in order, and which fields they set. */
export interface Program {
  ops: Op[]
  /** Bit `1 << field` for each field the pattern sets. */
  has: number
}

const YEAR4 = op('number', YEAR, 4, 4, 0, 9999)
const MONTH_NAME = op('month-name', MONTH)
const WEEKDAY_NAME = op('weekday-name')
const WHITESPACE = op('whitespace')
const OPTIONAL_FRACTION = op('optional-fraction', NANOS)

/** strftime directives: what each reads, or the pattern a shorthand stands for. */
const STRFTIME = new Map<string, Op | string>(
  Object.entries({
    Y: YEAR4,
    y: op('year2', YEAR, 2, 2, 0, 99),
    m: op('number', MONTH, 1, 2, 1, 12),
    b: MONTH_NAME,
    B: MONTH_NAME,
    h: MONTH_NAME,
    d: op('number', DAY, 1, 2, 1, 31),
    e: op('padded', DAY, 1, 2, 1, 31),
    j: op('number', YDAY, 1, 3, 1, 366),
    a: WEEKDAY_NAME,
    A: WEEKDAY_NAME,
    H: op('number', HOUR, 1, 2, 0, 23),
    I: op('number', HOUR, 1, 2, 0, 12),
    p: op('am-pm', PM),
    M: op('number', MINUTE, 1, 2, 0, 59),
    S: op('number', SECOND, 1, 2, 0, 60),
    f: op('fraction', NANOS, 1, 9),
    L: op('fraction', NANOS, 3, 3),
    z: op('zone', OFFSET),
    Z: op('zone-name', OFFSET),
    s: op('epoch', EPOCH),
    n: WHITESPACE,
    t: WHITESPACE,
    T: '%H:%M:%S',
    D: '%m/%d/%y',
    F: '%Y-%m-%d',
    R: '%H:%M',
  }),
)

/**
 * Go layout elements and the directives that read them, longest first where one begins another. Go's
 * two-digit elements (01, 02...) also take one digit, and its numeric zones take any numeric form or Z.
 */
const GO_ELEMENTS = (
  'January=B Jan=b Monday=A Mon=a MST=Z 2006=Y 002=j 01=m 02=d 03=I 04=M 05=S 06=y 15=H 1=m 2=d _2=e 3=I ' +
  '4=M 5=S PM=p pm=p Z07:00=z Z0700=z Z07=z -07:00=z -0700=z -07=z'
)
  .split(' ')
  .map((entry) => entry.split('=') as [string, string])

function add(program: Program, o: Op): void {
  program.ops.push(o)
  if (o.field !== NONE) program.has |= 1 << o.field
}

export function compileStrftime(pattern: string, program: Program = { ops: [], has: 0 }): Program {
  let text = ''
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] !== '%' || pattern[i + 1] === '%') {
      text += pattern[i]
      if (pattern[i] === '%') i++
      continue
    }
    const directive = pattern[++i]
    const element = directive === undefined ? undefined : STRFTIME.get(directive)
    if (element === undefined) {
      throw new Error(
        directive === undefined ? 'pattern ends with a lone %' : `unknown directive %${directive}`,
      )
    }
    if (text) add(program, op('text', NONE, 0, 0, 0, 0, text))
    text = ''
    if (typeof element === 'string') compileStrftime(element, program)
    else add(program, element)
  }
  if (text) add(program, op('text', NONE, 0, 0, 0, 0, text))
  return program
}

/** The length of a Go fraction element (`.000`, `.999`, `,000`...) at `i`, or 0 when there is none. */
function goFractionAt(layout: string, i: number): number {
  const c = layout[i + 1]
  if ((layout[i] !== '.' && layout[i] !== ',') || (c !== '0' && c !== '9')) return 0
  let j = i + 1
  while (layout[j] === c) j++
  return digitAt(layout, j) < 0 ? j - i : 0
}

export function compileGoLayout(layout: string): Program {
  const program: Program = { ops: [], has: 0 }
  let text = ''
  const flush = () => {
    for (const part of text.split(/( +)/)) {
      if (part) add(program, part[0] === ' ' ? op('spaces') : op('text', NONE, 0, 0, 0, 0, part))
    }
    text = ''
  }
  for (let i = 0; i < layout.length; ) {
    const fraction = goFractionAt(layout, i)
    // `_2006` is an underscore before the year, not `_2` (day) before `006`.
    const element = layout.startsWith('_2006', i)
      ? undefined
      : GO_ELEMENTS.find(([e]) => layout.startsWith(e, i))
    if (fraction) {
      flush()
      const digits = fraction - 1
      add(program, layout[i + 1] === '9' ? OPTIONAL_FRACTION : op('dot-fraction', NANOS, digits, digits))
      i += fraction
    } else if (element) {
      flush()
      add(program, STRFTIME.get(element[1]) as Op)
      i += element[0].length
      // Go reads a fraction after the seconds even when the layout names none.
      if (element[1] === 'S' && !goFractionAt(layout, i)) add(program, OPTIONAL_FRACTION)
    } else text += layout[i++]
  }
  flush()
  return program
}

export const RFC3339: Program = compileStrftime('%Y-%m-%d')
add(RFC3339, op('date-time'))
compileStrftime('%H:%M:%S', RFC3339)
add(RFC3339, OPTIONAL_FRACTION)
add(RFC3339, op('optional-zone', OFFSET))
