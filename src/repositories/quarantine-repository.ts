// Owns all SQL on price_quarantine: every rejected input row (bars, and fundamentals with interval NULL), one writer.
import type { EntityManager } from 'typeorm';
import { copyRows } from '../db/copy';

export interface QuarantinedRow {
  source: string;
  location: string;
  symbol: string | null;
  interval: string | null;
  reason: string;
  raw: unknown;
}

/** Stateless: one instance serves every concurrent caller; the transaction is passed in. */
export class QuarantineRepository {
  async quarantine(em: EntityManager, rows: QuarantinedRow[], pipelineRunId: string | null): Promise<number> {
    if (rows.length === 0) return 0;
    return copyRows(
      em,
      'price_quarantine',
      ['pipeline_run_id', 'source', 'location', 'symbol', 'interval', 'reason', 'raw_row'],
      rows.map((r) => [pipelineRunId, r.source, r.location, r.symbol, r.interval, r.reason, JSON.stringify(r.raw)]),
    );
  }
}
