// Point-in-time fundamental ratios: at each bar only figures already published (published_at ≤ bar ts) are known,
// and a restatement replaces the original figure only from its own publication on. Annual (FY) figures only, so a
// ratio never mixes a quarter with a year.

/** One published annual figure, as company_fundamental stores it. */
export interface FundamentalFact {
  metric: string;
  fiscalYear: number;
  value: number;
  publishedAt: Date;
}

/** The company_fundamental metrics the ratios read (names as the fundamentals importers store them). */
export const FUNDAMENTAL_METRICS = [
  'eps_diluted', 'total_equity', 'shares_outstanding', 'total_liabilities', 'net_income', 'revenue', 'gross_profit', 'operating_income',
] as const;
type Metric = (typeof FUNDAMENTAL_METRICS)[number];

/** Known figures: metric → fiscal year → value, as of some instant. */
type Known = Map<string, Map<number, number>>;

/** The latest fiscal year for which every metric is known, with their values. */
function latestComplete(known: Known, metrics: Metric[]): number[] | null {
  const years = known.get(metrics[0]);
  if (!years) return null;
  const candidates = [...years.keys()].sort((a, b) => b - a);
  for (const y of candidates) {
    const values = metrics.map((m) => known.get(m)?.get(y));
    if (values.every((v) => v !== undefined)) return values as number[];
  }
  return null;
}

/** a / b where the ratio means something: a positive denominator (P/E of a loss, ROE of negative equity are undefined). */
const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

interface RatioSpec {
  suffix: string;
  compute(known: Known, close: number): number | null;
}

const RATIOS: RatioSpec[] = [
  { suffix: 'pe', compute: (k, close) => { const v = latestComplete(k, ['eps_diluted']); return v && ratio(close, v[0]); } },
  {
    suffix: 'pb',
    compute: (k, close) => {
      const v = latestComplete(k, ['total_equity', 'shares_outstanding']);
      const bookPerShare = v && ratio(v[0], v[1]);
      return bookPerShare === null || bookPerShare === undefined ? null : ratio(close, bookPerShare);
    },
  },
  // Total liabilities over equity: the importers (SEC EDGAR, Alpha Vantage) store liabilities, not a debt line.
  { suffix: 'debt_to_equity', compute: (k) => { const v = latestComplete(k, ['total_liabilities', 'total_equity']); return v && ratio(v[0], v[1]); } },
  { suffix: 'roe', compute: (k) => { const v = latestComplete(k, ['net_income', 'total_equity']); return v && ratio(v[0], v[1]); } },
  { suffix: 'gross_margin', compute: (k) => { const v = latestComplete(k, ['gross_profit', 'revenue']); return v && ratio(v[0], v[1]); } },
  { suffix: 'operating_margin', compute: (k) => { const v = latestComplete(k, ['operating_income', 'revenue']); return v && ratio(v[0], v[1]); } },
  { suffix: 'net_margin', compute: (k) => { const v = latestComplete(k, ['net_income', 'revenue']); return v && ratio(v[0], v[1]); } },
  {
    suffix: 'revenue_growth',
    compute: (k) => {
      const years = k.get('revenue');
      if (!years) return null;
      const latest = Math.max(...years.keys());
      const prior = years.get(latest - 1);
      return prior === undefined ? null : ratio(years.get(latest)! - prior, prior);
    },
  },
];

export const fundamentalRatioSuffixes = RATIOS.map((r) => r.suffix);

/**
 * One column per ratio, aligned to `ts` (epoch ms, ascending). `close` is the as-traded close: reported per-share figures are
 * not restated for later splits, so the price they are divided into must not be either.
 */
export function fundamentalRatios(ts: ArrayLike<number>, close: ArrayLike<number>, facts: FundamentalFact[]): (number | null)[][] {
  const ordered = [...facts].sort((a, b) => a.publishedAt.getTime() - b.publishedAt.getTime());
  const known: Known = new Map();
  const columns = RATIOS.map(() => new Array<number | null>(ts.length).fill(null));
  let next = 0;
  for (let i = 0; i < ts.length; i++) {
    for (; next < ordered.length && ordered[next].publishedAt.getTime() <= ts[i]; next++) {
      const f = ordered[next];
      if (!known.has(f.metric)) known.set(f.metric, new Map());
      known.get(f.metric)!.set(f.fiscalYear, f.value); // a later publication of the same year is a restatement
    }
    if (known.size === 0) continue;
    RATIOS.forEach((r, k) => {
      const v = r.compute(known, close[i]);
      columns[k][i] = v === undefined || v === null || !Number.isFinite(v) ? null : v;
    });
  }
  return columns;
}
