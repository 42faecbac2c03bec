// Bringing a database up to date: pending migrations, then the roles Tickflow runs with (src/repositories/role-repository.ts).
// Run as the migration role (TICKFLOW_MIGRATION_DATABASE_URL, else DATABASE_URL), by `tickflow db migrate`, by every
// command that migrates on start, and by the test suite's global setup.
import type { DataSource } from 'typeorm';
import { RoleRepository } from '../repositories/role-repository';

export interface RoleSettings {
  /** The NOLOGIN role custom quality rules run as. */
  rulesRole: string;
  /** The LOGIN role workers and the CLI connect as; unset: not managed here. */
  runtimeRole?: { name: string; password: string | undefined };
}

export interface MigrateResult {
  applied: string[];
  /** The roles ensured, for `db migrate` to report (never a password). */
  roles: { rules: string; runtime: string | null };
  /** Why the rules role is not ready, when `strict` is off: custom rules then fail, each with this reason. */
  notices: string[];
}

/**
 * Applies pending migrations and ensures the roles. `strict` (`tickflow db migrate`) throws when a role cannot be
 * made right; otherwise (a worker starting as a role without CREATEROLE) a rules role that is not ready is a notice,
 * and custom rules refuse to run until an operator runs `tickflow db migrate` as the migration role.
 */
export async function migrateDatabase(ds: DataSource, roles: RoleSettings, { strict = false } = {}): Promise<MigrateResult> {
  const applied = (await ds.runMigrations({ transaction: 'each' })).map((m) => m.name);
  const repo = new RoleRepository(ds);
  const notices: string[] = [];
  if (roles.runtimeRole) {
    try {
      // The runtime role becomes a member of the rules role (to SET ROLE to it), so the rules role comes first.
      await repo.ensureRulesRole(roles.rulesRole);
      await repo.ensureRuntimeRole(roles.runtimeRole.name, roles.runtimeRole.password, roles.rulesRole);
    } catch (e) {
      if (strict) throw e;
      notices.push(`roles ${roles.rulesRole} / ${roles.runtimeRole.name} are not as Tickflow needs them: ${(e as Error).message} `
        + '(run `tickflow db migrate` as the migration role)');
    }
  } else if ((await repo.rulesRoleProblems(roles.rulesRole)).length > 0) {
    try {
      await repo.ensureRulesRole(roles.rulesRole);
    } catch (e) {
      if (strict) throw e;
      const problems = await repo.rulesRoleProblems(roles.rulesRole);
      notices.push(`custom quality rules will not run: ${problems.join('; ') || (e as Error).message} (run \`tickflow db migrate\` as the migration role)`);
    }
  }
  return { applied, roles: { rules: roles.rulesRole, runtime: roles.runtimeRole?.name ?? null }, notices };
}
