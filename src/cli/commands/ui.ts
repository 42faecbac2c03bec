// `tickflow ui`: the read-only web app over the database (runs, lineage, quality, features, portfolios, documents).
import { z } from 'zod';
import { loadConfig } from '../../config';
import { checkUiServerOptions, startUiServer } from '../../ui/server';
import { checkFlag, parse } from '../args';
import { err, out, usage, withRuntime, type Command } from '../context';

const help = `Usage: tickflow ui [--port N] [--host ADDR] [--json]

Serves a read-only web app over the database until SIGINT/SIGTERM: pipeline runs, lineage graphs, quality trends
and failing bars, features, portfolios and risk, documents. Server-rendered HTML and SVG, no script, works offline.
  --port N      port to listen on (default TICKFLOW_UI_PORT, 8234; 0 picks a free one)
  --host ADDR   address to bind (default TICKFLOW_UI_HOST, 127.0.0.1). Any other address needs TICKFLOW_UI_TOKEN,
                which every request must then carry (Authorization: Bearer, or open the printed ?token= link once)
  --json        print {"url": …} once listening`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { port: { type: 'string' }, host: { type: 'string' }, json: { type: 'boolean' } }, 'ui');
  if (values.help || positionals.length > 0) return usage(help, values.help);
  const where = 'tickflow ui';
  const config = loadConfig();
  const port = values.port === undefined ? config.ui.port : checkFlag(z.coerce.number().int().min(0).max(65535), 'port', values.port, where);
  const host = values.host === undefined ? config.ui.host : checkFlag(z.string().trim().min(1), 'host', values.host, where);
  const token = config.ui.token;
  // Refuse before starting anything (an embedded database, a migration) when the address would expose the data.
  checkUiServerOptions({ host, port, token });
  return withRuntime({ migrate: true }, async ({ dataSource, config: rtConfig }) => {
    const ui = await startUiServer({ dataSource, config: rtConfig }, { host, port, token });
    // The token goes to the terminal that started the server, never to a log or the process list.
    if (values.json) out(JSON.stringify({ url: ui.url }));
    else err(`· Tickflow UI on ${ui.url}${token ? ` (token required: open ${ui.url}/?token=<TICKFLOW_UI_TOKEN> once)` : ''} — Ctrl-C stops it`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await ui.close();
    return 0;
  }, Boolean(values.json));
}

export const uiCommand: Command = { name: 'ui', summary: 'serve the read-only web UI (runs, lineage, quality, features, portfolios, documents)', help, run };
