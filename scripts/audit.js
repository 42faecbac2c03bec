#!/usr/bin/env node
// CI's dependency check: `npm audit --omit=dev` (runtime dependencies only), its summary printed, and exit 1 when a
// high or critical advisory affects a runtime dependency and .ci/audit-waivers.json does not say why it does not
// apply (each waiver is listed, with its reason, in the README's Security section). When the registry cannot answer
// audits (offline, or a mirror that serves GET only) it says so and exits 0: an unreachable service is not a finding.
//   node scripts/audit.js [--report npm-audit.json] [--waivers waivers.json]
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const BLOCKING = new Set(['high', 'critical']);

function arg(name) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function readReport() {
  const file = arg('--report');
  if (file) return fs.readFileSync(file, 'utf8');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['audit', '--omit=dev', '--json'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return r.stdout || r.error?.message || '';
}

/** GHSA id of an advisory (`via` entry), from its URL. */
const advisoryId = (via) => String(via.url ?? via.source).split('/').pop();

function main() {
  const waivers = JSON.parse(fs.readFileSync(arg('--waivers') ?? path.join(root, '.ci', 'audit-waivers.json'), 'utf8'));
  let report;
  try {
    report = JSON.parse(readReport());
  } catch {
    report = undefined;
  }
  if (!report?.metadata?.vulnerabilities) {
    const why = report?.message ?? report?.error?.summary ?? 'no report';
    console.log(`npm audit --omit=dev: skipped, the registry did not answer the audit (${why}); not counted as a failure`);
    return 0;
  }
  const v = report.metadata.vulnerabilities;
  const deps = report.metadata.dependencies?.prod ?? report.metadata.dependencies?.total ?? '?';
  console.log(`npm audit --omit=dev: ${deps} runtime packages; ${v.critical} critical, ${v.high} high, ${v.moderate} moderate, ${v.low} low advisories`);
  // Each advisory is listed under the package it is in; packages that only depend on one repeat its name as a string.
  const advisories = new Map();
  for (const pkg of Object.values(report.vulnerabilities ?? {})) {
    for (const via of pkg.via ?? []) if (typeof via === 'object') advisories.set(advisoryId(via), { ...via, package: pkg.name });
  }
  let blocking = 0;
  for (const [id, a] of advisories) {
    if (!BLOCKING.has(a.severity)) continue;
    if (waivers[id]) {
      console.log(`  waived   ${a.severity} ${a.package}: ${a.title} (${id}): ${waivers[id]}`);
      continue;
    }
    blocking++;
    console.log(`  ${a.severity.padEnd(8)} ${a.package} ${a.range ?? ''}: ${a.title} (${a.url ?? id})`);
  }
  if (blocking > 0) {
    console.log(`npm audit: ${blocking} high or critical advisory(ies) in runtime dependencies: upgrade, or add a waiver with the reason (.ci/audit-waivers.json and README "Security")`);
    return 1;
  }
  console.log('npm audit: no high or critical advisory in a runtime dependency');
  return 0;
}

process.exitCode = main();
