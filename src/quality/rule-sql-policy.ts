// What a custom rule's SQL may do, decided on PostgreSQL's own parse tree (libpg-query: the server's grammar compiled
// to WASM), never on regexes: one plain SELECT that calls only allowlisted built-in functions, casts only to plain
// data types, uses only built-in operators, reads no system catalog, locks and writes nothing. Checked when a rule is
// added and again before every run (rules stored earlier, or inserted into the table directly). The rules role's
// privileges (src/repositories/role-repository.ts) are the second wall; this one gives the reason, and never runs SQL.
import { loadModule, parseSync } from 'libpg-query';

/**
 * Built-in functions a rule may call: aggregates, window functions, arithmetic, dates, strings, arrays and JSON.
 * None sleeps, signals, locks, reads files or settings, or allocates without bound from a small input (repeat, lpad).
 * The parser spells special syntax as these calls too: EXTRACT → extract, AT TIME ZONE → timezone, TRIM → btrim,
 * SUBSTRING … FROM → substring, POSITION … IN → position, SIMILAR TO → similar_to_escape, OVERLAPS → overlaps.
 */
export const RULE_FUNCTIONS: ReadonlySet<string> = new Set([
  // aggregates
  'count', 'sum', 'avg', 'min', 'max', 'stddev', 'stddev_samp', 'stddev_pop', 'variance', 'var_samp', 'var_pop', 'bool_and', 'bool_or',
  'every', 'array_agg', 'string_agg', 'percentile_cont', 'percentile_disc', 'mode', 'corr', 'covar_pop', 'covar_samp', 'regr_slope',
  'regr_intercept', 'regr_r2', 'regr_count', 'regr_avgx', 'regr_avgy', 'json_agg', 'jsonb_agg', 'jsonb_object_agg',
  // window functions
  'row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead', 'first_value', 'last_value', 'nth_value',
  // numbers
  'abs', 'ceil', 'ceiling', 'floor', 'round', 'trunc', 'sign', 'sqrt', 'cbrt', 'exp', 'ln', 'log', 'log10', 'power', 'pow', 'mod', 'div',
  'width_bucket', 'pi', 'degrees', 'radians', 'numeric', 'float8', 'int4', 'int8',
  // dates and times
  'now', 'transaction_timestamp', 'statement_timestamp', 'date_trunc', 'date_part', 'extract', 'date_bin', 'age', 'make_date',
  'make_time', 'make_timestamp', 'make_timestamptz', 'make_interval', 'to_char', 'to_date', 'to_timestamp', 'timezone', 'isfinite',
  'justify_days', 'justify_hours', 'justify_interval', 'overlaps', 'date',
  // text
  'length', 'char_length', 'character_length', 'octet_length', 'lower', 'upper', 'initcap', 'substr', 'substring', 'btrim', 'ltrim',
  'rtrim', 'replace', 'split_part', 'concat', 'concat_ws', 'left', 'right', 'position', 'strpos', 'starts_with', 'regexp_match',
  'regexp_like', 'regexp_replace', 'regexp_count', 'reverse', 'translate', 'similar_to_escape', 'text', 'string_to_array',
  // arrays and set-returning helpers (bounded by the rule's statement timeout)
  'array_length', 'cardinality', 'unnest', 'array_position', 'array_positions', 'array_remove', 'array_append', 'array_prepend',
  'array_cat', 'array_to_string', 'array_lower', 'array_upper', 'array_ndims', 'generate_series', 'generate_subscripts',
  // JSON
  'to_json', 'to_jsonb', 'row_to_json', 'json_build_object', 'jsonb_build_object', 'json_build_array', 'jsonb_build_array',
  'jsonb_array_elements', 'jsonb_array_elements_text', 'jsonb_each', 'jsonb_each_text', 'jsonb_object_keys', 'jsonb_typeof',
  'jsonb_array_length', 'jsonb_extract_path', 'jsonb_extract_path_text', 'jsonb_strip_nulls',
  // nulls
  'num_nulls', 'num_nonnulls',
]);

/** Types a rule may cast to (the parser's internal names: integer → int4, double precision → float8, …). */
export const RULE_CAST_TYPES: ReadonlySet<string> = new Set([
  'bool', 'int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'text', 'varchar', 'bpchar', 'date', 'time', 'timetz', 'timestamp',
  'timestamptz', 'interval', 'json', 'jsonb', 'uuid',
]);

/** TABLESAMPLE methods that ship with PostgreSQL and only sample (tsm_system_time, an extension, would wait). */
const SAMPLE_METHODS = new Set(['bernoulli', 'system']);
const WRITES = ['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt'];
/** Nodes with no place in a rule: XML functions and table functions run code the allowlist does not see. */
const REFUSED_NODES: Record<string, string> = {
  XmlExpr: 'an XML function', XmlSerialize: 'XMLSERIALIZE', RangeTableFunc: 'XMLTABLE', JsonTable: 'JSON_TABLE',
};

type Json = Record<string, unknown>;

let loaded: Promise<void> | undefined;

function nameOf(list: unknown): string[] {
  return ((list as Json[] | undefined) ?? []).map((n) => String((n.String as Json | undefined)?.sval ?? ''));
}

/** `pg_catalog.x` or `x` → x; a name in any other schema is not a built-in. */
function builtin(parts: string[]): { name: string; qualified: string; foreign: boolean } {
  const name = parts.at(-1)!.toLowerCase();
  const schema = parts.length > 1 ? parts.at(-2)!.toLowerCase() : undefined;
  return { name, qualified: parts.join('.'), foreign: schema !== undefined && schema !== 'pg_catalog' };
}

/** The first thing in the tree a rule may not do, as a sentence; undefined when there is none. */
function firstRefusal(node: unknown): string | undefined {
  if (Array.isArray(node)) {
    for (const item of node) {
      const r = firstRefusal(item);
      if (r) return r;
    }
    return undefined;
  }
  if (node === null || typeof node !== 'object') return undefined;
  const n = node as Json;
  for (const [key, value] of Object.entries(n)) {
    const v = value as Json;
    if (key === 'FuncCall') {
      const f = builtin(nameOf(v.funcname));
      if (f.foreign || !RULE_FUNCTIONS.has(f.name)) return `calls ${f.qualified}(), which is not on the custom-rule function allowlist`;
    } else if (key === 'typeName' && v && typeof v === 'object' && 'names' in v) {
      const t = builtin(nameOf(v.names));
      if (t.foreign || !RULE_CAST_TYPES.has(t.name)) return `casts to ${t.qualified}, which is not a plain data type a rule may use`;
    } else if (key === 'A_Expr' && builtin(nameOf(v.name)).foreign) {
      return `uses the operator ${nameOf(v.name).join('.')}, which is not built in`;
    } else if (WRITES.includes(key)) {
      return `writes data (${key.replace(/Stmt$/, '').toUpperCase()} inside the query)`;
    } else if (key === 'lockingClause') {
      return 'locks rows (SELECT … FOR UPDATE/SHARE)';
    } else if (key === 'intoClause') {
      return 'creates a table (SELECT … INTO)';
    } else if (key === 'RangeTableSample') {
      const m = builtin(nameOf(v.method));
      if (m.foreign || !SAMPLE_METHODS.has(m.name)) return `samples with ${m.qualified}, which is not BERNOULLI or SYSTEM`;
    } else if (key === 'RangeVar') {
      const schema = typeof v.schemaname === 'string' ? v.schemaname.toLowerCase() : undefined;
      const rel = String(v.relname).toLowerCase();
      if (schema === 'pg_catalog' || schema === 'information_schema' || schema === 'pg_toast' || (schema === undefined && rel.startsWith('pg_'))) {
        return `reads the system catalog ${schema ? `${schema}.` : ''}${v.relname}; custom rules read Tickflow's tables`;
      }
    } else if (key in REFUSED_NODES) {
      return `uses ${REFUSED_NODES[key]}`;
    }
    const r = firstRefusal(value);
    if (r) return r;
  }
  return undefined;
}

/**
 * Why PostgreSQL must not run this rule, or undefined when it may. A query the parser rejects is refused with the
 * parser's message; anything but exactly one SELECT (or WITH … SELECT) is refused.
 */
export async function ruleSqlRefusal(sql: string): Promise<string | undefined> {
  await (loaded ??= loadModule());
  let tree: { stmts?: { stmt: Json }[] };
  try {
    tree = parseSync(sql) as typeof tree;
  } catch (e) {
    return `does not parse: ${(e as Error).message}`;
  }
  const stmts = tree.stmts ?? [];
  if (stmts.length !== 1) return `must be exactly one statement (found ${stmts.length})`;
  const [kind] = Object.keys(stmts[0].stmt);
  if (kind !== 'SelectStmt') return `must be a SELECT (found ${kind.replace(/Stmt$/, '').toUpperCase()})`;
  return firstRefusal(stmts[0].stmt);
}
