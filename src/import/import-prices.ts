// The import stage: provider rows → checked bars → price_data (new/changed only), rejected rows → quarantine,
// corporate actions → corporate_action (and adjusted closes for bars that came unadjusted). Bars changed inside stored
// history mark the data derived from them stale, in the same transaction (DerivedStalenessRepository).
// Invariant reported to the user: received = stored + quarantined + exactDuplicates.
import type { DataSource, EntityManager } from 'typeorm';
import type { ImportResult } from '../contracts/activities';
import type { DatasetRef } from '../contracts/dataset-ref';
import { parseIsoDate } from '../contracts/dates';
import { checkBar, rowTime, sameValues, type Bar } from '../providers/bar';
import type { CorporateAction, DateRange, PriceProvider } from '../providers/provider';
import { BarContextRepository } from '../repositories/bar-context-repository';
import { BarRepository, type FirstWritten } from '../repositories/bar-repository';
import { CorporateActionRepository } from '../repositories/corporate-action-repository';
import { DerivedStalenessRepository } from '../repositories/derived-staleness-repository';
import { QuarantineRepository, type QuarantinedRow } from '../repositories/quarantine-repository';

/** The stateless repositories an import writes through; one set serves every concurrent import. */
export interface ImportRepositories {
  bars: BarRepository;
  context: BarContextRepository;
  actions: CorporateActionRepository;
  quarantine: QuarantineRepository;
  staleness: DerivedStalenessRepository;
}

export function importRepositories(ds: DataSource): ImportRepositories {
  return {
    bars: new BarRepository(ds), context: new BarContextRepository(ds), actions: new CorporateActionRepository(),
    quarantine: new QuarantineRepository(), staleness: new DerivedStalenessRepository(ds),
  };
}

export interface ImportRequest {
  symbols: string[];
  interval: string;
  range: DateRange;
  /** Per-symbol range, e.g. resuming from the last stored bar (`sinceLast`); defaults to `range`. */
  rangeFor?: (symbol: string) => DateRange;
  pipelineRunId: string | null;
  /** Timestamps after this are refused as "in the future". @default now */
  now?: Date;
}

export interface SymbolStats {
  received: number;
  stored: number;
  quarantined: number;
  first: string | null;
  last: string | null;
}

export interface ImportSummary extends ImportResult {
  outOfRange: number;
  perSymbol: Record<string, SymbolStats>;
  datasets: DatasetRef[];
}

interface SymbolRead {
  symbol: string;
  bars: Bar[];
  stats: SymbolStats;
  /** Some bars came without an adjusted close: derive one if the source reports corporate actions. */
  unadjusted: boolean;
}

export async function importPrices(
  em: EntityManager,
  repo: ImportRepositories,
  provider: PriceProvider,
  req: ImportRequest,
  onSymbolDone: (symbol: string, index: number) => void = () => {},
): Promise<ImportSummary> {
  const now = req.now ?? new Date();
  const summary: ImportSummary = {
    received: 0, stored: 0, inserted: 0, revised: 0, unchanged: 0, quarantined: 0, exactDuplicates: 0, outOfRange: 0,
    corporateActions: 0, adjustedBars: 0, perSymbol: {}, datasets: req.symbols.map((s) => provider.datasetFor(s, req.interval)),
    changedFrom: {}, staleMarked: 0,
  };
  const firstWritten: FirstWritten = new Map();
  const noteWritten = (symbol: string, ts: Date) => {
    const seen = firstWritten.get(symbol);
    if (!seen || ts < seen) firstWritten.set(symbol, ts);
  };
  const quarantined: QuarantinedRow[] = [];
  const needsAdjustment: string[] = [];
  const rangeOf = (symbol: string) => req.rangeFor?.(symbol) ?? req.range;
  let done = 0;

  /** Reads, checks and de-duplicates one symbol; holds only that symbol's bars. */
  async function read(symbol: string): Promise<SymbolRead> {
    const range = rangeOf(symbol);
    const from = Date.parse(`${range.from}T00:00:00Z`);
    const to = Date.parse(`${range.to}T23:59:59.999Z`);
    const stats: SymbolStats = { received: 0, stored: 0, quarantined: 0, first: null, last: null };
    const byTs = new Map<number, Bar>();
    const reject = (location: string, raw: unknown, reason: string) => {
      quarantined.push({ source: provider.name, location, symbol, interval: req.interval, reason, raw });
      stats.quarantined++;
    };
    for await (const row of provider.rows(symbol, req.interval, range)) {
      // Rows outside the range are not ours to judge, even broken ones: they belong to another import.
      const t = rowTime(row);
      if (t !== null && (t < from || t > to)) {
        summary.outOfRange++;
        continue;
      }
      stats.received++;
      const checked = checkBar(row, symbol, req.interval, now);
      if (!checked.ok) {
        reject(row.location, row.raw, checked.reason);
        continue;
      }
      const key = checked.bar.ts.getTime();
      const seen = byTs.get(key);
      if (!seen) byTs.set(key, checked.bar);
      else if (sameValues(seen, checked.bar)) summary.exactDuplicates++;
      else reject(row.location, row.raw, `duplicate timestamp ${checked.bar.ts.toISOString()} with different values`);
    }
    const bars = [...byTs.values()].sort((a, b) => a.ts.getTime() - b.ts.getTime());
    stats.stored = bars.length;
    stats.first = bars[0]?.ts.toISOString().slice(0, 10) ?? null;
    stats.last = bars.at(-1)?.ts.toISOString().slice(0, 10) ?? null;
    return { symbol, bars, stats, unadjusted: bars.some((b) => b.adjClose === null) };
  }

  async function finish({ symbol, stats, unadjusted }: SymbolRead): Promise<void> {
    if (provider.corporateActions) {
      const actions: CorporateAction[] = [];
      for await (const a of provider.corporateActions(symbol, req.interval, rangeOf(symbol))) {
        const exDate = parseIsoDate(a.exDate);
        if (exDate.ok) actions.push(a);
        // Quarantined beside the bars but not counted among them (received = stored + quarantined + duplicates).
        else quarantined.push({ source: provider.name, location: a.location ?? `${provider.datasetFor(symbol, req.interval)}#${a.kind}`, symbol, interval: req.interval, reason: `ex-date: ${exDate.reason}`, raw: a });
      }
      summary.corporateActions += await repo.actions.saveCorporateActions(em, actions, provider.name, req.pipelineRunId);
      if (actions.length > 0 && unadjusted) needsAdjustment.push(symbol);
    }
    summary.perSymbol[symbol] = stats;
    summary.received += stats.received;
    summary.stored += stats.stored;
    summary.quarantined += stats.quarantined;
    onSymbolDone(symbol, done++);
  }

  const ranges = req.symbols.map((symbol) => {
    const r = rangeOf(symbol);
    return { symbol, from: new Date(`${r.from}T00:00:00Z`), to: new Date(`${r.to}T23:59:59.999Z`) };
  });
  const empty = await repo.bars.lockAndFindEmpty(em, req.interval, ranges);
  // Read under the locks: what "stored history" means for this import.
  const lastStored = await repo.bars.lastBarTimes(req.symbols, req.interval, em);

  // Empty ranges (first imports, backfills): every symbol's bars, with their context, through one COPY, one symbol in
  // memory at a time.
  const fresh: SymbolRead[] = [];
  async function* freshBars(): AsyncIterable<Bar[]> {
    for (const symbol of req.symbols.filter((s) => empty.has(s))) {
      const r = await read(symbol);
      yield r.bars;
      fresh.push({ ...r, bars: [] }); // the bars are in PostgreSQL now; keep only the bookkeeping
    }
  }
  const freshRanges = ranges.filter((r) => empty.has(r.symbol));
  const copied = await repo.bars.insertBars(em, req.interval, freshRanges, freshBars(), provider.name, req.pipelineRunId);
  summary.inserted += copied.inserted;
  copied.firstWritten.forEach((ts, symbol) => noteWritten(symbol, ts));
  for (const r of fresh) await finish(r);

  // Ranges with stored bars: compare and stage only what is new or changed.
  await repo.bars.createStaging(em);
  let staged = 0;
  for (const symbol of req.symbols.filter((s) => !empty.has(s))) {
    const r = await read(symbol);
    const written = await repo.bars.stageChangedBars(em, symbol, req.interval, r.bars, provider.name, req.pipelineRunId);
    summary.unchanged += written.unchanged;
    staged += written.staged;
    await finish(r);
  }
  if (staged > 0) {
    const merged = await repo.bars.mergeStaging(em);
    summary.inserted += merged.inserted;
    summary.revised += merged.revised;
    merged.firstWritten.forEach((ts, symbol) => noteWritten(symbol, ts));
  }
  // Merged bars arrived dirty (inserted without context, or revised); so did a stored bar after a fresh range.
  await repo.context.deriveContext(em, req.symbols, req.interval);

  await repo.quarantine.quarantine(em, quarantined, req.pipelineRunId);
  for (const symbol of needsAdjustment) {
    const adjusted = await repo.actions.applyAdjustments(em, symbol, req.interval);
    summary.adjustedBars += adjusted.adjusted;
    if (adjusted.first) noteWritten(symbol, adjusted.first);
  }

  // Only a write at or before the last stored bar can change what was derived from stored bars.
  const changedFrom: FirstWritten = new Map([...firstWritten].filter(([symbol, ts]) => ts <= (lastStored.get(symbol) ?? new Date(-8.64e15))));
  summary.changedFrom = Object.fromEntries([...changedFrom].map(([symbol, ts]) => [symbol, ts.toISOString()]));
  summary.staleMarked = await repo.staleness.markInputChanged(em, 'price_data', req.interval, changedFrom, req.pipelineRunId);
  return summary;
}
