// The demo's file and transport policy step: which folders workflow inputs may name, a path the worker refuses
// (checked with the same function the activities use), and whether payloads and connections are encrypted.
import path from 'node:path';
import type { Config } from '../config';
import { PathNotAllowedError } from '../contracts/errors';
import { confineExportFile } from '../security/path-policy';
import { out } from './context';

const shown = (p: string) => path.relative(process.cwd(), p) || '.';

export function runSecurityIoDemo(config: Config): number {
  const attempt = '../../escape.csv';
  let refused = 'NOT refused';
  try {
    confineExportFile(attempt, config, false);
  } catch (err) {
    if (!(err instanceof PathNotAllowedError)) throw err;
    refused = 'refused: outside the export folder';
  }
  out([
    '\n✓ file and payload policy (docs/security-io.md)',
    `  exports         inside ${shown(config.exportDir)} (TICKFLOW_EXPORT_DIR)`,
    `  sources         inside ${config.sourceRoots.map(shown).join(', ')} (TICKFLOW_SOURCE_ROOTS)`,
    `  export.path     "${attempt}" ${refused}`,
    `  payloads        ${config.payloadKeys ? `AES-256-GCM, key ${config.payloadKeys.currentId}` : 'plain JSON (set TICKFLOW_PAYLOAD_KEY to encrypt them)'}`,
    `  Temporal TLS    ${config.temporal.tls ? 'on' : config.temporal.address ? 'off' : 'off (the dev server listens on loopback only)'}`,
  ].join('\n'));
  return refused.startsWith('refused') ? 0 : 1;
}
