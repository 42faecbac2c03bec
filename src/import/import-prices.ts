// The import stage: provider rows → checked bars → staging → upsert, rejected rows → quarantine.
// Invariant reported to the user: received = stored + quarantined + exactDuplicates.
import type { EntityManager } from 'typeorm';
import { checkBar, sameValues, type Bar } from '../providers/bar';
import type { DateRange, PriceProvider } from '../providers/provider';
import { PriceRepository, type QuarantinedRow } from '../repositories/price-repository';

export interface ImportRequest {
  symbols: string[];
  interval: string;
  range: DateRange;
  pipelineRunId: string | null;
  /** Timestamps after this are refused as "in the future". @default now */
  now?: Date;
}

export interface ImportSummary {
  /** Rows inside the requested range (or whose date could not be read). */
  received: number;
  stored: number;
  inserted: number;
  revised: number;
  unchanged: number;
  quarantined: number;
  exactDuplicates: number;
  outOfRange: number;
  perSymbol: Record<string, { received: number; stored: number; quarantined: number; first: string | null; last: string | null }>;
  datasets: string[];
}

export async function importPrices(
  em: EntityManager,
  repo: PriceRepository,
  provider: PriceProvider,
  req: ImportRequest,
  onSymbolDone: (symbol: string, index: number) => void = () => {},
): Promise<ImportSummary> {
  const now = req.now ?? new Date();
  const from = Date.parse(`${req.range.from}T00:00:00Z`);
  const to = Date.parse(`${req.range.to}T23:59:59.999Z`);
  const summary: ImportSummary = {
    received: 0, stored: 0, inserted: 0, revised: 0, unchanged: 0, quarantined: 0, exactDuplicates: 0, outOfRange: 0,
    perSymbol: {}, datasets: [],
  };
  const quarantined: QuarantinedRow[] = [];
  await repo.createStaging(em);

  for (const [index, symbol] of req.symbols.entries()) {
    summary.datasets.push(provider.datasetFor(symbol, req.interval));
    const stats = { received: 0, stored: 0, quarantined: 0, first: null as string | null, last: null as string | null };
    // One symbol's bars are held to find duplicates; memory is bounded by the longest history, not the import.
    const byTs = new Map<number, Bar>();
    const reject = (location: string, raw: unknown, reason: string) => {
      quarantined.push({ source: provider.name, location, symbol, interval: req.interval, reason, raw });
      stats.quarantined++;
    };
    for await (const row of provider.rows(symbol, req.interval, req.range)) {
      const checked = checkBar(row, symbol, req.interval, now);
      if (checked.ok) {
        const t = checked.bar.ts.getTime();
        if (t < from || t > to) {
          summary.outOfRange++;
          continue;
        }
        stats.received++;
        const seen = byTs.get(t);
        if (!seen) byTs.set(t, checked.bar);
        else if (sameValues(seen, checked.bar)) summary.exactDuplicates++;
        else reject(row.location, row.raw, `duplicate timestamp ${checked.bar.ts.toISOString()} with different values`);
      } else {
        stats.received++;
        reject(row.location, row.raw, checked.reason);
      }
    }
    const bars = [...byTs.values()].sort((a, b) => a.ts.getTime() - b.ts.getTime());
    stats.stored = await repo.stageBars(em, bars, provider.name, req.pipelineRunId);
    stats.first = bars[0]?.ts.toISOString().slice(0, 10) ?? null;
    stats.last = bars.at(-1)?.ts.toISOString().slice(0, 10) ?? null;
    summary.perSymbol[symbol] = stats;
    summary.received += stats.received;
    summary.quarantined += stats.quarantined;
    onSymbolDone(symbol, index);
  }

  const merged = await repo.mergeStaging(em);
  await repo.quarantine(em, quarantined, req.pipelineRunId);
  summary.stored = merged.staged;
  summary.inserted = merged.inserted;
  summary.revised = merged.revised;
  summary.unchanged = merged.unchanged;
  return summary;
}
