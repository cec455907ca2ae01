import { createServer, request, type Server } from 'node:http';
import { freePort } from './free-port.ts';

/**
 * A Schema Registry that demands HTTP basic auth, as a registry with authentication does: a proxy
 * of a test's own in front of the shared registry, forwarding only requests with the credentials.
 */
export interface RegistryProxy {
  /** The proxy with the registry's path and no credentials: `http://127.0.0.1:port/apis/ccompat/v7`. */
  url: string;
  /** The same with credentials in the userinfo, as SCHEMA_REGISTRY_URL takes them. */
  urlWith(username: string, password: string): string;
  /** Requests forwarded (right credentials) and refused. */
  seen: { forwarded: number; refused: number };
  close(): Promise<void>;
}

export async function startRegistryProxy(upstreamUrl: string, username: string, password: string): Promise<RegistryProxy> {
  const host = '127.0.0.1';
  const upstream = new URL(upstreamUrl);
  const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const seen = { forwarded: 0, refused: 0 };
  const proxy: Server = createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      seen.refused++;
      req.resume();
      res
        .writeHead(401, { 'www-authenticate': 'Basic realm="schema-registry"', 'content-type': 'application/json' })
        .end(JSON.stringify({ error_code: 401, message: 'Unauthorized' }));
      return;
    }
    seen.forwarded++;
    const { authorization: _, ...headers } = req.headers;
    const forwarded = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...headers, host: upstream.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', (err) => res.writeHead(502).end(err.message));
    req.pipe(forwarded);
  });
  const port = await freePort(host);
  await new Promise<void>((resolve) => proxy.listen(port, host, resolve));
  const url = `http://${host}:${port}${upstream.pathname.replace(/\/$/, '')}`;
  return {
    url,
    urlWith: (user, pw) => url.replace('http://', `http://${encodeURIComponent(user)}:${encodeURIComponent(pw)}@`),
    seen,
    close: () =>
      new Promise((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  };
}
