// Owns the SQL on database roles and their grants in this database: the rules role custom quality rules run as
// (SET LOCAL ROLE), and the runtime role workers and the CLI connect as (DML on Tickflow's tables, no DDL).
// Roles are cluster-wide and grants are per database, so every step reads first and changes only what is missing:
// a second database, a second run or a concurrent migrate on the same cluster finds nothing to do, or retries.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ConfigError } from '../contracts/errors';

/** What a custom rule may read: market data and its reference tables, never runs, lineage, ledgers or models. */
export const RULE_READABLE_TABLES = [
  'price_data', 'price_quarantine', 'corporate_action', 'exchange_calendar', 'company_fundamental', 'feature_set', 'feature_data', 'feature_values',
] as const;

/** Read by the runtime, written only by migrations. */
const MIGRATION_OWNED_TABLES = ['tickflow_migrations'];

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** A role name as an SQL identifier; names are checked against ROLE_NAME first, so quoting is only for clarity. */
export function roleIdent(name: string): string {
  if (!ROLE_NAME.test(name)) throw new ConfigError(`role name "${name}": expected lower-case letters, digits and "_", at most 63`, [name]);
  return `"${name}"`;
}

/** SASLprep as PostgreSQL's server and clients apply it (RFC 4013 mappings, then NFKC), so a non-ASCII password still logs in. */
function saslPrep(password: string): string {
  const mappedToNothing = /[\u00AD\u034F\u1806\u180B\u180C\u180D\u200C\u200D\u2060\uFE00-\uFE0F\uFEFF]/g;
  return password.replace(/[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/g, ' ').replace(mappedToNothing, '').normalize('NFKC');
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 7677, as libpq's PQencryptPasswordConn makes it):
 * sending the verifier instead of the password keeps the plain text out of the server's statement log.
 */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(saslPrep(password), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** Catalog updates of two sessions on one role row can collide ("tuple concurrently updated"): such a step is retried. */
function isConcurrentCatalogUpdate(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err.code === '40001' || err.code === '40P01' || err.code === '23505' || err.code === '42710' || /concurrently (updated|deleted)/.test(err.message ?? '');
}

async function retryingConflicts<T>(step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (e) {
      if (attempt >= 5 || !isConcurrentCatalogUpdate(e)) throw e;
      await new Promise((r) => setTimeout(r, 20 * attempt + Math.random() * 50));
    }
  }
}

const RULES_ROLE_ATTRIBUTES = 'NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';
const RUNTIME_ROLE_ATTRIBUTES = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';

export class RoleRepository {
  constructor(private readonly ds: DataSource) {}

  /** What keeps the rules role from being what custom rules need, one sentence each; [] when it is ready. Reads only. */
  async rulesRoleProblems(role: string): Promise<string[]> {
    roleIdent(role);
    const [r] = await this.ds.query(
      `SELECT r.rolsuper OR r.rolcanlogin OR r.rolcreatedb OR r.rolcreaterole OR r.rolreplication OR r.rolbypassrls AS too_strong,
         (SELECT string_agg(g.rolname, ', ') FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid) AS member_of,
         (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) OR pg_has_role(current_user, r.oid, 'MEMBER') AS can_take
       FROM pg_roles r WHERE r.rolname = $1`,
      [role],
    );
    if (!r) return [`role "${role}" does not exist`];
    const problems: string[] = [];
    if (r.too_strong) problems.push(`role "${role}" can log in or has administrative attributes`);
    if (r.member_of) problems.push(`role "${role}" is a member of ${r.member_of}`);
    if (!r.can_take) problems.push(`the connecting role cannot SET ROLE ${role}`);
    const missing = await this.tablesLacking(role, RULE_READABLE_TABLES, ['SELECT']);
    if (missing.length > 0) problems.push(`role "${role}" cannot read ${missing.join(', ')}`);
    const extra = await this.tablesBeyondReadable(role);
    if (extra.length > 0) problems.push(`role "${role}" may use ${extra.join(', ')}`);
    return problems;
  }

  /**
   * Creates the rules role when missing (NOLOGIN, no attributes, a member of no role), grants it SELECT on the
   * readable tables of this database and nothing else, and lets `members` (and the connecting role) SET ROLE to it.
   */
  async ensureRulesRole(role: string, members: string[] = []): Promise<void> {
    const id = roleIdent(role);
    await this.createRole(role, RULES_ROLE_ATTRIBUTES);
    await this.stripRole(role, RULES_ROLE_ATTRIBUTES);
    for (const t of await this.tablesBeyondReadable(role)) await retryingConflicts(() => this.ds.query(`REVOKE ALL ON "${t}" FROM ${id}`));
    for (const t of await this.tablesLacking(role, RULE_READABLE_TABLES, ['SELECT'])) {
      await retryingConflicts(() => this.ds.query(`GRANT SELECT ON "${t}" TO ${id}`));
    }
    for (const m of new Set(members)) await this.grantMembership(role, m);
    // A connecting role that is no superuser (one role for everything) needs the membership to SET ROLE.
    const [self] = await this.ds.query(`SELECT rolsuper OR pg_has_role(current_user, $1, 'MEMBER') AS can_take FROM pg_roles WHERE rolname = current_user`, [role]);
    if (!self.can_take) await retryingConflicts(() => this.ds.query(`GRANT ${id} TO CURRENT_USER`));
  }

  /**
   * Creates the runtime role when missing (LOGIN, with the password's SCRAM verifier when one is given) and grants
   * it DML on every table of this schema (SELECT only on the migrations table), the sequences, TEMP (the importers'
   * staging tables) and the rules role; it owns nothing and may create nothing. Throws when it owns a table.
   */
  async ensureRuntimeRole(role: string, password: string | undefined, rulesRole: string): Promise<void> {
    const id = roleIdent(role);
    await this.createRole(role, RUNTIME_ROLE_ATTRIBUTES);
    await this.stripRole(role, RUNTIME_ROLE_ATTRIBUTES);
    // Set on every migrate that is given one, so rotating it is `TICKFLOW_RUNTIME_ROLE_PASSWORD=… tickflow db migrate`.
    if (password !== undefined) await retryingConflicts(() => this.ds.query(`ALTER ROLE ${id} PASSWORD '${scramVerifier(password)}'`));
    const owned = await this.ds.query(`SELECT relname FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = $1)
      AND relnamespace = current_schema()::regnamespace`, [role]);
    if (owned.length > 0) {
      throw new ConfigError(`runtime role "${role}" owns ${owned.map((o: { relname: string }) => o.relname).join(', ')}: it could alter or drop them; `
        + 'make the migration role their owner (ALTER TABLE … OWNER TO …)', [role]);
    }
    const [db] = await this.ds.query(
      `SELECT has_database_privilege($1, current_database(), 'CONNECT') AND has_database_privilege($1, current_database(), 'TEMPORARY') AS usable,
         has_database_privilege($1, current_database(), 'CREATE') AS can_create_schema,
         has_schema_privilege($1, current_schema(), 'USAGE') AS can_use, has_schema_privilege($1, current_schema(), 'CREATE') AS can_create,
         has_schema_privilege('public', current_schema(), 'CREATE') AS anyone_can_create, quote_ident(current_database()) AS database,
         quote_ident(current_schema()) AS schema`,
      [role],
    );
    const step = (sql: string) => retryingConflicts(() => this.ds.query(sql));
    if (!db.usable) await step(`GRANT CONNECT, TEMPORARY ON DATABASE ${db.database} TO ${id}`);
    if (db.can_create_schema) await step(`REVOKE CREATE ON DATABASE ${db.database} FROM ${id}`);
    if (!db.can_use) await step(`GRANT USAGE ON SCHEMA ${db.schema} TO ${id}`);
    // PostgreSQL < 15 lets every role create tables in public: then the runtime role could too.
    if (db.anyone_can_create) await step(`REVOKE CREATE ON SCHEMA ${db.schema} FROM PUBLIC`);
    if (db.can_create) await step(`REVOKE CREATE ON SCHEMA ${db.schema} FROM ${id}`);
    const tables: { relname: string; relkind: string }[] = await this.ds.query(
      `SELECT relname, relkind FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p', 'v', 'm')`,
    );
    const readOnly = new Set([...MIGRATION_OWNED_TABLES, ...tables.filter((t) => t.relkind !== 'r' && t.relkind !== 'p').map((t) => t.relname)]);
    const writable = tables.map((t) => t.relname).filter((t) => !readOnly.has(t));
    for (const t of await this.tablesLacking(role, writable, ['SELECT', 'INSERT', 'UPDATE', 'DELETE'])) {
      await step(`GRANT SELECT, INSERT, UPDATE, DELETE ON "${t}" TO ${id}`);
    }
    for (const t of await this.tablesLacking(role, [...readOnly], ['SELECT'])) await step(`GRANT SELECT ON "${t}" TO ${id}`);
    const seqs: { relname: string }[] = await this.ds.query(
      `SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind = 'S'
         AND NOT (has_sequence_privilege($1, oid, 'USAGE') AND has_sequence_privilege($1, oid, 'SELECT') AND has_sequence_privilege($1, oid, 'UPDATE'))`,
      [role],
    );
    for (const s of seqs) await step(`GRANT USAGE, SELECT, UPDATE ON SEQUENCE "${s.relname}" TO ${id}`);
    await this.grantMembership(rulesRole, role);
  }

  /** Who this connection is: whether it is a superuser, and whether it owns Tickflow's tables (and so may alter them). */
  async connectedRole(): Promise<{ name: string; superuser: boolean; ownsTables: boolean }> {
    const [r] = await this.ds.query(`SELECT current_user AS name, r.rolsuper AS superuser,
        EXISTS (SELECT 1 FROM pg_class c WHERE c.relowner = r.oid AND c.relnamespace = current_schema()::regnamespace) AS owns_tables
      FROM pg_roles r WHERE r.rolname = current_user`);
    return { name: r.name, superuser: r.superuser, ownsTables: r.owns_tables };
  }

  /** Tables and views of this schema outside RULE_READABLE_TABLES on which `role` holds any privilege. */
  private async tablesBeyondReadable(role: string): Promise<string[]> {
    const rows: { relname: string }[] = await this.ds.query(
      `SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
         AND NOT (c.relname = ANY($2)) AND has_table_privilege($1, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
       ORDER BY 1`,
      [role, RULE_READABLE_TABLES],
    );
    return rows.map((r) => r.relname);
  }

  /** Tables of `names` present in this schema on which `role` lacks one of `privileges`. */
  private async tablesLacking(role: string, names: readonly string[], privileges: string[]): Promise<string[]> {
    const checks = privileges.map((p) => `has_table_privilege($1, c.oid, '${p}')`).join(' AND ');
    const rows: { relname: string }[] = await this.ds.query(
      `SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY($2) AND NOT (${checks}) ORDER BY 1`,
      [role, names],
    );
    return rows.map((r) => r.relname);
  }

  /** CREATE ROLE unless it exists; a concurrent creator winning the race is fine. */
  private async createRole(role: string, attributes: string): Promise<void> {
    const [exists] = await this.ds.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [role]);
    if (exists) return;
    await this.ds.query(`DO $$ BEGIN CREATE ROLE ${roleIdent(role)} ${attributes};
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
  }

  /** Gives the role exactly `attributes` and takes it out of every role it is a member of (pg_signal_backend, …). */
  private async stripRole(role: string, attributes: string): Promise<void> {
    const id = roleIdent(role);
    const login = attributes.startsWith('LOGIN');
    const [r] = await this.ds.query(
      `SELECT rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls OR rolcanlogin <> $2 AS differs FROM pg_roles WHERE rolname = $1`,
      [role, login],
    );
    if (r.differs) await retryingConflicts(() => this.ds.query(`ALTER ROLE ${id} ${attributes}`));
    const groups: { name: string }[] = await this.ds.query(
      `SELECT quote_ident(g.rolname) AS name FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
       WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1)`,
      [role],
    );
    for (const g of groups) await retryingConflicts(() => this.ds.query(`REVOKE ${g.name} FROM ${id}`));
  }

  private async grantMembership(group: string, member: string): Promise<void> {
    const [r] = await this.ds.query(`SELECT pg_has_role($2, $1, 'MEMBER') AS member`, [group, member]);
    if (!r.member) await retryingConflicts(() => this.ds.query(`GRANT ${roleIdent(group)} TO ${roleIdent(member)}`));
  }
}
