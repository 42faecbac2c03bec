// Owns all SQL on model_training_run and model_prediction.
import type { DataSource, EntityManager } from 'typeorm';

export interface TrainingRunRecord {
  id: string;
  pipelineRunId: string | null;
  modelType: string;
  datasetPath: string;
  datasetHash: string;
  featureSetVersions: string[];
  splitRanges: Record<string, unknown>;
  hyperParameters: Record<string, unknown>;
  metrics: Record<string, number>;
  artifactPath: string | null;
  status: 'running' | 'completed' | 'failed';
  startedAt: Date;
  finishedAt: Date | null;
}

export interface PredictionRow {
  symbol: string;
  ts: Date;
  value: number;
  featureSetVersion: string;
}

const RUN_COLUMNS = `id, pipeline_run_id AS "pipelineRunId", model_type AS "modelType", dataset_path AS "datasetPath",
  dataset_hash AS "datasetHash", feature_set_versions AS "featureSetVersions", split_ranges AS "splitRanges",
  hyper_parameters AS "hyperParameters", metrics, artifact_path AS "artifactPath", status, started_at AS "startedAt",
  finished_at AS "finishedAt"`;

export class ModelRepository {
  constructor(private readonly ds: DataSource) {}

  async saveRun(r: TrainingRunRecord, em: EntityManager = this.ds.manager): Promise<void> {
    await em.query(
      `INSERT INTO model_training_run (id, pipeline_run_id, model_type, dataset_path, dataset_hash, feature_set_versions, split_ranges,
         hyper_parameters, metrics, artifact_path, status, started_at, finished_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [r.id, r.pipelineRunId, r.modelType, r.datasetPath, r.datasetHash, r.featureSetVersions, JSON.stringify(r.splitRanges),
        JSON.stringify(r.hyperParameters), JSON.stringify(r.metrics), r.artifactPath, r.status, r.startedAt, r.finishedAt],
    );
  }

  async get(id: string, em: EntityManager = this.ds.manager): Promise<TrainingRunRecord | null> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
    const rows = await em.query(`SELECT ${RUN_COLUMNS} FROM model_training_run WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  async list(limit = 20): Promise<TrainingRunRecord[]> {
    return this.ds.query(`SELECT ${RUN_COLUMNS} FROM model_training_run ORDER BY started_at DESC LIMIT $1`, [limit]);
  }

  /** Idempotent per (model run, symbol, ts): a re-run of predict rewrites the same rows. */
  async savePredictions(em: EntityManager, modelTrainingRunId: string, rows: PredictionRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    await em.query(
      `INSERT INTO model_prediction (model_training_run_id, symbol, ts, value, feature_set_version)
       SELECT $1, s, t, v, f FROM unnest($2::text[], $3::timestamptz[], $4::float8[], $5::text[]) AS x(s, t, v, f)
       ON CONFLICT (model_training_run_id, symbol, ts) DO UPDATE SET value = EXCLUDED.value, feature_set_version = EXCLUDED.feature_set_version`,
      [modelTrainingRunId, rows.map((r) => r.symbol), rows.map((r) => r.ts), rows.map((r) => r.value), rows.map((r) => r.featureSetVersion)],
    );
    return rows.length;
  }

  async predictionsOf(modelTrainingRunId: string, limit = 1000): Promise<(PredictionRow & { createdAt: Date })[]> {
    return this.ds.query(
      `SELECT symbol, ts, value, feature_set_version AS "featureSetVersion", created_at AS "createdAt" FROM model_prediction
       WHERE model_training_run_id = $1 ORDER BY ts DESC, symbol LIMIT $2`,
      [modelTrainingRunId, limit],
    );
  }
}
