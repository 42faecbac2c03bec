// TLS for tests without touching the shared services: a throwaway CA and certificates made by openssl, and small
// TLS-terminating proxies in front of the shared PostgreSQL and a test's Temporal dev server (which serve no TLS).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';

export interface TestCerts {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/** A CA, a server certificate for "localhost" and a client certificate, P-256, valid two days. */
export function makeTestCerts(dir: string): TestCerts {
  const f = (name: string) => path.join(dir, name);
  const ossl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ossl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=tickflow test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  for (const [name, usage, san] of [['server', 'serverAuth', 'subjectAltName=DNS:localhost'], ['client', 'clientAuth', 'subjectAltName=DNS:tickflow-client']]) {
    fs.writeFileSync(f(`${name}.ext`), `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=${usage}\n${san}\n`);
    ossl('req', ...ec, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${name === 'server' ? 'localhost' : 'tickflow-client'}`);
    ossl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${name}.crt`), '-days', '2', '-extfile', f(`${name}.ext`));
  }
  return { dir, ca: f('ca.crt'), serverCert: f('server.crt'), serverKey: f('server.key'), clientCert: f('client.crt'), clientKey: f('client.key') };
}

export interface TlsProxy {
  port: number;
  /** Connections whose TLS handshake completed, and with a client certificate the CA signed. */
  handshakes: { authorized: boolean; alpn: string | false | null }[];
  close(): Promise<void>;
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

function closer(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return () => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
}

/** TLS (HTTP/2 ALPN, client certificate required) in front of a plain gRPC server. */
export async function grpcTlsProxy(target: string, certs: TestCerts): Promise<TlsProxy> {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const handshakes: TlsProxy['handshakes'] = [];
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({
    cert: fs.readFileSync(certs.serverCert), key: fs.readFileSync(certs.serverKey), ca: fs.readFileSync(certs.ca),
    requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'],
  }, (clear) => {
    handshakes.push({ authorized: clear.authorized, alpn: clear.alpnProtocol });
    const upstream = net.connect(port, host);
    sockets.add(clear).add(upstream);
    clear.pipe(upstream).pipe(clear);
    clear.on('error', () => upstream.destroy());
    upstream.on('error', () => clear.destroy());
  });
  server.on('tlsClientError', () => {});
  return { port: await listen(server), handshakes, close: closer(server, sockets) };
}

/**
 * PostgreSQL's TLS: the client sends SSLRequest, the server answers "S" and the TLS handshake follows on the same
 * socket. This proxy does that, then relays the decrypted protocol to a plain PostgreSQL. A client that starts
 * without SSLRequest is cut off: whatever connects through it used TLS.
 */
export async function postgresTlsProxy(targetHost: string, targetPort: number, certs: TestCerts): Promise<TlsProxy> {
  const handshakes: TlsProxy['handshakes'] = [];
  const sockets = new Set<net.Socket>();
  const context = tls.createSecureContext({ cert: fs.readFileSync(certs.serverCert), key: fs.readFileSync(certs.serverKey) });
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('data', (first) => {
      const isSslRequest = first.length === 8 && first.readUInt32BE(0) === 8 && first.readUInt32BE(4) === 80877103;
      if (!isSslRequest) return void socket.destroy();
      socket.write('S');
      const clear = new tls.TLSSocket(socket, { isServer: true, secureContext: context });
      clear.on('error', () => socket.destroy());
      clear.once('secure', () => {
        handshakes.push({ authorized: true, alpn: clear.alpnProtocol });
        const upstream = net.connect(targetPort, targetHost);
        sockets.add(upstream);
        upstream.on('error', () => clear.destroy());
        clear.pipe(upstream).pipe(clear);
      });
    });
  });
  return { port: await listen(server), handshakes, close: closer(server, sockets) };
}
