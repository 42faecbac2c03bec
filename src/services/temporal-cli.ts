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
  const res = spawnSync(go, ['install', '-trimpath', TEMPORAL_CLI_MODULE], {
    env: { ...process.env, CGO_ENABLED: '0', GOBIN: toolsDir, GOFLAGS: '-buildvcs=false' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const built = path.join(toolsDir, 'temporal');
  if (res.status !== 0 || !isExecutable(built)) {
    throw new ServiceUnavailableError('temporal CLI', `go install ${TEMPORAL_CLI_MODULE} failed (exit ${res.status})`);
  }
  return built;
}

export function ensureTemporalCli(location: TemporalCliLocation, log?: (msg: string) => void): string {
  return findTemporalCli(location) ?? buildTemporalCli(location.toolsDir, log);
}

/**
 * Runs the binary once so its pages are in the OS cache: the SDK gives a dev server only a few seconds to come up,
 * and a cold 250 MB binary can miss that on a busy machine.
 */
export function warmTemporalCli(cli: string): string {
  return execFileSync(cli, ['--version'], { encoding: 'utf8', env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' } }).trim();
}
