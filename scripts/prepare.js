#!/usr/bin/env node
// npm's `prepare` lifecycle (after `npm ci` / `npm install` in a clone): compile TypeScript into dist/ so that
// `npx tickflow …` works straight away. Idempotent and quick when dist/ is up to date (no source newer than the
// last build). Skips, saying why, where there is nothing to build: a Docker layer that copied only package*.json,
// or an install without devDependencies (no TypeScript).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const say = (msg) => process.stderr.write(`[prepare] ${msg}\n`);

function newestMtime(entry) {
  let st;
  try {
    st = fs.statSync(entry);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return /\.(ts|json)$/.test(entry) ? st.mtimeMs : 0;
  let newest = 0;
  for (const name of fs.readdirSync(entry)) {
    if (name === 'node_modules' || name.startsWith('dist')) continue;
    newest = Math.max(newest, newestMtime(path.join(entry, name)));
  }
  return newest;
}

function main() {
  const tsconfigPath = path.join(root, 'tsconfig.json');
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!fs.existsSync(tsconfigPath) || !fs.existsSync(path.join(root, 'src'))) return say('no sources here yet: nothing to build');
  if (!fs.existsSync(tsc)) return say('TypeScript is not installed (an install without devDependencies): not building');
  const tsconfig = JSON.parse(fs.readFileSync(tsconfigPath, 'utf8'));
  const outDir = path.join(root, tsconfig.compilerOptions.outDir);
  const buildInfo = path.join(root, tsconfig.compilerOptions.tsBuildInfoFile);
  const entry = path.join(outDir, 'src', 'cli', 'main.js');
  if (fs.existsSync(entry) && fs.existsSync(buildInfo)) {
    const built = fs.statSync(buildInfo).mtimeMs;
    const inputs = [tsconfigPath, ...tsconfig.include.map((dir) => path.join(root, dir))];
    if (inputs.every((i) => newestMtime(i) <= built)) return say(`${path.relative(root, outDir)}/ is up to date`);
  }
  say('compiling TypeScript');
  const res = spawnSync(process.execPath, [tsc, '-p', tsconfigPath], { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) process.exit(res.status ?? 1);
  // tsc leaves its build info alone when nothing changed in content (a touched file): mark this build as the newest.
  const now = new Date();
  fs.utimesSync(buildInfo, now, now);
}

main();
