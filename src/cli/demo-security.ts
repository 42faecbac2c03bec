// The demo's security step: shows that custom quality rules run as the least-privileged rules role, that the issue's
// hostile rule is refused before PostgreSQL sees it, and which role the pipeline connected as (docs/security.md).
import { ruleSqlRefusal } from '../quality/rule-sql-policy';
import { RoleRepository, RULE_READABLE_TABLES } from '../repositories/role-repository';
import type { Runtime } from '../runtime';
import { out } from './context';

/** The rule from the security issue: it would terminate every backend on the server. */
const HOSTILE_RULE = 'SELECT pg_terminate_backend(pid)::text AS symbol, now() AS ts FROM pg_stat_activity';

export async function runDemoSecurity(rt: Runtime): Promise<number> {
  const roles = new RoleRepository(rt.dataSource);
  const rulesRole = rt.config.customRules.role;
  const problems = await roles.rulesRoleProblems(rulesRole);
  const me = await roles.connectedRole();
  out([
    '\n✓ security (docs/security.md)',
    `  custom rules    run as ${rulesRole}: ${problems.length === 0 ? `NOLOGIN, SELECT on ${RULE_READABLE_TABLES.length} market-data tables only, ${rt.config.customRules.timeoutMs / 1000} s per statement` : `NOT READY: ${problems.join('; ')}`}`,
    `  hostile rule    "${HOSTILE_RULE.slice(0, 40)}…" refused: ${await ruleSqlRefusal(HOSTILE_RULE)}`,
    `  connected as    ${me.name}${me.superuser ? ' (superuser: fine for the embedded demo; use a runtime role in production: tickflow db migrate --runtime-role NAME)' : me.ownsTables ? ' (owns the tables: use a separate runtime role)' : ' (runtime role: DML only, no DDL)'}`,
  ].join('\n'));
  return problems.length === 0 ? 0 : 1;
}
