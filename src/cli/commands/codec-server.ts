// `tickflow codec-server`: the HTTP codec endpoint Temporal's Web UI needs to show payloads encrypted with
// TICKFLOW_PAYLOAD_KEY (docs/security-io.md).
import { z } from 'zod';
import { loadConfig } from '../../config';
import { InputError } from '../../contracts/errors';
import { startCodecServer } from '../../security/codec-server';
import { AesGcmPayloadCodec } from '../../security/payload-codec';
import { checkFlag, parse } from '../args';
import { err, out, type Command } from '../context';

const help = `Usage: tickflow codec-server [--port N] [--origin URL]…

Serves POST /encode and POST /decode with the payload codec (TICKFLOW_PAYLOAD_KEY, TICKFLOW_PAYLOAD_KEY_ID,
TICKFLOW_PAYLOAD_OLD_KEYS), for Temporal's Web UI and \`temporal workflow show --codec-endpoint\`, until SIGINT/SIGTERM.
  --port N        port on 127.0.0.1 (default 8888; 0 picks a free one)
  --host ADDR     address to bind (default 127.0.0.1: whoever reaches it can decrypt)
  --origin URL    browser origin allowed by CORS, repeatable (default TEMPORAL_UI_URL, http://localhost:8233)
  --json          print {"url": …} once listening

Then set the Web UI's codec endpoint to the printed URL (Settings → Codec Server, or start the dev server with
\`temporal server start-dev --ui-codec-endpoint URL\`).`;

async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    port: { type: 'string' }, host: { type: 'string' }, origin: { type: 'string', multiple: true }, json: { type: 'boolean' },
  }, 'codec-server');
  if (values.help) return out(help), 0;
  const where = 'tickflow codec-server';
  const port = checkFlag(z.coerce.number().int().min(0).max(65535), 'port', values.port ?? '8888', where);
  const origins = (values.origin ?? []).map((o) => checkFlag(z.url({ protocol: /^https?$/ }).transform((u) => new URL(u).origin), 'origin', o, where));
  const config = loadConfig();
  if (!config.payloadKeys) throw new InputError('TICKFLOW_PAYLOAD_KEY is not set: there is nothing to decode', where);
  const server = await startCodecServer({
    codec: new AesGcmPayloadCodec(config.payloadKeys), port, host: values.host, origins: origins.length ? origins : [new URL(config.temporal.uiUrl).origin],
  });
  if (values.json) out(JSON.stringify({ url: server.url }));
  else err(`· codec server on ${server.url} (key ${config.payloadKeys.currentId}; CORS for ${origins.length ? origins.join(', ') : new URL(config.temporal.uiUrl).origin})`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return 0;
}

export const codecServerCommand: Command = { name: 'codec-server', summary: 'serve the payload codec for the Temporal Web UI', help, run };
