// An HTTP proxy on loopback (port 0) in front of a collector that records every request and response
// as they pass: the tests point the real CLI and agent at it and then read what was really sent and
// answered. Streams (Server-Sent Events) pass through as they come; one the client closes early is
// recorded as far as it got (`complete: false`).
import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Exchange {
  method: string;
  /** Path and query, as the client sent them. */
  url: string;
  requestBody: string;
  status: number;
  contentType: string;
  responseBody: string;
  /** false: the client went away (or the upstream failed) before the response ended. */
  complete: boolean;
}

export interface RecordingProxy {
  url: string;
  /** Finished exchanges, in the order they ended. */
  readonly exchanges: Exchange[];
  close(): Promise<void>;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const exchanges: Exchange[] = [];
  const server: Server = createServer((req, res) => {
    const body: Buffer[] = [];
    req.on("data", (d: Buffer) => body.push(d));
    req.on("end", () => {
      const requestBody = Buffer.concat(body).toString("utf8");
      const headers: IncomingHttpHeaders = { ...req.headers, host: upstream.host };
      const up = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        const chunks: Buffer[] = [];
        let done = false;
        const finish = (complete: boolean) => {
          if (done) return;
          done = true;
          exchanges.push({
            method: req.method ?? "GET",
            url: req.url ?? "/",
            requestBody,
            status: ur.statusCode ?? 0,
            contentType: String(ur.headers["content-type"] ?? ""),
            responseBody: Buffer.concat(chunks).toString("utf8"),
            complete,
          });
        };
        ur.on("data", (d: Buffer) => {
          chunks.push(d);
          res.write(d);
        });
        ur.on("end", () => {
          finish(true);
          res.end();
        });
        ur.on("error", () => finish(false));
        res.on("close", () => {
          if (!done) {
            finish(false);
            ur.destroy();
          }
        });
      });
      up.on("error", () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      up.end(requestBody);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exchanges,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
