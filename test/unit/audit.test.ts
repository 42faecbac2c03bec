// CI's dependency audit (scripts/audit.js, run by .ci/run) on npm audit's own JSON report format (auditReportVersion 2,
// as `npm audit --json` prints it): a high advisory in a runtime dependency fails, a waived one passes with its
// reason printed, moderate ones pass, and a registry that cannot answer audits is a notice, not a failure.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../helpers/services';

describe('scripts/audit.js', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-audit-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const advisory = { source: 1, name: 'left-pad', dependency: 'left-pad', title: 'Prototype pollution in left-pad', url: 'https://github.com/advisories/GHSA-aaaa-bbbb-cccc', severity: 'high', range: '<1.3.1' };
  const report = (severity: string) => ({
    auditReportVersion: 2,
    vulnerabilities: {
      'left-pad': { name: 'left-pad', severity, isDirect: false, via: [{ ...advisory, severity }], effects: ['pad-user'], range: '<1.3.1', nodes: ['node_modules/left-pad'], fixAvailable: true },
      'pad-user': { name: 'pad-user', severity, isDirect: true, via: ['left-pad'], effects: [], range: '*', nodes: ['node_modules/pad-user'], fixAvailable: true },
    },
    metadata: {
      vulnerabilities: { info: 0, low: 0, moderate: severity === 'moderate' ? 2 : 0, high: severity === 'high' ? 2 : 0, critical: 0, total: 2 },
      dependencies: { prod: 120, dev: 400, optional: 3, peer: 0, peerOptional: 0, total: 520 },
    },
  });

  function audit(reportJson: unknown, waivers: Record<string, string> = {}) {
    const reportFile = path.join(dir, `report-${Math.random()}.json`);
    const waiverFile = path.join(dir, `waivers-${Math.random()}.json`);
    fs.writeFileSync(reportFile, typeof reportJson === 'string' ? reportJson : JSON.stringify(reportJson));
    fs.writeFileSync(waiverFile, JSON.stringify(waivers));
    const r = spawnSync(process.execPath, [path.join(projectRoot, 'scripts', 'audit.js'), '--report', reportFile, '--waivers', waiverFile], { encoding: 'utf8' });
    return { code: r.status, out: r.stdout };
  }

  it('fails on a high advisory in a runtime dependency, naming the package, the advisory and the fix', () => {
    const r = audit(report('high'));
    expect(r.code).toBe(1);
    expect(r.out).toContain('npm audit --omit=dev: 120 runtime packages; 0 critical, 2 high, 0 moderate, 0 low advisories');
    expect(r.out).toContain('high     left-pad <1.3.1: Prototype pollution in left-pad (https://github.com/advisories/GHSA-aaaa-bbbb-cccc)');
    expect(r.out).toContain('npm audit: 1 high or critical advisory(ies) in runtime dependencies');
  });

  it('passes a waived advisory, printing why it does not apply, and moderate ones', () => {
    const waived = audit(report('high'), { 'GHSA-aaaa-bbbb-cccc': 'only reachable through an API Tickflow never calls' });
    expect(waived.code).toBe(0);
    expect(waived.out).toContain('waived   high left-pad: Prototype pollution in left-pad (GHSA-aaaa-bbbb-cccc): only reachable through an API Tickflow never calls');
    const moderate = audit(report('moderate'));
    expect(moderate.code).toBe(0);
    expect(moderate.out).toContain('npm audit: no high or critical advisory in a runtime dependency');
  });

  it('skips, without failing, when the registry cannot answer the audit', () => {
    const r = audit({ message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk', statusCode: 405 });
    expect(r.code).toBe(0);
    expect(r.out).toContain('npm audit --omit=dev: skipped, the registry did not answer the audit (405 Method Not Allowed');
    expect(audit('npm error network request failed, reason: getaddrinfo ENOTFOUND').code).toBe(0);
  });
});
