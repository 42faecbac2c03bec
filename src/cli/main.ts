// The `tickflow` command line. Each command lives in ./commands; this file dispatches and maps errors to exit codes.
import { ConfigError, InputError, ServiceUnavailableError } from '../contracts/errors';
import { commands } from './commands';
import { describeUnexpected } from './failure';
import { err, isVerbose, setVerbose, usage } from './context';

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return `tickflow — durable market-data pipeline (Temporal + PostgreSQL)

Usage: tickflow <command> [options]

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}

Every command and sub-command takes --help; --verbose (anywhere) adds stack traces to failures.
Settings come from environment variables (see README).
Exit codes: 0 ok, 1 the run failed, 2 bad flags or settings, 3 a service is unavailable.`;
}

export async function main(argv: string[]): Promise<number> {
  setVerbose(argv.includes('--verbose'));
  const [name, ...rest] = argv.filter((a) => a !== '--verbose');
  if (!name || name === '--help' || name === '-h' || name === 'help') return usage(mainHelp(), Boolean(name));
  const command = commands.find((c) => c.name === name);
  if (!command) {
    err(`tickflow: unknown command "${name}"\n\n${mainHelp()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof InputError) {
      err(`tickflow: ${e.message}`);
      return 2;
    }
    if (e instanceof ServiceUnavailableError) {
      err(`tickflow: ${e.message}`);
      return 3;
    }
    err(`tickflow: unexpected error: ${describeUnexpected(e, isVerbose())}`);
    return 1;
  }
}
