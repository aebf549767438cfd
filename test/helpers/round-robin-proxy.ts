// A plain TCP load balancer on 127.0.0.1 port 0 in front of several collectors, as a deployment puts
// one in front of its nodes: each new connection goes to the next target in turn (no stickiness, no
// HTTP awareness: WebSocket upgrades pass as bytes); a target that refuses the connection (a killed
// node) is skipped and the next one tried, as a balancer with health checks or redispatch does.
import { connect, createServer, type AddressInfo, type Socket } from "node:net";

export interface RoundRobinProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Per target port: connections forwarded to it so far. */
  readonly forwarded: ReadonlyMap<number, number>;
  /** Connections no target took (every one refused). */
  readonly refused: number;
  close(): Promise<void>;
}

export async function startRoundRobinProxy(targetPorts: readonly number[], host = "127.0.0.1"): Promise<RoundRobinProxy> {
  let next = 0;
  let refused = 0;
  const forwarded = new Map<number, number>(targetPorts.map((p) => [p, 0]));
  const open = new Set<Socket>();

  /** Connects to the next target that accepts, trying each at most once. */
  const pick = (tried = 0): Promise<{ upstream: Socket; port: number } | undefined> => {
    if (tried >= targetPorts.length) return Promise.resolve(undefined);
    const port = targetPorts[next++ % targetPorts.length]!;
    return new Promise((resolve) => {
      const upstream = connect(port, host);
      upstream.once("connect", () => {
        upstream.removeAllListeners("error");
        resolve({ upstream, port });
      });
      upstream.once("error", () => resolve(pick(tried + 1)));
    });
  };

  const server = createServer((client) => {
    client.pause();
    open.add(client);
    client.on("close", () => open.delete(client));
    client.on("error", () => client.destroy());
    void pick().then((got) => {
      if (!got) {
        refused++;
        return void client.destroy();
      }
      if (client.destroyed) return void got.upstream.destroy();
      const { upstream, port } = got;
      forwarded.set(port, (forwarded.get(port) ?? 0) + 1);
      open.add(upstream);
      upstream.on("close", () => {
        open.delete(upstream);
        client.destroy();
      });
      upstream.on("error", () => upstream.destroy());
      client.on("close", () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    forwarded,
    get refused() {
      return refused;
    },
    async close() {
      for (const s of [...open]) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
