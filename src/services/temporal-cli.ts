// Finds the `temporal` CLI (the dev server lives in it), building it from the Go module proxy when absent.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ServiceUnavailableError } from '../contracts/errors';
import { isExecutable, onPath } from './go-tools';

/** v1.5.1 is the newest tag `go install` accepts: later ones carry a `replace` directive it refuses. */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

export interface TemporalCliLocation {
  cliPath: string | undefined;
  toolsDir: string;
}

/** TEMPORAL_CLI_PATH, then PATH, then the tool cache; undefined when none has it. */
export function findTemporalCli({ cliPath, toolsDir }: TemporalCliLocation): string | undefined {
  if (cliPath) {
    if (!isExecutable(cliPath)) {
      throw new ServiceUnavailableError('temporal CLI', `TEMPORAL_CLI_PATH=${cliPath} is not an executable file`);
    }
    return cliPath;
  }
  const cached = path.join(toolsDir, 'temporal');
  return onPath('temporal') ?? (isExecutable(cached) ? cached : undefined);
}

/** Builds the CLI into the tool cache with `go install`; takes a few minutes the first time on a fresh machine. */
export function buildTemporalCli(toolsDir: string, log: (msg: string) => void = () => {}): string {
  const go = onPath('go') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) {
    throw new ServiceUnavailableError(
      'temporal CLI',
      'not found on TEMPORAL_CLI_PATH, PATH or in the tool cache, and no Go toolchain is available to build it',
    );
  }
  fs.mkdirSync(toolsDir, { recursive: true });
  log(`building the Temporal CLI (${TEMPORAL_CLI_MODULE}) into ${toolsDir}; this takes a few minutes once`);
  // Built into a private folder and renamed into place, so nobody ever runs a half-written binary.
  const staging = fs.mkdtempSync(path.join(toolsDir, '.build-temporal-'));
  try {
    const res = spawnSync(go, ['install', '-trimpath', TEMPORAL_CLI_MODULE], {
      env: { ...process.env, CGO_ENABLED: '0', GOBIN: staging, GOFLAGS: '-buildvcs=false' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (res.status !== 0 || !isExecutable(path.join(staging, 'temporal'))) {
      throw new ServiceUnavailableError('temporal CLI', `go install ${TEMPORAL_CLI_MODULE} failed (exit ${res.status})`);
    }
    const built = path.join(toolsDir, 'temporal');
    fs.renameSync(path.join(staging, 'temporal'), built);
    return built;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `build` while holding `<toolsDir>/<name>.build-lock` (a directory: mkdir is atomic). Several checkouts or
 * test runs on one machine would otherwise each start the same multi-minute `go install`, and on two cores three
 * parallel builds take longer than three in a row. A lock whose owner died is taken over.
 */
export function withBuildLock<T>(toolsDir: string, name: string, ready: () => T | undefined, build: () => T, log: (msg: string) => void = () => {}): T {
  fs.mkdirSync(toolsDir, { recursive: true });
  const lock = path.join(toolsDir, `${name}.build-lock`);
  const owner = path.join(lock, 'pid');
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(owner, String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(fs.existsSync(owner) ? fs.readFileSync(owner, 'utf8') : NaN);
      if (Number.isInteger(pid) && !processAlive(pid)) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!announced) log(`another process (pid ${Number.isNaN(pid) ? '?' : pid}) is building ${name}; waiting for it`);
      announced = true;
      sleepSync(2000);
      const done = ready();
      if (done !== undefined) return done;
    }
  }
  try {
    return ready() ?? build();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export function ensureTemporalCli(location: TemporalCliLocation, log?: (msg: string) => void): string {
  return (
    findTemporalCli(location) ??
    withBuildLock(location.toolsDir, 'temporal', () => findTemporalCli(location), () => buildTemporalCli(location.toolsDir, log), log)
  );
}

/**
 * Runs the binary once so its pages are in the OS cache: the SDK gives a dev server only a few seconds to come up,
 * and a cold 250 MB binary can miss that on a busy machine.
 */
export function warmTemporalCli(cli: string): string {
  return execFileSync(cli, ['--version'], { encoding: 'utf8', env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' } }).trim();
}
