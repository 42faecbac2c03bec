import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Documents and their embeddings, PostgreSQL as the source of truth of every vector index:
 * - `document`: one version of one document (a filing, a file, a news item); a changed text is a new version;
 * - `document_chunk`: a token window of one version, with a generated tsvector for full-text search;
 * - `embedding_model`: each embedding model version ever used (a new version is new rows, never an overwrite);
 * - `document_embedding` (the placeholder reshaped): one chunk's vector under one model version;
 * - `document_quarantine`: documents that could not be read, with the reason.
 * The placeholder `document_embedding` of 1732406500000 never had a writer: it is replaced, not migrated.
 */
export class Documents1732407900000 implements MigrationInterface {
  name = 'Documents1732407900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "document_embedding"`);
    await q.query(`CREATE TABLE "document" (
      "id" BIGSERIAL PRIMARY KEY,
      "document_key" text NOT NULL,
      "version" integer NOT NULL CHECK ("version" >= 1),
      "symbol" character varying(32) NOT NULL,
      "published_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "source" character varying(32) NOT NULL,
      "form_type" character varying(32),
      "title" text,
      "link" text NOT NULL,
      "content_hash" character(64) NOT NULL,
      "format" character varying(16) NOT NULL,
      "text" text NOT NULL,
      "tokens" integer NOT NULL,
      "superseded_at" TIMESTAMP WITH TIME ZONE,
      "pipeline_run_id" uuid,
      "ingested_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "document_version_uq" UNIQUE ("document_key", "version"))`);
    // At most one current version per document.
    await q.query(`CREATE UNIQUE INDEX "document_current_uq" ON "document" ("document_key") WHERE "superseded_at" IS NULL`);
    await q.query(`CREATE INDEX "document_symbol_idx" ON "document" ("symbol", "published_at")`);
    await q.query(`CREATE TABLE "document_chunk" (
      "id" BIGSERIAL PRIMARY KEY,
      "document_id" bigint NOT NULL REFERENCES "document" ("id") ON DELETE CASCADE,
      "chunk_index" integer NOT NULL,
      "symbol" character varying(32) NOT NULL,
      "published_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "text" text NOT NULL,
      "tokens" integer NOT NULL,
      "start_offset" integer NOT NULL,
      "end_offset" integer NOT NULL,
      "tsv" tsvector GENERATED ALWAYS AS (to_tsvector('english', "text")) STORED,
      CONSTRAINT "document_chunk_uq" UNIQUE ("document_id", "chunk_index"))`);
    await q.query(`CREATE INDEX "document_chunk_symbol_idx" ON "document_chunk" ("symbol", "published_at")`);
    await q.query(`CREATE INDEX "document_chunk_tsv_idx" ON "document_chunk" USING GIN ("tsv")`);
    await q.query(`CREATE TABLE "embedding_model" (
      "model" character varying(128) NOT NULL,
      "version" character varying(128) NOT NULL,
      "dimension" integer NOT NULL CHECK ("dimension" > 0),
      "first_used_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      PRIMARY KEY ("model", "version"))`);
    await q.query(`CREATE TABLE "document_embedding" (
      "chunk_id" bigint NOT NULL REFERENCES "document_chunk" ("id") ON DELETE CASCADE,
      "model" character varying(128) NOT NULL,
      "model_version" character varying(128) NOT NULL,
      "vector" real[] NOT NULL,
      "pipeline_run_id" uuid,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      PRIMARY KEY ("model", "model_version", "chunk_id"),
      FOREIGN KEY ("model", "model_version") REFERENCES "embedding_model" ("model", "version"))`);
    await q.query(`CREATE INDEX "document_embedding_chunk_idx" ON "document_embedding" ("chunk_id")`);
    await q.query(`CREATE TABLE "document_quarantine" (
      "id" BIGSERIAL PRIMARY KEY,
      "pipeline_run_id" uuid,
      "source" character varying(32) NOT NULL,
      "location" text NOT NULL,
      "symbol" character varying(32),
      "reason" text NOT NULL,
      "excerpt" text,
      "quarantined_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now())`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "document_quarantine"`);
    await q.query(`DROP TABLE "document_embedding"`);
    await q.query(`DROP TABLE "embedding_model"`);
    await q.query(`DROP TABLE "document_chunk"`);
    await q.query(`DROP TABLE "document"`);
    await q.query(`CREATE TABLE "document_embedding" ("id" BIGSERIAL NOT NULL, "document_id" character varying(255) NOT NULL, "chunk_index" integer NOT NULL, "symbol" character varying(32), "published_at" TIMESTAMP WITH TIME ZONE NOT NULL, "content" text NOT NULL, "model" character varying(128) NOT NULL, "embedding" real array NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "document_embedding_chunk_uq" ON "document_embedding" ("document_id", "chunk_index", "model")`);
    await q.query(`CREATE INDEX "document_embedding_symbol_idx" ON "document_embedding" ("symbol", "published_at")`);
  }
}
