// Dataset references: what a DataLineage row names as read or written. A reference is a typed value with one
// formatter and one parser (as Dagster's AssetKey carries both), so every writer and every reader agrees on it.
// A new kind (portfolio positions, VaR rows, document chunks, ...) is one union member and one codec below.
import { InputError } from './errors';

/** A date YYYY-MM-DD, or null for an open end (from the first / up to the last stored row). */
export type DateBound = string | null;

/** Rows of some symbols at one interval over a date range: what overlap matching compares. */
export interface SeriesScope {
  interval: string;
  symbols: string[];
  from: DateBound;
  to: DateBound;
}

export type DatasetRef =
  /** Bars in price_data: `price_data:<interval>:<symbols>:<from>..<to>`. */
  | ({ kind: 'price_data' } & SeriesScope)
  /** Feature rows of one feature-set version: `feature_data:<version>:<interval>:<symbols>:<from>..<to>`. */
  | ({ kind: 'feature_data'; version: string } & SeriesScope)
  /** Stored company fundamentals: `company_fundamental:<symbols>`. */
  | { kind: 'company_fundamental'; symbols: string[] }
  /** The quality results of one pipeline run: `validation_result:pipeline_run=<id>`. */
  | { kind: 'validation_result'; pipelineRunId: string }
  /** A trained model (its ModelTrainingRun row and artifact): `model_training_run:<id>`. */
  | { kind: 'model_training_run'; id: string }
  /** The predictions a trained model wrote: `model_prediction:<model training run id>`. */
  | { kind: 'model_prediction'; modelTrainingRunId: string }
  /** A file (an export, a bundled or CSV source): `file:<absolute path>`. */
  | { kind: 'file'; path: string }
  /** An HTTP source as requested, never with secrets: the URL itself (`https://…`). */
  | { kind: 'url'; url: string }
  /** The synthetic provider's series: `synthetic:seed=<n>:<symbol>:<interval>`. */
  | { kind: 'synthetic'; seed: number; symbol: string; interval: string }
  /** A portfolio's ledger (trade rows): `trade:<portfolio>`. */
  | { kind: 'trade'; portfolioId: string }
  /** Daily positions of a portfolio over a range: `portfolio_position:<portfolio>:<from>..<to>`. */
  | { kind: 'portfolio_position'; portfolioId: string; from: DateBound; to: DateBound }
  /** Daily valuations (NAV, flows, returns) of a portfolio over a range: `portfolio_valuation:<portfolio>:<from>..<to>`. */
  | { kind: 'portfolio_valuation'; portfolioId: string; from: DateBound; to: DateBound }
  /** A portfolio's performance metrics: `performance_metric:<portfolio>`. */
  | { kind: 'performance_metric'; portfolioId: string }
  /** VaR and ES rows of a portfolio over a range: `var_calculation:<portfolio>:<from>..<to>`. */
  | { kind: 'var_calculation'; portfolioId: string; from: DateBound; to: DateBound }
  /** Backtests (and the realised P&L they compare with) of a portfolio's VaR over a range: `var_backtest:<portfolio>:<from>..<to>`. */
  | { kind: 'var_backtest'; portfolioId: string; from: DateBound; to: DateBound }
  /** One optimizer run (its PortfolioOptimization row): `portfolio_optimization:<id>`. */
  | { kind: 'portfolio_optimization'; id: string }
  /** The current document versions of some symbols and their chunks: `document_chunk:<symbols>`. */
  | { kind: 'document_chunk'; symbols: string[] }
  /** Vectors of current chunks under one embedding model version: `document_embedding:<model>@<version>:<symbols | *>`. */
  | { kind: 'document_embedding'; model: string; symbols: string[] }
  /** One vector store's collection (a derived index of document_embedding): `vector_index:<store>:<collection>`. */
  | { kind: 'vector_index'; store: string; collection: string };

export type DatasetKind = DatasetRef['kind'];

/** The series scope of an activity's arguments; a missing bound is open. */
export function seriesOf(args: { interval: string; symbols: string[]; from?: string | null; to?: string | null }): SeriesScope {
  return { interval: args.interval, symbols: args.symbols, from: args.from ?? null, to: args.to ?? null };
}
type RefOf<K extends DatasetKind> = Extract<DatasetRef, { kind: K }>;

interface Codec<R extends DatasetRef> {
  /** What precedes the first colon in this kind's text. @default [kind] */
  heads?: string[];
  /** The text after `<head>:`. */
  format(ref: R): string;
  /** Reads the text after `<head>:`; throws InputError naming what is wrong. */
  parse(rest: string, head: string): Omit<R, 'kind'>;
  /** For series datasets: the rows they cover, so a read can be matched with the writes that overlap it. */
  scope?(ref: R): { series: string } & SeriesScope;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function fail(message: string): never {
  throw new InputError(message, 'dataset reference');
}

/** A segment between colons: non-empty, no colon. */
function token(name: string, value: string): string {
  if (typeof value !== 'string' || value === '' || value.includes(':')) fail(`${name} ${JSON.stringify(value)} is empty or contains ":"`);
  return value;
}

function formatSymbols(symbols: string[]): string {
  if (!Array.isArray(symbols) || symbols.length === 0) fail('needs at least one symbol');
  for (const s of symbols) if (token('symbol', s).includes(',')) fail(`symbol ${JSON.stringify(s)} contains ","`);
  return symbols.join(',');
}

const parseSymbols = (text: string): string[] => text.split(',').map((s) => token('symbol', s));

function formatRange(from: DateBound, to: DateBound): string {
  for (const d of [from, to]) if (d !== null && !DATE.test(d)) fail(`date ${JSON.stringify(d)} is not YYYY-MM-DD`);
  return `${from ?? 'start'}..${to ?? 'end'}`;
}

function parseRange(text: string): { from: DateBound; to: DateBound } {
  const m = /^(\d{4}-\d{2}-\d{2}|start)\.\.(\d{4}-\d{2}-\d{2}|end)$/.exec(text);
  if (!m) fail(`range ${JSON.stringify(text)} is not <YYYY-MM-DD|start>..<YYYY-MM-DD|end>`);
  return { from: m[1] === 'start' ? null : m[1], to: m[2] === 'end' ? null : m[2] };
}

/** Splits `rest` into exactly the named colon-separated segments. */
function segments(rest: string, names: string[]): string[] {
  const parts = rest.split(':');
  if (parts.length !== names.length) fail(`expected ${names.length} part(s) <${names.join('>:<')}>, got ${parts.length}`);
  return parts;
}

function keyed(key: string, text: string): string {
  if (!text.startsWith(`${key}=`)) fail(`expected ${key}=…, got ${JSON.stringify(text)}`);
  return token(key, text.slice(key.length + 1));
}

const seriesScope = (series: string, r: SeriesScope) => ({ series, interval: r.interval, symbols: r.symbols, from: r.from, to: r.to });

/** Portfolio-dated datasets (`<portfolio>:<from>..<to>`), matched by overlap on the portfolio's dates. */
interface PortfolioRange {
  portfolioId: string;
  from: DateBound;
  to: DateBound;
}
const formatPortfolioRange = (r: PortfolioRange) => `${token('portfolioId', r.portfolioId)}:${formatRange(r.from, r.to)}`;
function parsePortfolioRange(rest: string): PortfolioRange {
  const [portfolioId, range] = segments(rest, ['portfolio', 'from..to']);
  return { portfolioId: token('portfolioId', portfolioId), ...parseRange(range) };
}
const portfolioScope = (series: string, r: PortfolioRange) => ({ series: `${series}:${r.portfolioId}`, interval: '1d', symbols: [r.portfolioId], from: r.from, to: r.to });
const formatPortfolio = (r: { portfolioId: string }) => token('portfolioId', r.portfolioId);
const parsePortfolio = (rest: string) => ({ portfolioId: token('portfolioId', segments(rest, ['portfolio'])[0]) });

const codecs: { [K in DatasetKind]: Codec<RefOf<K>> } = {
  price_data: {
    format: (r) => `${token('interval', r.interval)}:${formatSymbols(r.symbols)}:${formatRange(r.from, r.to)}`,
    parse: (rest) => {
      const [interval, symbols, range] = segments(rest, ['interval', 'symbols', 'from..to']);
      return { interval: token('interval', interval), symbols: parseSymbols(symbols), ...parseRange(range) };
    },
    scope: (r) => seriesScope(`price_data:${r.interval}`, r),
  },
  feature_data: {
    format: (r) => `${token('version', r.version)}:${token('interval', r.interval)}:${formatSymbols(r.symbols)}:${formatRange(r.from, r.to)}`,
    parse: (rest) => {
      const [version, interval, symbols, range] = segments(rest, ['version', 'interval', 'symbols', 'from..to']);
      return { version: token('version', version), interval: token('interval', interval), symbols: parseSymbols(symbols), ...parseRange(range) };
    },
    scope: (r) => seriesScope(`feature_data:${r.version}:${r.interval}`, r),
  },
  company_fundamental: {
    format: (r) => formatSymbols(r.symbols),
    parse: (rest) => ({ symbols: parseSymbols(segments(rest, ['symbols'])[0]) }),
  },
  validation_result: {
    format: (r) => `pipeline_run=${token('pipelineRunId', r.pipelineRunId)}`,
    parse: (rest) => ({ pipelineRunId: keyed('pipeline_run', segments(rest, ['pipeline_run=<id>'])[0]) }),
  },
  model_training_run: {
    format: (r) => token('id', r.id),
    parse: (rest) => ({ id: token('id', segments(rest, ['id'])[0]) }),
  },
  model_prediction: {
    format: (r) => token('modelTrainingRunId', r.modelTrainingRunId),
    parse: (rest) => ({ modelTrainingRunId: token('modelTrainingRunId', segments(rest, ['model training run id'])[0]) }),
  },
  file: {
    // The path is the whole rest: it may hold colons.
    format: (r) => (r.path ? r.path : fail('file needs a path')),
    parse: (rest) => ({ path: rest || fail('file needs a path') }),
  },
  url: {
    // The URL alone: its scheme is the head.
    heads: ['http', 'https'],
    format: (r) => (/^https?:\/\/./.test(r.url) ? r.url.slice(r.url.indexOf(':') + 1) : fail(`url ${JSON.stringify(r.url)} is not http(s)://…`)),
    parse: (rest, head) => (rest.startsWith('//') && rest.length > 2 ? { url: `${head}:${rest}` } : fail('a url needs //host')),
  },
  synthetic: {
    format: (r) => {
      if (!Number.isSafeInteger(r.seed)) fail(`seed ${JSON.stringify(r.seed)} is not an integer`);
      return `seed=${r.seed}:${token('symbol', r.symbol)}:${token('interval', r.interval)}`;
    },
    parse: (rest) => {
      const [seed, symbol, interval] = segments(rest, ['seed=<n>', 'symbol', 'interval']);
      const n = keyed('seed', seed);
      if (!/^-?\d+$/.test(n) || !Number.isSafeInteger(Number(n))) fail(`seed ${JSON.stringify(n)} is not an integer`);
      return { seed: Number(n), symbol: token('symbol', symbol), interval: token('interval', interval) };
    },
  },
  trade: { format: formatPortfolio, parse: parsePortfolio },
  portfolio_position: { format: formatPortfolioRange, parse: parsePortfolioRange, scope: (r) => portfolioScope('portfolio_position', r) },
  portfolio_valuation: { format: formatPortfolioRange, parse: parsePortfolioRange, scope: (r) => portfolioScope('portfolio_valuation', r) },
  performance_metric: { format: formatPortfolio, parse: parsePortfolio },
  var_calculation: { format: formatPortfolioRange, parse: parsePortfolioRange, scope: (r) => portfolioScope('var_calculation', r) },
  var_backtest: { format: formatPortfolioRange, parse: parsePortfolioRange, scope: (r) => portfolioScope('var_backtest', r) },
  portfolio_optimization: {
    format: (r) => token('id', r.id),
    parse: (rest) => ({ id: token('id', segments(rest, ['id'])[0]) }),
  },
  document_chunk: {
    format: (r) => formatSymbols(r.symbols),
    parse: (rest) => ({ symbols: parseSymbols(segments(rest, ['symbols'])[0]) }),
  },
  document_embedding: {
    format: (r) => `${token('model', r.model)}:${formatSymbols(r.symbols)}`,
    parse: (rest) => {
      const [model, symbols] = segments(rest, ['model', 'symbols']);
      return { model: token('model', model), symbols: parseSymbols(symbols) };
    },
  },
  vector_index: {
    format: (r) => `${token('store', r.store)}:${token('collection', r.collection)}`,
    parse: (rest) => {
      const [store, collection] = segments(rest, ['store', 'collection']);
      return { store: token('store', store), collection: token('collection', collection) };
    },
  },
};

const codecFor = <K extends DatasetKind>(kind: K) => codecs[kind] as unknown as Codec<RefOf<K>>;
const kindByHead = new Map(Object.entries(codecs).flatMap(([kind, c]) => ((c as Codec<DatasetRef>).heads ?? [kind]).map((h) => [h, kind as DatasetKind])));

/** The one text form of a reference, as DataLineage rows store it. Throws InputError on a value it could not read back. */
export function formatDatasetRef(ref: DatasetRef): string {
  if (!Object.hasOwn(codecs, ref.kind)) fail(`unknown kind ${JSON.stringify(ref.kind)}`);
  const rest = codecFor(ref.kind).format(ref);
  return `${ref.kind === 'url' ? ref.url.slice(0, ref.url.indexOf(':')) : ref.kind}:${rest}`;
}

/** Reads a reference written by formatDatasetRef; throws InputError naming the reference and what is wrong. */
export function parseDatasetRef(text: string): DatasetRef {
  try {
    const colon = text.indexOf(':');
    const head = colon < 0 ? text : text.slice(0, colon);
    const kind = kindByHead.get(head);
    if (colon < 0 || !kind) fail(`unknown kind ${JSON.stringify(head)} (one of ${[...kindByHead.keys()].join(', ')})`);
    return { kind, ...codecFor(kind).parse(text.slice(colon + 1), head) } as DatasetRef;
  } catch (err) {
    if (err instanceof InputError) throw new InputError(`${err.message.replace(/^dataset reference: /, '')} in ${JSON.stringify(text)}`, 'dataset reference');
    throw err;
  }
}

/** The series and rows a reference covers (price and feature data), or null for datasets that match only themselves. */
export function datasetScope(ref: DatasetRef): ({ series: string } & SeriesScope) | null {
  const codec = codecFor(ref.kind);
  return codec.scope ? codec.scope(ref) : null;
}
