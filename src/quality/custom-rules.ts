// Users' own rules: validated at the edge (zod, then the parse-tree policy, then PostgreSQL plans the query as the
// rules role, read-only), stored in quality_custom_rule, and evaluated next to the default rules as CustomRuleSpec.
import { z } from 'zod';
import { InputError } from '../contracts/errors';
import type { CustomRuleLimits, CustomRuleRow, QualityRepository } from '../repositories/quality-repository';
import { ruleSqlRefusal } from './rule-sql-policy';
import { defaultRules, type CustomRuleSpec } from './rules';

const reserved = new Set(defaultRules.map((r) => r.name));

/** Strips one trailing semicolon; what remains must be one SELECT (or WITH … SELECT) with no other statement. */
function normaliseSql(sql: string): string {
  return sql.trim().replace(/;\s*$/, '').trim();
}

export const customRuleInput = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_.-]{2,127}$/, 'lower-case letters, digits, "_", "." or "-", 3 to 128 characters, starting with a letter')
    .refine((n) => !reserved.has(n), 'is the name of a default rule'),
  description: z.string().trim().min(1, 'must not be empty').max(500),
  targetTable: z.enum(['price_data', 'feature_data', 'company_fundamental']),
  severity: z.enum(['warn', 'error']),
  blocking: z.boolean(),
  maxFailingRows: z.number().int().min(0),
  sql: z.string().transform(normaliseSql)
    .refine((s) => /^(select|with)\b/i.test(s), 'must be a single SELECT (starting with SELECT or WITH)')
    .refine((s) => !s.includes(';'), 'must be a single statement (no ";" inside)'),
});

export type CustomRuleInput = z.input<typeof customRuleInput>;

/** Validates and stores a rule; throws InputError naming the field, the value and the place. */
export async function addCustomRule(repo: QualityRepository, input: CustomRuleInput, limits?: CustomRuleLimits): Promise<CustomRuleRow> {
  const parsed = customRuleInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue.path[0]);
    throw new InputError(`${field}=${JSON.stringify((input as Record<string, unknown>)[field])}: ${issue.message}`, 'tickflow quality rules add');
  }
  const refusal = await ruleSqlRefusal(parsed.data.sql);
  if (refusal) throw new InputError(`the query ${refusal}`, 'custom rule --sql');
  await repo.checkCustomSql(parsed.data.sql, limits);
  await repo.addCustomRule(parsed.data);
  return (await repo.listCustomRules()).find((r) => r.name === parsed.data.name)!;
}

export function toRuleSpec(row: CustomRuleRow): CustomRuleSpec {
  return {
    kind: 'custom', name: row.name, description: row.description, targetTable: row.targetTable as CustomRuleSpec['targetTable'],
    severity: row.severity, blocking: row.blocking, tolerance: { metric: 'failing_rows', max: row.maxFailingRows }, sql: row.sql,
  };
}
