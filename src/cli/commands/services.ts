// `tickflow services`: what Tickflow would connect to, and stopping the dev server it started.
import { loadConfig } from '../../config';
import { InputError } from '../../contracts/errors';
import { isPortOpen } from '../../services/net';
import { stopDevServer } from '../../services/temporal-server';
import { parse } from '../args';
import { out, usage, type Command } from '../context';
import { redactUrl } from '../../security/redact';

const help = `Usage: tickflow services status|stop

  status    show which services tickflow would use and whether they answer
  stop      stop the Temporal dev server that tickflow started (its data is kept)`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {}, 'services');
  const action = positionals[0];
  if (values.help || !action) return usage(help, values.help);
  const config = loadConfig();
  if (action === 'stop') {
    out((await stopDevServer(config.stateDir)) ? 'stopped the Temporal dev server' : 'no dev server started by tickflow is running');
    return 0;
  }
  if (action === 'status') {
    const pg = config.databaseUrl ? `DATABASE_URL (${new URL(config.databaseUrl).host})` : `embedded on 127.0.0.1:${config.embeddedPgPort}`;
    const pgUp = config.databaseUrl ? 'n/a' : (await isPortOpen(config.embeddedPgPort)) ? 'running' : 'stopped (starts on demand)';
    const t = config.temporal.address ?? `dev server on 127.0.0.1:${config.temporal.devServerPort}`;
    const tUp = config.temporal.address ? 'n/a' : (await isPortOpen(config.temporal.devServerPort)) ? 'running' : 'stopped (starts on demand)';
    out(`PostgreSQL  ${pg}: ${pgUp}\nTemporal    ${t}: ${tUp} — UI ${config.temporal.uiUrl}\nRedis       ${config.redisUrl ? redactUrl(config.redisUrl) : 'redis://127.0.0.1:6379 if it answers'}`);
    return 0;
  }
  throw new InputError(`unknown action "${action}" (status or stop)`, 'tickflow services');
}

export const servicesCommand: Command = { name: 'services', summary: 'which services would be used; stop the dev server tickflow started', help, actions: ['status', 'stop'], run };
