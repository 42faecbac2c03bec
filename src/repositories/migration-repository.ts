// Owns the SQL on tickflow_migrations, TypeORM's record of the applied migrations (read by `tickflow db`).
import type { DataSource } from 'typeorm';

export class MigrationRepository {
  constructor(private readonly ds: DataSource) {}

  /** Names of the applied migrations, oldest first; none before the first `migrate` created the table. */
  async applied(): Promise<string[]> {
    const [{ present }] = await this.ds.query(`SELECT to_regclass('tickflow_migrations') IS NOT NULL AS present`);
    if (!present) return [];
    return (await this.ds.query(`SELECT name FROM tickflow_migrations ORDER BY id`)).map((r: { name: string }) => r.name);
  }
}
