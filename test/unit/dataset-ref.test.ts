// Dataset references: format and parse round-trip over generated references of every kind, malformed text fails
// naming the reference, and overlap matching connects series datasets only.
import { datasetsConnect } from '../../activities/lineage';
import { datasetScope, formatDatasetRef, parseDatasetRef, type DatasetKind, type DatasetRef } from '../../src/contracts/dataset-ref';
import { InputError } from '../../src/contracts/errors';
import { rng } from '../../src/providers/synthetic';

function generator(seed: number) {
  const rnd = rng(seed); // seeded: a failing case is reproducible from its index
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const chars = (alphabet: string, min: number, max: number) => Array.from({ length: min + int(max - min + 1) }, () => pick([...alphabet])).join('');
  const symbol = () => chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 1, 1) + chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-^=', 0, 6);
  const symbols = () => Array.from({ length: 1 + int(5) }, symbol);
  const interval = () => pick(['1d', '1h', '5m', '1m', '1wk']);
  const date = () => `${1990 + int(45)}-${String(1 + int(12)).padStart(2, '0')}-${String(1 + int(28)).padStart(2, '0')}`;
  const bound = () => (int(4) === 0 ? null : date());
  const uuid = () => [8, 4, 4, 4, 12].map((n) => chars('0123456789abcdef', n, n)).join('-');
  const version = () => `${chars('abcdefghijklmnopqrstuvwxyz', 1, 1)}${chars('abcdefghijklmnopqrstuvwxyz0123456789_-', 0, 10)}-${chars('0123456789abcdef', 12, 12)}`;
  const path = () => `/${Array.from({ length: 1 + int(4) }, () => chars('abcXYZ019 _.-:=,#', 1, 8)).join('/')}.${pick(['csv', 'parquet', 'jsonl'])}`;
  const url = () => `${pick(['http', 'https'])}://${chars('abcdefghij', 1, 8)}.test${pick(['', ':8080'])}/${chars('abc/:?=&%,.', 0, 20)}`;
  const portfolio = () => chars('abcXYZ019', 1, 1) + chars('abcXYZ019_.-', 0, 12);
  const make: { [K in DatasetKind]: () => Extract<DatasetRef, { kind: K }> } = {
    price_data: () => ({ kind: 'price_data', interval: interval(), symbols: symbols(), from: bound(), to: bound() }),
    feature_data: () => ({ kind: 'feature_data', version: version(), interval: interval(), symbols: symbols(), from: bound(), to: bound() }),
    company_fundamental: () => ({ kind: 'company_fundamental', symbols: symbols() }),
    validation_result: () => ({ kind: 'validation_result', pipelineRunId: uuid() }),
    model_training_run: () => ({ kind: 'model_training_run', id: uuid() }),
    model_prediction: () => ({ kind: 'model_prediction', modelTrainingRunId: uuid() }),
    file: () => ({ kind: 'file', path: path() }),
    url: () => ({ kind: 'url', url: url() }),
    synthetic: () => ({ kind: 'synthetic', seed: int(2 ** 31) - 2 ** 30, symbol: symbol(), interval: interval() }),
    trade: () => ({ kind: 'trade', portfolioId: portfolio() }),
    portfolio_position: () => ({ kind: 'portfolio_position', portfolioId: portfolio(), from: bound(), to: bound() }),
    portfolio_valuation: () => ({ kind: 'portfolio_valuation', portfolioId: portfolio(), from: bound(), to: bound() }),
    performance_metric: () => ({ kind: 'performance_metric', portfolioId: portfolio() }),
    var_calculation: () => ({ kind: 'var_calculation', portfolioId: portfolio(), from: bound(), to: bound() }),
    var_backtest: () => ({ kind: 'var_backtest', portfolioId: portfolio(), from: bound(), to: bound() }),
    portfolio_optimization: () => ({ kind: 'portfolio_optimization', id: uuid() }),
    document_chunk: () => ({ kind: 'document_chunk', symbols: symbols() }),
    document_embedding: () => ({ kind: 'document_embedding', model: `${pick(['use-lite', 'hashing'])}@${chars('abcdefghijklmnopqrstuvwxyz0123456789.-', 1, 12)}`, symbols: symbols() }),
    vector_index: () => ({ kind: 'vector_index', store: pick(['lancedb', 'pgvector', 'chroma']), collection: chars('abcdefghijklmnopqrstuvwxyz0123456789_', 1, 30) }),
  };
  return { kinds: Object.keys(make) as DatasetKind[], ref: (kind: DatasetKind): DatasetRef => make[kind]() };
}

describe('dataset references', () => {
  it('round-trip: parse(format(ref)) equals ref and format(parse(text)) equals text, for 2,000 generated refs of every kind', () => {
    const gen = generator(20261201);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const ref = gen.ref(gen.kinds[i % gen.kinds.length]);
      const text = formatDatasetRef(ref);
      expect({ i, ref: parseDatasetRef(text) }).toEqual({ i, ref });
      expect(formatDatasetRef(parseDatasetRef(text))).toBe(text);
      seen.add(ref.kind);
    }
    expect([...seen].sort()).toEqual([...gen.kinds].sort());
  });

  it('reads the references lineage rows hold', () => {
    expect(parseDatasetRef('price_data:1d:AAPL,SPY:2016-01-04..2016-12-30')).toEqual({
      kind: 'price_data', interval: '1d', symbols: ['AAPL', 'SPY'], from: '2016-01-04', to: '2016-12-30',
    });
    expect(parseDatasetRef('feature_data:default-0123456789ab:1d:AAPL:start..end')).toEqual({
      kind: 'feature_data', version: 'default-0123456789ab', interval: '1d', symbols: ['AAPL'], from: null, to: null,
    });
    expect(parseDatasetRef('file:/tmp/x:y.csv')).toEqual({ kind: 'file', path: '/tmp/x:y.csv' });
    expect(parseDatasetRef('https://query2.finance.yahoo.com/v8/finance/chart/AAPL?interval=1d')).toEqual({
      kind: 'url', url: 'https://query2.finance.yahoo.com/v8/finance/chart/AAPL?interval=1d',
    });
    expect(parseDatasetRef('synthetic:seed=-3:SYN0001:1d')).toEqual({ kind: 'synthetic', seed: -3, symbol: 'SYN0001', interval: '1d' });
    expect(parseDatasetRef('validation_result:pipeline_run=abc')).toEqual({ kind: 'validation_result', pipelineRunId: 'abc' });
  });

  it('rejects malformed references with an InputError naming the reference and the problem', () => {
    const cases: [string, string][] = [
      // What predict used to write: no date range.
      ['feature_data:default-0123456789ab:1d:AAPL,SPY', 'expected 4 part(s) <version>:<interval>:<symbols>:<from..to>, got 3'],
      ['price_data:1d:AAPL:2016-01-04..', 'range "2016-01-04.." is not'],
      ['price_data:1d:AAPL,,SPY:start..end', 'symbol "" is empty'],
      ['feature_x:1', 'unknown kind "feature_x"'],
      ['AAPL', 'unknown kind "AAPL"'],
      ['file:', 'file needs a path'],
      ['https:/nohost', 'a url needs //host'],
      ['synthetic:seed=x:A:1d', 'seed "x" is not an integer'],
      ['validation_result:run=1', 'expected pipeline_run=…'],
    ];
    for (const [text, problem] of cases) {
      let caught: unknown;
      try {
        parseDatasetRef(text);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(InputError);
      expect((caught as Error).message).toContain(problem);
      expect((caught as Error).message).toContain(`in ${JSON.stringify(text)}`);
    }
  });

  it('refuses to format a reference it could not read back', () => {
    expect(() => formatDatasetRef({ kind: 'price_data', interval: '1d', symbols: ['A,B'], from: null, to: null })).toThrow('symbol "A,B" contains ","');
    expect(() => formatDatasetRef({ kind: 'feature_data', version: 'a:b', interval: '1d', symbols: ['A'], from: null, to: null })).toThrow('version "a:b"');
    expect(() => formatDatasetRef({ kind: 'price_data', interval: '1d', symbols: [], from: null, to: null })).toThrow('needs at least one symbol');
    expect(() => formatDatasetRef({ kind: 'price_data', interval: '1d', symbols: ['A'], from: '2016-1-4', to: null })).toThrow('date "2016-1-4" is not YYYY-MM-DD');
    expect(() => formatDatasetRef({ kind: 'url', url: 'ftp://x' })).toThrow('is not http(s)');
  });

  it('connects series of the same kind, version and interval that share a symbol and overlapping dates; others only to themselves', () => {
    const features = (symbols: string, range: string, version = 'v-0123456789ab') => `feature_data:${version}:1d:${symbols}:${range}`;
    expect(datasetsConnect(features('AAPL,SPY', '2016-01-04..2016-12-30'), features('SPY', 'start..2016-06-30'))).toBe(true);
    expect(datasetsConnect(features('AAPL', '2016-01-04..2016-12-30'), features('SPY', '2016-01-04..2016-12-30'))).toBe(false);
    expect(datasetsConnect(features('AAPL', '2016-01-04..2016-06-30'), features('AAPL', '2016-07-01..end'))).toBe(false);
    expect(datasetsConnect(features('AAPL', 'start..end', 'w-0123456789ab'), features('AAPL', 'start..end'))).toBe(false);
    expect(datasetsConnect('price_data:1d:AAPL:start..end', features('AAPL', 'start..end'))).toBe(false);
    expect(datasetsConnect('model_prediction:x', 'model_prediction:x')).toBe(true);
    expect(datasetScope(parseDatasetRef('model_prediction:x'))).toBeNull();
  });
});
