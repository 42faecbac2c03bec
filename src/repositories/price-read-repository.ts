// Reads of stored bars that orchestration needs; bar writes, bar context and corporate actions are in price-repository.
import type { DataSource } from 'typeorm';

export class PriceReadRepository {
  constructor(private readonly ds: DataSource) {}

  /** First and last stored bar dates over some symbols (reprocess covers "the whole history" with it). */
  async storedRange(symbols: string[], interval: string): Promise<{ from: string; to: string } | null> {
    const [row] = await this.ds.query(
      `SELECT to_char(min(ts) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS "from", to_char(max(ts) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS "to"
       FROM price_data WHERE symbol = ANY($1) AND interval = $2`,
      [symbols, interval],
    );
    return row?.from ? row : null;
  }
}
