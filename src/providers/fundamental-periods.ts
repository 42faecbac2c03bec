// Fiscal-period rules shared by fundamentals sources that report only a period end (Alpha Vantage, Tiingo).
import { addDays } from './market-time';

export interface PublicationLag {
  /** Days after a quarter's end its figures are assumed public. */
  quarterly: number;
  /** Days after a fiscal year's end its figures are assumed public. */
  annual: number;
}

/**
 * These sources give no filing date, so publishedAt = period end + a conservative lag (SEC deadlines: 10-Q 40–45
 * days, 10-K 60–90 days). Later than the real filing keeps point-in-time joins free of look-ahead.
 */
export function assumedPublication(periodEnd: string, fiscalPeriod: string, lag: PublicationLag): string {
  return addDays(periodEnd, fiscalPeriod === 'FY' ? lag.annual : lag.quarterly);
}

const DAY = 86_400_000;
const QUARTER_DAYS = 365.25 / 4;

/**
 * Fiscal year and quarter of a quarter ending on `periodEnd`, for a company whose fiscal year ended on
 * `fiscalYearEnd` (any year). Quarters are counted in days from the year end, so 52/53-week calendars whose
 * quarters end a few days off the month end still land on the right quarter. The fiscal year is named by the
 * calendar year it ends in (Apple's year to September 2023 is FY2023).
 */
export function fiscalQuarterOf(periodEnd: string, fiscalYearEnd: string): { fiscalYear: number; fiscalPeriod: 'Q1' | 'Q2' | 'Q3' | 'Q4' } {
  const end = Date.parse(`${periodEnd}T00:00:00Z`);
  const ref = Date.parse(`${fiscalYearEnd}T00:00:00Z`);
  const daysAfter = (((end - ref) / DAY) % 365.25 + 365.25) % 365.25;
  const q = Math.round(daysAfter / QUARTER_DAYS) % 4;
  const fiscalPeriod = (['Q4', 'Q1', 'Q2', 'Q3'] as const)[q];
  const yearEnd = new Date(end + (q === 0 ? 0 : (4 - q) * QUARTER_DAYS * DAY));
  return { fiscalYear: yearEnd.getUTCFullYear(), fiscalPeriod };
}
