// The one DataSource factory: entities, migrations (never synchronize) and a bounded pool.
import 'reflect-metadata';
import type { ConnectionOptions as TlsConnectionOptions, TlsOptions } from 'node:tls';
import { DataSource } from 'typeorm';
import { entities } from '../../entities';
import { migrations } from '../../migrations';

export interface DataSourceOptions {
  url: string;
  poolMax?: number;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
  /** node-postgres TLS options (src/security/transport.ts postgresSsl). @default the URL's sslmode */
  ssl?: false | TlsConnectionOptions;
}

export function createDataSource({ url, poolMax = 10, applicationName = 'tickflow', ssl }: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsTableName: 'tickflow_migrations',
    uuidExtension: 'pgcrypto', // gen_random_uuid() is built into PostgreSQL 13+
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error'],
    applicationName,
    // node-postgres hands these to tls.connect (checkServerIdentity included); TypeORM's type is the server-side one.
    ...(ssl !== undefined ? { ssl: ssl as TlsOptions | false } : {}),
    extra: { max: poolMax, idleTimeoutMillis: 10_000, connectionTimeoutMillis: 10_000 },
  });
}

export async function openDataSource(options: DataSourceOptions): Promise<DataSource> {
  const ds = createDataSource(options);
  await ds.initialize();
  return ds;
}
