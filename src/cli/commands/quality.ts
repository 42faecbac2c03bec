// `tickflow quality`: result history and trends, the compliance report, and users' own rules.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { InputError } from '../../contracts/errors';
import { isoDateSchema } from '../../contracts/schemas';
import { addCustomRule } from '../../quality/custom-rules';
import { buildReport, render } from '../../quality/report';
import { defaultRules } from '../../quality/rules';
import { QualityRepository } from '../../repositories/quality-repository';
import { checkFlag as flag, parse } from '../args';
import { err, out, usage, withRuntime, type Command } from '../context';

const help = `Usage: tickflow quality history [--rule NAME] [--symbol SYM] [--since YYYY-MM-DD] [--run ID] [--limit N] [--json]
       tickflow quality report (--run PIPELINE-RUN-ID | --since YYYY-MM-DD) [--format html|md|json] --out PATH
       tickflow quality rules list [--json]
       tickflow quality rules add --name NAME --sql "SELECT …" --description TEXT [--severity warn|error] [--blocking]
                                  [--max-failing-rows N] [--target-table price_data|feature_data|company_fundamental]
       tickflow quality rules remove NAME

history  validation results, newest first; with --rule, the rule's metric over the runs (its trend)
report   a self-contained compliance report (HTML with inline SVG charts, Markdown or JSON)
rules    custom rules: a single read-only SELECT returning the failing rows; it may use $1 symbols, $2 interval,
         $3 from, $4 to (or the CTE "scope"). It runs as the rules role (TICKFLOW_RULES_ROLE), which reads
         market data only, and may call only allowlisted built-in functions. See docs/quality.md.`;

const uuid = z.string().uuid('expected a pipeline-run id (uuid)');


const options = {
  json: { type: 'boolean' }, rule: { type: 'string' }, symbol: { type: 'string' }, since: { type: 'string' }, run: { type: 'string' },
  limit: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, name: { type: 'string' }, sql: { type: 'string' },
  description: { type: 'string' }, severity: { type: 'string' }, blocking: { type: 'boolean' }, 'max-failing-rows': { type: 'string' },
  'target-table': { type: 'string' },
} as const;

async function run(argv: string[]): Promise<number> {
  const { values: v, positionals } = parse(argv, options, 'quality');
  const [action, sub, arg] = positionals;
  if (v.help || !action) return usage(help, v.help);
  const where = `tickflow quality ${action}`;
  if (!['history', 'report', 'rules'].includes(action)) throw new InputError(`unknown action "${action}" (history, report or rules)`, 'tickflow quality');
  // Flags are checked before any service starts: a typo should not wait for PostgreSQL.
  const since = v.since === undefined ? undefined : flag(isoDateSchema, 'since', v.since, where);
  const runId = v.run === undefined ? undefined : flag(uuid, 'run', v.run, where);
  const limit = v.limit === undefined ? undefined : flag(z.coerce.number().int().min(1).max(100_000), 'limit', v.limit, where);
  if (action === 'report') {
    if ((runId === undefined) === (since === undefined)) throw new InputError('give exactly one of --run or --since', where);
    flag(z.string().min(1, 'is required'), 'out', v.out ?? '', where);
    flag(z.enum(['html', 'md', 'json']), 'format', v.format ?? 'html', where);
  }
  return withRuntime({ migrate: true }, async ({ dataSource, config }) => {
    const repo = new QualityRepository(dataSource);
    if (action === 'history') {
      const rows = await repo.history({ rule: v.rule, symbol: v.symbol, since, pipelineRunId: runId, limit: limit ?? 100 });
      if (v.json) out(JSON.stringify(rows, null, 2));
      else if (rows.length === 0) out('no validation results match');
      else {
        for (const r of rows) {
          out(`${r.evaluatedAt}  ${r.passed ? 'pass' : 'FAIL'}  ${r.rule.padEnd(40)} observed ${String(r.observed).padEnd(22)} threshold ${r.threshold}  ` +
            `${r.failingRows}/${r.rowsChecked} failing  run ${r.pipelineRunId ?? '-'}`);
        }
        if (v.rule) out(`trend (oldest → newest): ${rows.map((r) => r.observed).reverse().join(' → ')}`);
      }
      return 0;
    }
    if (action === 'report') {
      const format = (v.format ?? 'html') as 'html' | 'md' | 'json';
      const data = await buildReport(repo, runId !== undefined ? { run: runId } : { since: since! });
      const file = path.resolve(v.out!);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, render(data, format));
      err(`wrote ${format} report to ${file}: ${data.summary.passed}/${data.summary.results} results passed`);
      return 0;
    }
    if (sub === 'list') {
      const custom = await repo.listCustomRules();
      if (v.json) out(JSON.stringify({ default: defaultRules.map(({ name, targetTable, severity, blocking, tolerance, description }) =>
        ({ name, targetTable, severity, blocking, tolerance, description })), custom }, null, 2));
      else {
        for (const r of defaultRules) out(`default  ${r.name.padEnd(40)} ${r.severity.padEnd(5)} ${r.blocking ? 'blocking' : '        '}  ${r.description}`);
        for (const r of custom) out(`custom   ${r.name.padEnd(40)} ${r.severity.padEnd(5)} ${r.blocking ? 'blocking' : '        '}  ${r.description}  (≤ ${r.maxFailingRows} rows)`);
      }
      return 0;
    }
    if (sub === 'add') {
      const rule = await addCustomRule(repo, {
        name: v.name ?? '', sql: v.sql ?? '', description: v.description ?? '', severity: (v.severity ?? 'error') as 'warn' | 'error',
        blocking: v.blocking ?? false, targetTable: (v['target-table'] ?? 'price_data') as 'price_data',
        maxFailingRows: flag(z.coerce.number().int().min(0), 'max-failing-rows', v['max-failing-rows'] ?? '0', 'tickflow quality rules add'),
      }, config.customRules);
      out(`added custom rule ${rule.name} (${rule.severity}${rule.blocking ? ', blocking' : ''}, at most ${rule.maxFailingRows} failing rows)`);
      return 0;
    }
    if (sub === 'remove') {
      if (!arg) throw new InputError('needs the name of a custom rule', 'tickflow quality rules remove');
      if (!(await repo.removeCustomRule(arg))) {
        err(`no custom rule ${arg}`);
        return 1;
      }
      out(`removed custom rule ${arg}`);
      return 0;
    }
    throw new InputError(`unknown action "${sub ?? ''}" (list, add or remove)`, 'tickflow quality rules');
  }, Boolean(v.json));
}

export const qualityCommand: Command = { name: 'quality', summary: 'quality results and trends, compliance reports, custom rules', help, actions: ['history', 'report', 'rules', 'rules list', 'rules add', 'rules remove'], run };
