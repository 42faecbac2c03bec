// Training-data export: one row per (symbol, bar) with the chosen feature-set versions' values and a label, split by
// time into train/validation/test with an embargo gap, streamed to CSV, JSON Lines or Parquet, with a manifest
// (<file>.manifest.json) that says what the file holds and where it came from.
import fs from 'node:fs';
import path from 'node:path';
import type { EntityManager } from 'typeorm';
import { InputError } from '../contracts/errors';
import { compileDeclaredSet } from '../features/feature-store';
import type { ExportFeatureSet, SplitShares } from '../repositories/export-query';
import { DerivedStalenessRepository } from '../repositories/derived-staleness-repository';
import { ExportRepository, type GatingResult } from '../repositories/export-repository';
import { FeatureRepository } from '../repositories/feature-repository';
import { parseLabelSpec, type LabelSpec } from './label-spec';
import { writeParquet, writeText, type ExportFormat, type SplitName, type SplitStats } from './writers';

export type { ExportFormat, SplitStats } from './writers';

export interface ExportRequest {
  symbols: string[];
  interval: string;
  from: string;
  to: string;
  /** Feature-set versions; the first defines the rows, the others are joined on the same bar. */
  featureSetVersions: string[];
  /** fwd_return:N | direction:N | expr:<expression> (see label-spec.ts). Its horizon is also the embargo. */
  label: string;
  format: ExportFormat;
  splits: SplitShares;
  outPath: string;
  pipelineRunId: string | null;
  qualityResultIds: string[];
  /** How the export was gated, for the manifest. */
  gate: ExportGate;
}

/** The quality gate the export passed (which stage ran it, its warnings), or that it was skipped and why. */
export type ExportGate = { decision: 'pass'; by: string; warnings?: string[] } | { decision: 'skipped'; reason: string };

export interface ExportResult {
  path: string;
  manifestPath: string;
  format: ExportFormat;
  rows: number;
  sha256: string;
  columns: string[];
  featureSetVersions: string[];
  label: { spec: string; column: string; horizonBars: number };
  splits: Record<SplitName, SplitStats>;
}

export const DEFAULT_SPLITS: SplitShares = { train: 0.7, validation: 0.15 };
export const EXPORT_EXTENSIONS: Record<ExportFormat, string> = { csv: 'csv', jsonl: 'jsonl', parquet: 'parquet' };

/**
 * `name` → the declared set's current version; `name@version` (or a bare registered version) → that version.
 * Every version must be registered (computed at least once).
 */
export async function resolveFeatureSets(em: EntityManager, specs: string[]): Promise<ExportFeatureSet[]> {
  const repo = new FeatureRepository(em.connection);
  const out: ExportFeatureSet[] = [];
  for (const spec of specs) {
    const [name, pinned] = spec.includes('@') ? spec.split('@', 2) : [spec, undefined];
    const version = pinned ?? ((await repo.registered(name, em)) ? name : compileDeclaredSet(name).version);
    const found = await repo.registered(version, em);
    if (!found) throw new InputError(`feature-set version "${version}" (from "${spec}") is not registered: compute it first`, 'features');
    if (pinned && found.name !== name) throw new InputError(`version "${version}" belongs to set "${found.name}", not "${name}"`, 'features');
    out.push({ name: found.name, version: found.version, names: found.featureNames });
  }
  const all = out.flatMap((s) => s.names);
  const clash = all.filter((n, i) => all.indexOf(n) !== i);
  if (clash.length) throw new InputError(`feature names appear in more than one set: ${[...new Set(clash)].join(', ')}`, 'features');
  return out;
}

function checkShares(s: SplitShares): void {
  if (!(s.train > 0 && s.validation >= 0 && s.train + s.validation < 1)) {
    throw new InputError(`train > 0, validation ≥ 0 and train + validation < 1 (got ${JSON.stringify(s)})`, 'splits');
  }
}

export async function exportTrainingData(em: EntityManager, req: ExportRequest): Promise<ExportResult> {
  checkShares(req.splits);
  const label: LabelSpec = parseLabelSpec(req.label);
  const sets = await resolveFeatureSets(em, req.featureSetVersions);
  const scope = { symbols: req.symbols, interval: req.interval, from: req.from, to: req.to };
  // Rows computed from prices that changed since must not reach a training file: StaleDataError names them.
  await new DerivedStalenessRepository(em.connection).assertFeaturesFresh(em, sets.map((s) => s.version), {
    symbols: req.symbols, interval: req.interval, from: new Date(`${req.from}T00:00:00Z`), to: new Date(`${req.to}T23:59:59.999Z`),
  });
  const exports = new ExportRepository(em.connection);
  await exports.tuneForBulkRead(em);
  const { ranges, query: splitQuery } = await exports.splitRanges(em, sets[0], label, scope, req.splits);
  // A deep read buffer for Parquet lets PostgreSQL keep producing while a row group is encoded (bounded: ~1 batch).
  const { query, sql, source } = req.format === 'parquet'
    ? exports.exportCopy(em, sets, label, scope, ranges, 'timestamptz', 32 * 2 ** 20)
    : exports.exportCopy(em, sets, label, scope, ranges, 'text');

  fs.mkdirSync(path.dirname(req.outPath), { recursive: true });
  const tmp = `${req.outPath}.partial`;
  const manifestPath = `${req.outPath}.manifest.json`;
  const describe = {
    featureSets: sets.map((s) => ({ name: s.name, version: s.version, features: s.names.length })),
    label: { spec: label.text, kind: label.kind, column: label.column, horizonBars: label.horizon, embargoBars: label.horizon },
  };
  try {
    const written = req.format === 'parquet'
      ? await writeParquet(source, sql, query.columns, label.type, { 'tickflow.export': JSON.stringify({ ...describe, scope }) }, tmp)
      : await writeText(source, sql, req.format, tmp);
    fs.renameSync(tmp, req.outPath); // readers never see a half-written file

    const gating: GatingResult[] = await exports.gatingResults(req.qualityResultIds, em);
    const result: ExportResult = {
      path: req.outPath, manifestPath, format: req.format, rows: written.rows, sha256: written.sha256, columns: query.columns,
      featureSetVersions: sets.map((s) => s.version), label: { spec: label.text, column: label.column, horizonBars: label.horizon },
      splits: written.splits,
    };
    const manifest = {
      file: path.basename(req.outPath), format: req.format, rows: written.rows, bytes: written.bytes, sha256: written.sha256, columns: query.columns,
      // Kept for readers of the first manifest version: the base set.
      featureSet: { name: sets[0].name, version: sets[0].version },
      ...describe,
      scope,
      splits: { ...written.splits, shares: { ...req.splits, test: Number((1 - req.splits.train - req.splits.validation).toFixed(10)) } },
      pointInTime: 'features at t use bars ≤ t and fundamentals published ≤ t; only the label column looks ahead',
      pipelineRunId: req.pipelineRunId,
      gate: req.gate,
      qualityResultIds: req.qualityResultIds,
      qualityResults: gating,
      query: { sql: query.sql.trim(), params: query.params, splitBoundaries: { sql: splitQuery.sql.trim(), params: splitQuery.params } },
      createdAt: new Date().toISOString(),
    };
    fs.writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    return result;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Reads a manifest written next to an export. */
export function readManifest(exportPath: string): ExportManifest {
  return JSON.parse(fs.readFileSync(`${exportPath}.manifest.json`, 'utf8')) as ExportManifest;
}

export interface ExportManifest {
  file: string;
  format: ExportFormat;
  rows: number;
  sha256: string;
  columns: string[];
  featureSets: { name: string; version: string }[];
  label: { spec: string; kind: string; column: string; horizonBars: number };
  scope: { symbols: string[]; interval: string; from: string; to: string };
  splits: Record<SplitName, SplitStats>;
  pipelineRunId: string | null;
  gate: ExportGate;
  qualityResultIds: string[];
  qualityResults: GatingResult[];
}
