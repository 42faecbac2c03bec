// Brings up the services a command needs, exactly as configured: given addresses are used as they are;
// missing ones start the embedded defaults (embedded PostgreSQL, Temporal dev server) under the state dir.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import type { Config } from './config';
import { openDataSource } from './db/data-source';
import { migrateDatabase } from './db/migrate';
import { FeatureCache } from './features/feature-cache';
import { startEmbeddedPostgres } from './services/embedded-postgres';
import { connectRedis } from './services/redis';
import { ensureTemporalCli } from './services/temporal-cli';
import { ensureSearchAttributes, startDevServer } from './services/temporal-server';
import { installWorkerLogging } from './worker';

export interface Runtime {
  config: Config;
  dataSource: DataSource;
  databaseUrl: string;
  embeddedDatabase: boolean;
  temporal?: { address: string; connection: Connection; client: Client; startedDevServer: boolean };
  redis: Redis | null;
  featureCache: FeatureCache;
  notices: string[];
  close(): Promise<void>;
}

export interface RuntimeNeeds {
  temporal?: boolean;
  /** Apply pending migrations on start (the main job does; `db status` does not), as the migration role when one is configured. */
  migrate?: boolean;
  /** Connect as the migration role (TICKFLOW_MIGRATION_DATABASE_URL) instead of the runtime role: `tickflow db`. */
  asMigrationRole?: boolean;
  log?: (msg: string) => void;
}

export async function openRuntime(config: Config, needs: RuntimeNeeds = {}): Promise<Runtime> {
  const log = needs.log ?? (() => {});
  const notices: string[] = [];
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => {});
  };
  try {
    let databaseUrl = config.databaseUrl;
    const embeddedDatabase = !databaseUrl;
    // A separate migration role only makes sense for a configured database; the embedded one has one superuser.
    const migrationUrl = embeddedDatabase ? undefined : config.migrationDatabaseUrl;
    if (needs.asMigrationRole && migrationUrl) databaseUrl = migrationUrl;
    if (!databaseUrl) {
      log(`starting embedded PostgreSQL on port ${config.embeddedPgPort} (data in ${config.stateDir}/pg)`);
      const pg = await startEmbeddedPostgres(config.stateDir, config.embeddedPgPort);
      closers.push(pg.stop);
      databaseUrl = pg.url;
    }
    const dataSource = await openDataSource({ url: databaseUrl, poolMax: config.dbPoolMax });
    closers.push(() => dataSource.destroy());
    if (needs.migrate) {
      const { name, password } = config.runtimeRole;
      const roles = { rulesRole: config.customRules.role, runtimeRole: name ? { name, password } : undefined };
      // The runtime role may not run DDL: with a migration role configured, migrations connect as it, briefly.
      const migrator = migrationUrl && !needs.asMigrationRole ? await openDataSource({ url: migrationUrl, poolMax: 1, applicationName: 'tickflow-migrate' }) : dataSource;
      try {
        const { applied, notices: roleNotices } = await migrateDatabase(migrator, roles);
        if (applied.length > 0) log(`applied ${applied.length} migration(s): ${applied.join(', ')}`);
        notices.push(...roleNotices);
      } finally {
        if (migrator !== dataSource) await migrator.destroy();
      }
    }

    const redis = await connectRedis(config.redisUrl, { required: process.env.CI === 'true' && !!config.redisUrl });
    if (redis.client) closers.push(async () => void redis.client?.disconnect());
    else if (redis.reason) notices.push(redis.reason);
    const featureCache = new FeatureCache(redis.client, config.featureCacheTtlSeconds);

    let temporal: Runtime['temporal'];
    if (needs.temporal) {
      let address = config.temporal.address;
      let startedDevServer = false;
      if (!address) {
        const cli = ensureTemporalCli({ cliPath: config.temporal.cliPath, toolsDir: config.temporal.toolsDir }, log);
        const server = await startDevServer({
          cli, stateDir: config.stateDir, port: config.temporal.devServerPort, uiPort: config.temporal.uiPort, namespace: config.temporal.namespace,
        });
        address = server.address;
        startedDevServer = server.pid !== undefined;
        if (startedDevServer) log(`started the Temporal dev server on ${address} (Web UI ${config.temporal.uiUrl})`);
      }
      const connection = await Connection.connect({ address });
      closers.push(() => connection.close());
      await ensureSearchAttributes(connection, config.temporal.namespace);
      temporal = { address, connection, client: new Client({ connection, namespace: config.temporal.namespace }), startedDevServer };
    }

    return { config, dataSource, databaseUrl, embeddedDatabase, temporal, redis: redis.client, featureCache, notices, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The worker's connection; installs the SDK's logging first, as the SDK requires (`stacks`: see installWorkerLogging). */
export async function connectWorkerNative(config: Config, address: string, stacks = true): Promise<NativeConnection> {
  installWorkerLogging(config.workerLogLevel, stacks);
  return NativeConnection.connect({ address });
}
