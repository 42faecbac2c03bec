// Finds the `temporal` CLI (the dev server lives in it), building it from the Go module proxy when absent.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ServiceUnavailableError } from '../contracts/errors';
import { goInstall, isExecutable, onPath, withBuildLock } from './go-tools';

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
  return goInstall('temporal CLI', TEMPORAL_CLI_MODULE, 'temporal', toolsDir, log);
}

export function ensureTemporalCli(location: TemporalCliLocation, log?: (msg: string) => void): string {
  return findTemporalCli(location) ?? withBuildLock(location.toolsDir, 'temporal', () => findTemporalCli(location), () => buildTemporalCli(location.toolsDir, log), log);
}

/**
 * Runs the binary once so its pages are in the OS cache: the SDK gives a dev server only a few seconds to come up,
 * and a cold 250 MB binary can miss that on a busy machine.
 */
export function warmTemporalCli(cli: string): string {
  return execFileSync(cli, ['--version'], { encoding: 'utf8', env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' } }).trim();
}
