/**
 * Real HTTP servers on loopback for webhook tests: a sink that records every request and answers
 * with a programmable status, a server that accepts and never answers, a TCP server that never
 * speaks (a silent SMTP relay), and a port nobody listens on.
 *
 *   const slack = await startHttpSink();                         // 200 "ok"
 *   const flaky = await startHttpSink({ status: (n) => (n === 1 ? 503 : 200) });
 *   ... slack.url('/services/T0/B0/xyz'), slack.requests[0].json
 */
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';

export interface CapturedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
}

export interface HttpSink {
  port: number;
  /** `http://127.0.0.1:<port><path>`. */
  url(path?: string): string;
  requests: CapturedRequest[];
  close: () => Promise<void>;
}

export interface HttpSinkOptions {
  /** Status for the n-th request (1-based). Default 200. */
  status?: number | ((n: number) => number);
  /** Response body. Default "ok" (what Slack answers). */
  body?: string;
}

export async function startHttpSink(options: HttpSinkOptions = {}): Promise<HttpSink> {
  const requests: CapturedRequest[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json });
      const s = options.status;
      const status = typeof s === 'function' ? s(requests.length) : (s ?? 200);
      res
        .writeHead(status, { 'content-type': 'text/plain' })
        .end(options.body ?? (status < 300 ? 'ok' : 'error'));
    });
  });
  const port = await listen(server);
  return {
    port,
    url: (path = '/') => `http://127.0.0.1:${port}${path}`,
    requests,
    close: () => closeHttp(server),
  };
}

export interface SilentServer {
  port: number;
  url(path?: string): string;
  /** Connections accepted so far. */
  connections(): number;
  close: () => Promise<void>;
}

/** An HTTP server that reads requests and never answers them. */
export async function startHangingHttpServer(): Promise<SilentServer> {
  let accepted = 0;
  const server = createHttpServer(() => undefined);
  server.on('connection', () => accepted++);
  const port = await listen(server);
  return {
    port,
    url: (path = '/') => `http://127.0.0.1:${port}${path}`,
    connections: () => accepted,
    close: () => closeHttp(server),
  };
}

/** A TCP server that accepts connections and never sends a byte (an SMTP relay that hangs). */
export async function startSilentTcpServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createTcpServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server);
  return {
    port,
    url: (path = '/') => `http://127.0.0.1:${port}${path}`,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port that was free a moment ago and has nobody listening: connections are refused. */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function closeHttp(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
