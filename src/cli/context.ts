// What every command shares: output helpers, the runtime wrapper, Web UI links, the Command shape.
import { loadConfig, type Config } from '../config';
import { openRuntime, type Runtime } from '../runtime';

export interface Command {
  name: string;
  /** One line for `tickflow --help`. */
  summary: string;
  help: string;
  run(argv: string[]): Promise<number>;
}

export const out = (s: string) => process.stdout.write(`${s}\n`);
export const err = (s: string) => process.stderr.write(`${s}\n`);

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
