// SEC EDGAR XBRL companyfacts: every figure as filed, with its filing date, so restatements and repeated reports
// become separate versions (company_fundamental is unique on symbol, metric, period end, fiscal period, published).
// GET {www}/files/company_tickers.json (ticker → CIK), then GET {data}/api/xbrl/companyfacts/CIK##########.json.
import { z } from 'zod';
import type { DatasetRef } from '../contracts/dataset-ref';
import { parseIsoDate } from '../contracts/dates';
import { fiscalQuarterOf } from './fundamental-periods';
import type { HttpClient, HttpRequest } from './http-client';
import type { FundamentalsProvider, RawFundamentalRow } from './provider';

export const secTickersSchema = z.record(z.string(), z.object({ cik_str: z.number().int(), ticker: z.string() }));

const factSchema = z.object({
  start: z.string().optional(),
  end: z.string(),
  val: z.number(),
  accn: z.string(),
  fy: z.number().int().nullable(),
  fp: z.string().nullable(),
  form: z.string(),
  filed: z.string(),
  frame: z.string().optional(),
});
type Fact = z.infer<typeof factSchema>;

const companyFactsSchema = z.object({
  // SEC sends an integer; some recorded copies carry a zero-padded string.
  cik: z.union([z.number(), z.string()]),
  facts: z.record(z.string(), z.record(z.string(), z.object({ units: z.record(z.string(), z.array(z.unknown())) }))),
});

/**
 * Concept → our metric, in priority order: when a filing reports two concepts for one metric and period (e.g.
 * Revenues and RevenueFromContractWithCustomer…), the first listed wins.
 */
const CONCEPTS: { taxonomy: string; concept: string; metric: string }[] = [
  ['RevenueFromContractWithCustomerExcludingAssessedTax', 'revenue'], ['Revenues', 'revenue'], ['SalesRevenueNet', 'revenue'],
  ['NetIncomeLoss', 'net_income'], ['GrossProfit', 'gross_profit'], ['OperatingIncomeLoss', 'operating_income'],
  ['ComprehensiveIncomeNetOfTax', 'comprehensive_income'],
  ['Assets', 'total_assets'], ['Liabilities', 'total_liabilities'], ['StockholdersEquity', 'total_equity'],
  ['EarningsPerShareDiluted', 'eps_diluted'], ['EarningsPerShareBasic', 'eps_basic'],
].map(([concept, metric]) => ({ taxonomy: 'us-gaap', concept, metric }))
  .concat(
    [['Revenue', 'revenue'], ['ProfitLoss', 'net_income'], ['Assets', 'total_assets'], ['Liabilities', 'total_liabilities'], ['Equity', 'total_equity'],
      ['DilutedEarningsLossPerShare', 'eps_diluted'], ['BasicEarningsLossPerShare', 'eps_basic']].map(([concept, metric]) => ({ taxonomy: 'ifrs-full', concept, metric })),
    [{ taxonomy: 'dei', concept: 'EntityCommonStockSharesOutstanding', metric: 'shares_outstanding' }],
  );

const DAY = 86_400_000;
const days = (from: string, to: string) => (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY;

/** Duration facts we keep: a quarter (≈91 days) or a year (≈365, 52/53-week calendars included). */
function durationKind(fact: Fact): 'instant' | 'quarter' | 'year' | 'other' {
  if (!fact.start) return 'instant';
  const d = days(fact.start, fact.end) + 1;
  if (d >= 80 && d <= 100) return 'quarter';
  if (d >= 350 && d <= 380) return 'year';
  return 'other';
}

/** The first of a fact's dates that does not exist, as a quarantine reason. */
function impossibleDate(fact: Fact): string | undefined {
  for (const key of ['start', 'end', 'filed'] as const) {
    const text = fact[key];
    const parsed = text === undefined ? undefined : parseIsoDate(text);
    if (parsed && !parsed.ok) return `${key}: ${parsed.reason}`;
  }
  return undefined;
}

export class SecEdgarProvider implements FundamentalsProvider {
  readonly name = 'sec-edgar';
  private ciks: Promise<Map<string, number>> | undefined;

  /** `data` serves companyfacts, `www` the ticker list; both share SEC's rate limit. */
  constructor(private readonly data: HttpClient, private readonly www: HttpClient) {}

  datasetFor(symbol: string): DatasetRef {
    return { kind: 'url', url: this.data.describe({ path: `/api/xbrl/companyfacts/${symbol}` }) };
  }

  async *fundamentals(symbol: string): AsyncIterable<RawFundamentalRow> {
    const cik = (await this.cikMap()).get(symbol.toUpperCase());
    const req: HttpRequest = { path: `/api/xbrl/companyfacts/CIK${String(cik ?? '').padStart(10, '0')}.json`, symbol };
    if (cik === undefined) throw this.www.fail(req, `ticker ${symbol} is not in SEC's company_tickers.json`);
    const payload = await this.data.json(req, companyFactsSchema);
    const place = this.data.describe(req);

    const facts: { fact: Fact; metric: string; concept: string; unit: string; where: string }[] = [];
    for (const { taxonomy, concept, metric } of CONCEPTS) {
      for (const [unit, list] of Object.entries(payload.facts[taxonomy]?.[concept]?.units ?? {})) {
        for (const [i, item] of list.entries()) {
          const where = `facts.${taxonomy}.${concept}.units.${unit}[${i}]`;
          const parsed = factSchema.safeParse(item);
          if (!parsed.success) throw this.data.fail(req, `${where}: ${parsed.error.issues.map((x) => `${x.path.join('.')} ${x.message}`).join('; ')}`);
          // A date that does not exist would skew the period arithmetic below: the fact is quarantined instead.
          const badDate = impossibleDate(parsed.data);
          if (badDate) {
            yield { location: `${place}#${where}`, raw: item, error: badDate, fields: { symbol, metric, fiscalPeriod: parsed.data.fp, fiscalYear: parsed.data.fy, periodEnd: parsed.data.end, value: parsed.data.val, unit, publishedAt: parsed.data.filed } };
            continue;
          }
          facts.push({ fact: parsed.data, metric, concept: `${taxonomy}:${concept}`, unit, where });
        }
      }
    }
    // A filing's reporting period ends at the latest end date of its duration facts (cover-page dates come later).
    const reportEnd = new Map<string, string>();
    for (const { fact } of facts) {
      if (fact.start && fact.end > (reportEnd.get(fact.accn) ?? '')) reportEnd.set(fact.accn, fact.end);
    }

    // Any year-long figure dates the fiscal year end (the latest, in case the company changed it).
    const yearEnd = facts.filter((f) => durationKind(f.fact) === 'year').map((f) => f.fact.end).sort().at(-1);
    const conceptOf = new Map<string, string>();
    for (const { fact, metric, concept, unit, where } of facts) {
      const kind = durationKind(fact);
      // Year-to-date figures (6 and 9 months) share end date and fp with the quarter: the key could not tell them apart.
      if (kind === 'other') continue;
      const end = reportEnd.get(fact.accn) ?? fact.end;
      // Cover-page counts (dei) are dated days after the period they accompany: they belong to the filing's period.
      const periodEnd = concept.startsWith('dei:') ? end : fact.end;
      const period = this.period({ ...fact, end: periodEnd }, kind, end, yearEnd);
      const key = `${metric}|${periodEnd}|${period.fiscalPeriod}|${fact.filed}`;
      // A concept of higher priority already gave this metric for this filing and period.
      const first = conceptOf.get(`${key}|${fact.accn}`) ?? concept;
      if (first !== concept) continue;
      conceptOf.set(`${key}|${fact.accn}`, concept);
      yield {
        location: `${place}#${where}`,
        raw: fact,
        fields: { symbol, metric, ...period, periodEnd, value: fact.val, unit, publishedAt: fact.filed },
      };
    }
  }

  /**
   * fy/fp describe the filing, not the figure: a 10-K for FY2023 also reports FY2022 as a comparative, and 10-Qs
   * carry prior balances. So a figure is placed by its own end date relative to the fiscal year end: the same
   * period end gets the same fiscal year and period in every filing that repeats it (quality rule
   * fundamental.period_order checks exactly that). The filing's fy only fixes the company's naming (a year ending
   * in January 2022 may be called FY2021 or FY2022). Its period comes from dates, not fp (SEC has 10-Qs labelled
   * fp "FY"): year-long figures are FY; quarter-long figures and balances go by end date, and a balance at the
   * fiscal year end is the FY balance.
   */
  private period(fact: Fact, kind: 'instant' | 'quarter' | 'year', reportEnd: string, yearEnd: string | undefined): { fiscalYear: number | null; fiscalPeriod: string | null } {
    if (!yearEnd) {
      const yearsBack = Math.max(0, Math.ceil(days(fact.end, reportEnd) / 365.25 - 0.02));
      const fiscalYear = fact.fy === null ? null : fact.fy - yearsBack;
      if (kind === 'year') return { fiscalYear, fiscalPeriod: 'FY' };
      return { fiscalYear, fiscalPeriod: kind === 'quarter' && fact.fp === 'FY' ? 'Q4' : fact.fp };
    }
    const own = fiscalQuarterOf(fact.end, yearEnd);
    const naming = fact.fy === null ? 0 : fact.fy - fiscalQuarterOf(reportEnd, yearEnd).fiscalYear;
    const fiscalYear = own.fiscalYear + naming;
    if (kind === 'year') return { fiscalYear, fiscalPeriod: 'FY' };
    return { fiscalYear, fiscalPeriod: kind === 'instant' && own.fiscalPeriod === 'Q4' ? 'FY' : own.fiscalPeriod };
  }

  private cikMap(): Promise<Map<string, number>> {
    if (!this.ciks) {
      const req: HttpRequest = { path: '/files/company_tickers.json' };
      this.ciks = this.www.json(req, secTickersSchema).then((t) => new Map(Object.values(t).map((e) => [e.ticker.toUpperCase(), e.cik_str])));
      this.ciks.catch(() => (this.ciks = undefined));
    }
    return this.ciks;
  }
}
