// What every command shares: output helpers, the runtime wrapper, Web UI links, the Command shape.
import { loadConfig, type Config } from '../config';
import { openRuntime, type Runtime } from '../runtime';

export interface Command {
  name: string;
  /** One line for `tickflow --help`. */
  summary: string;
  help: string;
  /** Sub-commands (`tickflow <name> <action> …`), each of which also takes --help. */
  actions?: readonly string[];
  run(argv: string[]): Promise<number>;
}

export const out = (s: string) => process.stdout.write(`${s}\n`);
export const err = (s: string) => process.stderr.write(`${s}\n`);

// One CLI invocation per process: --verbose is set once, by main(), before any command runs.
let verboseOutput = false;
export const setVerbose = (on: boolean) => void (verboseOutput = on);
/** --verbose: failures carry their stack traces, and the in-process worker logs them. */
export const isVerbose = () => verboseOutput;

/** Asked for (--help): the usage on stdout, exit 0. Not asked for (a missing action): a usage error on stderr, exit 2. */
export function usage(help: string, asked: boolean | undefined): number {
  if (asked) {
    out(help);
    return 0;
  }
  err(help);
  return 2;
}

export function workflowUiLink(config: Config, workflowId: string, runId: string): string {
  return `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}/${runId}/history`;
}

/** Opens what the command needs, prints notices once (e.g. "cache off"), and always closes. */
export async function withRuntime<T>(needs: Parameters<typeof openRuntime>[1], fn: (rt: Runtime) => Promise<T>, quiet = false): Promise<T> {
  const config = loadConfig();
  const rt = await openRuntime(config, { ...needs, log: quiet ? () => {} : (m) => err(`· ${m}`) });
  for (const n of rt.notices) err(`· ${n}`);
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}
