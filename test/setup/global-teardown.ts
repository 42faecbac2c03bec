// Drops the run's database (and stops the embedded PostgreSQL if setup had to start one).
import fs from 'node:fs';
import { Client } from 'pg';

export default async function globalTeardown(): Promise<void> {
  const file = process.env.TICKFLOW_TEST_STATE_FILE;
  if (!file || !fs.existsSync(file)) return;
  const { adminUrl, dbName, embeddedDir } = JSON.parse(fs.readFileSync(file, 'utf8'));
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  // Databases made by individual tests (migration round trips) share the prefix.
  const extra = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${dbName}_%`]);
  for (const r of extra.rows) await admin.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
  await admin.end();
  const pg = (globalThis as Record<string, unknown>).__tickflowEmbeddedPg as { stop(): Promise<void> } | undefined;
  if (pg) await pg.stop();
  if (embeddedDir) fs.rmSync(embeddedDir, { recursive: true, force: true });
  fs.rmSync(file, { force: true });
}
