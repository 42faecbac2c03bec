// Training-data export: one row per (symbol, bar) with a feature-set version's values and a forward-return label,
// split by time into train/validation/test with an embargo gap. Streams COPY ... TO STDOUT straight to the file.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { to as copyTo } from 'pg-copy-streams';
import type { EntityManager } from 'typeorm';
import { rawClient } from '../db/copy';

export interface ExportRequest {
  symbols: string[];
  interval: string;
  from: string;
  to: string;
  featureSetVersion: string;
  /** Forward-return horizon in bars; also the embargo between splits, so no label straddles two splits. */
  horizon: number;
  /** Shares of dates for train and validation; test gets the rest. */
  splits: { train: number; validation: number };
  outPath: string;
  pipelineRunId: string | null;
  qualityResultIds: string[];
}

export interface SplitStats {
  rows: number;
  from: string | null;
  to: string | null;
}

export interface ExportResult {
  path: string;
  manifestPath: string;
  rows: number;
  sha256: string;
  columns: string[];
  splits: Record<'train' | 'validation' | 'test', SplitStats>;
}

/**
 * Point in time: each feature value at t was computed from bars ≤ t. The label is the only future-looking column,
 * computed from bars inside the range, so the last `horizon` bars have none and are dropped.
 */
export function exportSql(featureNames: string[], horizon: number, train: number, validation: number): string {
  const featureColumns = featureNames.map((n, i) => `values[${i + 1}] AS "${n}"`).join(', ');
  return `
    WITH labeled AS (
      SELECT f.symbol, f.ts, f.values,
             lead(coalesce(p.adj_close, p.close), ${horizon}) OVER w / coalesce(p.adj_close, p.close) - 1 AS label
      FROM feature_data f
      JOIN price_data p ON p.symbol = f.symbol AND p.interval = f.interval AND p.ts = f.ts
      WHERE f.feature_set_version = $5 AND f.symbol = ANY($1) AND f.interval = $2 AND f.ts >= $3 AND f.ts <= $4
      WINDOW w AS (PARTITION BY f.symbol ORDER BY f.ts)
    ),
    dates AS (
      SELECT ts, row_number() OVER (ORDER BY ts) AS i, count(*) OVER () AS n
      FROM (SELECT DISTINCT ts FROM labeled WHERE label IS NOT NULL) d
    ),
    assigned AS (
      SELECT l.*, CASE
        WHEN d.i <= floor(d.n * ${train}) THEN 'train'
        WHEN d.i > floor(d.n * ${train}) + ${horizon} AND d.i <= floor(d.n * ${train + validation}) THEN 'validation'
        WHEN d.i > floor(d.n * ${train + validation}) + ${horizon} THEN 'test'
      END AS split
      FROM labeled l JOIN dates d USING (ts)
    )
    SELECT symbol, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS ts, split, ${featureColumns},
           label AS label_fwd_return_${horizon}
    FROM assigned WHERE split IS NOT NULL ORDER BY ts, symbol`;
}

const inlineParams = (sql: string, params: unknown[], em: EntityManager) =>
  // COPY cannot take bind parameters; literals are quoted by the driver's own escaping.
  sql.replace(/\$(\d+)/g, (_, i) => {
    const v = params[Number(i) - 1];
    const client = rawClient(em);
    return Array.isArray(v) ? `ARRAY[${v.map((x) => client.escapeLiteral(String(x))).join(',')}]::text[]` : client.escapeLiteral(String(v));
  });

export async function exportTrainingData(em: EntityManager, req: ExportRequest): Promise<ExportResult> {
  const [set] = await em.query(`SELECT name, feature_names FROM feature_set WHERE version = $1`, [req.featureSetVersion]);
  if (!set) throw new Error(`feature set version ${req.featureSetVersion} is not registered`);
  const names: string[] = set.feature_names;
  const sql = exportSql(names, req.horizon, req.splits.train, req.splits.validation);
  const params = [req.symbols, req.interval, `${req.from}T00:00:00Z`, `${req.to}T23:59:59.999Z`, req.featureSetVersion];

  fs.mkdirSync(path.dirname(req.outPath), { recursive: true });
  const tmp = `${req.outPath}.partial`;
  const hash = createHash('sha256');
  let lines = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++;
      cb(null, chunk);
    },
  });
  const source = rawClient(em).query(copyTo(`COPY (${inlineParams(sql, params, em)}) TO STDOUT WITH (FORMAT csv, HEADER true)`));
  await pipeline(source, tap, fs.createWriteStream(tmp));
  fs.renameSync(tmp, req.outPath); // readers never see a half-written file

  const splitRows: { split: string; rows: number; first: Date; last: Date }[] = await em.query(
    `SELECT split, count(*)::int AS rows, min(ts) AS first, max(ts) AS last FROM (${sql.replace(/ORDER BY ts, symbol$/, '')}) x GROUP BY split`,
    params,
  );
  const empty = (): SplitStats => ({ rows: 0, from: null, to: null });
  const splits = { train: empty(), validation: empty(), test: empty() };
  for (const s of splitRows) {
    splits[s.split as keyof typeof splits] = { rows: s.rows, from: String(s.first).slice(0, 10), to: String(s.last).slice(0, 10) };
  }
  const sha256 = hash.digest('hex');
  const columns = ['symbol', 'ts', 'split', ...names, `label_fwd_return_${req.horizon}`];
  const manifestPath = `${req.outPath}.manifest.json`;
  const result: ExportResult = { path: req.outPath, manifestPath, rows: Math.max(0, lines - 1), sha256, columns, splits };
  fs.writeFileSync(
    manifestPath,
    JSON.stringify(
      {
        file: path.basename(req.outPath), format: 'csv', rows: result.rows, sha256, columns,
        featureSet: { name: set.name, version: req.featureSetVersion },
        label: { kind: 'forward_return', horizonBars: req.horizon, embargoBars: req.horizon },
        scope: { symbols: req.symbols, interval: req.interval, from: req.from, to: req.to },
        splits, pipelineRunId: req.pipelineRunId, qualityResultIds: req.qualityResultIds,
        query: sql.trim(),
      },
      null,
      2,
    ),
  );
  return result;
}
