// Label specs: the only future-looking column of an export. A spec is text (CLI flag, workflow input) parsed into
// SQL over future closes of the same symbol; user expressions go through a tiny grammar, never into SQL verbatim.
import { InputError } from '../contracts/errors';

/**
 * `fwd_return:N` close[t+N] / close[t] − 1; `direction:N` 1 when that return is > 0, else 0;
 * `expr:<expression>` over `close[k]` (k = bars ahead, 0 = the row's own bar), numbers, + − * /, parentheses and
 * ln, abs, sign, min, max — e.g. `expr:ln(close[10]/close[0])`. Closes are split/dividend adjusted.
 */
export interface LabelSpec {
  text: string;
  kind: 'fwd_return' | 'direction' | 'expr';
  /** Furthest bar ahead the label reads: rows within this many bars of the end have no label. Also the embargo. */
  horizon: number;
  column: string;
  /** Parquet/JSON type of the label column. */
  type: 'double' | 'int';
  /** SQL over `close_ahead_<k>` columns (k = 0..horizon) that the query provides. */
  sql: string;
  /** The offsets k the SQL reads. */
  offsets: number[];
}

const MAX_HORIZON = 252;
const closeAt = (k: number) => `close_ahead_${k}`;

function horizonOf(raw: string, text: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_HORIZON) {
    throw new InputError(`horizon must be an integer in 1..${MAX_HORIZON} (got "${raw}" in "${text}")`, 'label');
  }
  return n;
}

const FUNCTIONS: Record<string, { args: number; sql: (a: string[]) => string }> = {
  ln: { args: 1, sql: ([a]) => `CASE WHEN (${a}) > 0 THEN ln(${a}) END` },
  abs: { args: 1, sql: ([a]) => `abs(${a})` },
  sign: { args: 1, sql: ([a]) => `sign(${a})` },
  min: { args: 2, sql: ([a, b]) => `least(${a}, ${b})` },
  max: { args: 2, sql: ([a, b]) => `greatest(${a}, ${b})` },
};

/** Recursive-descent parser of the expression grammar, emitting SQL; every token is checked, so nothing else gets in. */
function compileExpression(source: string, text: string): { sql: string; offsets: number[] } {
  const tokens = source.match(/\s*(\d+(?:\.\d+)?(?:e[+-]?\d+)?|[a-z_]+|[()[\],+\-*/])\s*/gy);
  if (!tokens || tokens.join('').length !== source.length) throw new InputError(`cannot read expression "${source}" (in "${text}")`, 'label');
  const t = tokens.map((s) => s.trim());
  const offsets = new Set<number>();
  let i = 0;
  const fail = (what: string): never => {
    throw new InputError(`${what} at token ${i + 1} ("${t[i] ?? 'end'}") of expression "${source}"`, 'label');
  };
  const expect = (tok: string) => (t[i] === tok ? i++ : fail(`expected "${tok}"`));
  const primary = (): string => {
    const tok = t[i];
    if (tok === undefined) return fail('unexpected end');
    if (/^\d/.test(tok)) return i++, `${tok}::float8`;
    if (tok === '(') {
      i++;
      const e = sum();
      expect(')');
      return `(${e})`;
    }
    if (tok === '-') return i++, `(-${primary()})`;
    if (tok === 'close') {
      i++;
      expect('[');
      const k = Number(t[i]);
      if (!Number.isInteger(k) || k < 0 || k > MAX_HORIZON) fail(`close[k] needs an integer k in 0..${MAX_HORIZON}`);
      i++;
      expect(']');
      offsets.add(k);
      return closeAt(k);
    }
    const fn = FUNCTIONS[tok];
    if (!fn) return fail(`unknown name (known: close, ${Object.keys(FUNCTIONS).join(', ')})`);
    i++;
    expect('(');
    const args = [sum()];
    while (t[i] === ',') i++, args.push(sum());
    expect(')');
    if (args.length !== fn.args) fail(`${tok} takes ${fn.args} argument(s)`);
    return fn.sql(args);
  };
  const product = (): string => {
    let left = primary();
    while (t[i] === '*' || t[i] === '/') {
      const op = t[i++];
      const right = primary();
      left = op === '*' ? `(${left} * ${right})` : `(${left} / nullif(${right}, 0))`;
    }
    return left;
  };
  const sum = (): string => {
    let left = product();
    while (t[i] === '+' || t[i] === '-') {
      const op = t[i++];
      left = `(${left} ${op} ${product()})`;
    }
    return left;
  };
  const sql = sum();
  if (i !== t.length) fail('unexpected token');
  const future = [...offsets].filter((k) => k > 0);
  if (future.length === 0) throw new InputError(`expression "${source}" reads no future close (use close[k] with k ≥ 1)`, 'label');
  return { sql, offsets: [...offsets].sort((a, b) => a - b) };
}

export function parseLabelSpec(text: string): LabelSpec {
  const m = /^([a-z_]+):(.+)$/s.exec(text.trim());
  if (!m) throw new InputError(`expected fwd_return:N, direction:N or expr:<expression> (got "${text}")`, 'label');
  const [, kind, arg] = m;
  if (kind === 'fwd_return' || kind === 'direction') {
    const h = horizonOf(arg, text);
    const ret = `${closeAt(h)} / nullif(${closeAt(0)}, 0) - 1`;
    return kind === 'fwd_return'
      ? { text, kind, horizon: h, column: `label_fwd_return_${h}`, type: 'double', sql: ret, offsets: [0, h] }
      : { text, kind, horizon: h, column: `label_direction_${h}`, type: 'int', sql: `CASE WHEN ${ret} > 0 THEN 1 WHEN ${ret} <= 0 THEN 0 END`, offsets: [0, h] };
  }
  if (kind === 'expr') {
    const { sql, offsets } = compileExpression(arg, text);
    const horizon = Math.max(...offsets);
    return { text, kind, horizon, column: 'label_expr', type: 'double', sql, offsets };
  }
  throw new InputError(`unknown label kind "${kind}" (fwd_return, direction or expr) in "${text}"`, 'label');
}

/** The pipeline's historical default: a 5-bar forward return. */
export const defaultLabel = (horizon = 5) => `fwd_return:${horizon}`;
