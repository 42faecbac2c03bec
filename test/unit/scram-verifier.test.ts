// The runtime role's password reaches PostgreSQL as a SCRAM-SHA-256 verifier computed in the process. Checked against
// a real SCRAM client, node-postgres's own (pg/lib/crypto/sasl.js, what every Tickflow connection authenticates with):
// acting as the server with only the stored verifier, the client's proof for the right password verifies and the
// server signature we derive is the one the client expects; a wrong password's proof does not.
import { createHash, createHmac } from 'node:crypto';
import { scramVerifier } from '../../src/repositories/role-repository';

interface SaslSession { clientNonce: string; response: string }
// pg ships this module without type declarations.
const sasl = require('pg/lib/crypto/sasl') as {
  startSession(mechanisms: string[]): SaslSession;
  continueSession(session: SaslSession, password: string, serverData: string): Promise<void>;
  finalizeSession(session: SaslSession, serverData: string): void;
};

/** One SCRAM exchange (RFC 5802 §3) with the server side played from the verifier alone. */
async function authenticate(verifier: string, password: string): Promise<boolean> {
  const [, iterations, salt, storedKey, serverKey] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier)!;
  const session = sasl.startSession(['SCRAM-SHA-256']);
  const nonce = `${session.clientNonce}server-nonce`;
  const serverFirst = `r=${nonce},s=${salt},i=${iterations}`;
  await sasl.continueSession(session, password, serverFirst);
  const [withoutProof, proof] = session.response.split(',p=');
  const authMessage = `n=*,r=${session.clientNonce},${serverFirst},${withoutProof}`;
  const signature = createHmac('sha256', Buffer.from(storedKey, 'base64')).update(authMessage).digest();
  const clientKey = Buffer.from(proof, 'base64').map((b, i) => b ^ signature[i]);
  if (!createHash('sha256').update(clientKey).digest().equals(Buffer.from(storedKey, 'base64'))) return false;
  sasl.finalizeSession(session, `v=${createHmac('sha256', Buffer.from(serverKey, 'base64')).update(authMessage).digest('base64')}`);
  return true;
}

describe('scramVerifier', () => {
  it('is what PostgreSQL stores: a SCRAM-SHA-256 verifier a real client authenticates against, never the password', async () => {
    const password = 'correct horse battery staple';
    const verifier = scramVerifier(password);
    expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$/);
    expect(verifier).not.toContain(password);
    expect(await authenticate(verifier, password)).toBe(true);
    expect(await authenticate(verifier, 'correct horse battery stapler')).toBe(false);
    // A fresh salt each time: two verifiers of one password differ.
    expect(scramVerifier(password)).not.toBe(verifier);
  });

  it('applies SASLprep as PostgreSQL does, so non-ASCII passwords log in', async () => {
    expect(await authenticate(scramVerifier('pass\u00A0wörd\u00AD'), 'pass\u00A0wörd\u00AD')).toBe(true);
    expect(scramVerifier('x\u00A0y', Buffer.alloc(16, 1))).toBe(scramVerifier('x y', Buffer.alloc(16, 1)));
  });
});
