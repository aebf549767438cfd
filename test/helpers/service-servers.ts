// Real servers on loopback port 0 for service tests: HTTP(S) with a handler, raw TCP with a
// connection hook (reset, silence), a port known to be closed, and a throwaway self-signed certificate.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const pexec = promisify(execFile);

export interface TestServer {
  port: number;
  /** http(s)://127.0.0.1:PORT, or 127.0.0.1:PORT for raw TCP. */
  url: string;
  close(): Promise<void>;
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return (server.address() as net.AddressInfo).port;
}

function closer(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return () => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  };
}

function track(server: net.Server): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  server.on("connection", (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  return sockets;
}

export async function startHttpServer(handler: http.RequestListener): Promise<TestServer> {
  const server = http.createServer(handler);
  const sockets = track(server);
  const port = await listen(server);
  return { port, url: `http://127.0.0.1:${port}`, close: closer(server, sockets) };
}

export async function startHttpsServer(cert: { keyPem: string; certPem: string }, handler: http.RequestListener): Promise<TestServer> {
  const server = https.createServer({ key: cert.keyPem, cert: cert.certPem }, handler);
  // Handshakes the client aborts (bad certificate) surface here; they are the expected outcome.
  server.on("tlsClientError", () => undefined);
  const sockets = track(server);
  const port = await listen(server);
  return { port, url: `https://127.0.0.1:${port}`, close: closer(server, sockets) };
}

/** Raw TCP: `onConnection` decides what happens (resetAndDestroy(), or nothing at all). */
export async function startTcpServer(onConnection: (s: net.Socket) => void): Promise<TestServer & { connections: net.Socket[] }> {
  const connections: net.Socket[] = [];
  const server = net.createServer((s) => {
    connections.push(s);
    s.on("error", () => undefined);
    onConnection(s);
  });
  const sockets = track(server);
  const port = await listen(server);
  return { port, url: `127.0.0.1:${port}`, connections, close: closer(server, sockets) };
}

/** A loopback port that was bound and then closed: a connect to it is refused. */
export async function closedTcpPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** A fresh self-signed certificate for CN=localhost / IP 127.0.0.1, made with openssl in a temp dir. */
export async function makeSelfSignedCert(): Promise<{ keyPem: string; certPem: string }> {
  const dir = await mkdtemp(join(tmpdir(), "netdiag-cert-"));
  try {
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    await pexec("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost",
      "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ], { timeout: 15_000 });
    return { keyPem: await readFile(key, "utf8"), certPem: await readFile(cert, "utf8") };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
