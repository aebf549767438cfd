// Revocation is final, whatever runs at the same moment, against a real collector: (a) an admin
// revokes an agent while the customer enrolls with a re-enrollment code for it, many trials; before
// re-keying had a condition on revoked_at, nearly every trial ended with the agent un-revoked and a
// working new secret. (b) the agent is in the middle of connecting when it is revoked or re-keyed: the
// interleaving is forced by holding the upgrade after its store lookup; no stale connection survives.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { z } from "zod";
import { Enrolled, EnrollmentCreated } from "../../shared/api.js";
import { HttpClientError } from "../../shared/http-client.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";

/** Waits on the store's durable writes (an fsync per COMMIT): generous on a loaded CI machine. */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000 });

const TRIALS = 60;
const Revoked = z.object({ revoked: z.boolean() });
let col: TestCollector;
/** Agents whose upgrade lookup is held after it read the store (see the last test). */
const gated = new Map<string, { held: Promise<void>; reached: () => void }>();
let gatedCol: TestCollector;

beforeAll(async () => {
  col = await startTestCollector({ heartbeatMs: 60_000 });
  gatedCol = await startTestCollector({ heartbeatMs: 60_000 }, {
    wrapStore: (real) =>
      new Proxy(real, {
        get(target, prop, receiver) {
          if (prop !== "getAgent") {
            const v = Reflect.get(target, prop, receiver) as unknown;
            return typeof v === "function" ? v.bind(target) : v;
          }
          return async (id: string) => {
            const rec = await target.getAgent(id);
            const g = gated.get(id);
            if (g) {
              gated.delete(id);
              g.reached();
              await g.held;
            }
            return rec;
          };
        },
      }),
  });
});

afterAll(async () => {
  await col?.close();
  await gatedCol?.close();
});

async function enrollOne(code?: string, on = col): Promise<z.infer<typeof Enrolled>> {
  const c = code ?? (await on.api("/api/enrollments", EnrollmentCreated, { body: {} })).code;
  return on.api("/api/agents/enroll", Enrolled, { body: { code: c, name: "pc", agentVersion: "t" } });
}

/** Opens an agent WebSocket; resolves with the HTTP status of a refusal, or the open socket. */
function connect(agentId: string, secret: string, on = col): Promise<{ status: number } | { ws: WebSocket; closed: Promise<number> }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${on.url.replace(/^http/, "ws")}/agent/ws`, { headers: { authorization: `Bearer ${agentId}.${secret}` } });
    const closed = new Promise<number>((r) => ws.on("close", (code) => r(code)));
    ws.on("error", () => undefined);
    ws.on("unexpected-response", (_q, res) => {
      resolve({ status: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.on("open", () => resolve({ ws, closed }));
  });
}

describe("revocation is final", () => {
  test(`re-enrollment racing a revocation never un-revokes the agent (${TRIALS} trials)`, { timeout: 120_000 }, async () => {
    // One at a time: more than 20 enrollments in flight from one address meet the guessing limit.
    const agents: z.infer<typeof Enrolled>[] = [];
    for (let i = 0; i < TRIALS; i++) agents.push(await enrollOne());
    const codes = await Promise.all(agents.map((a) => col.api(`/api/agents/${a.agentId}/reenroll`, EnrollmentCreated, { body: {} })));
    // One trial at a time, its two requests sent together: the closest to "at the same moment".
    const outcomes: { agentId: string; enrolled: z.infer<typeof Enrolled> | number }[] = [];
    for (const [i, a] of agents.entries()) {
      const [enrolled] = await Promise.all([
        enrollOne(codes[i]!.code).then(
          (e) => e,
          (e: unknown) => (e instanceof HttpClientError ? e.status : Promise.reject(e)),
        ),
        col.api(`/api/agents/${a.agentId}/revoke`, Revoked, { body: {} }),
      ]);
      outcomes.push({ agentId: a.agentId, enrolled });
    }
    const stillLive: string[] = [];
    for (const o of outcomes) {
      const rec = await col.running.store.getAgent(o.agentId);
      if (rec?.revokedAt === undefined) stillLive.push(`${o.agentId}: not revoked`);
      if (typeof o.enrolled === "object") {
        const c = await connect(o.agentId, o.enrolled.secret);
        if (!("status" in c)) {
          c.ws.terminate();
          stillLive.push(`${o.agentId}: the new secret connects`);
        } else if (c.status !== 401 && c.status !== 429) stillLive.push(`${o.agentId}: HTTP ${c.status}`);
      } else expect(o.enrolled).toBe(401);
    }
    expect(stillLive).toEqual([]);
  });

  test.each([
    ["a revocation", "revoke", 4003],
    ["a re-enrollment", "reenroll", 4001],
  ] as const)("an upgrade that read the agent just before %s does not survive it", async (_n, action, closeCode) => {
    const a = await enrollOne(undefined, gatedCol);
    // The upgrade's agent lookup completes, then its continuation is held until the change committed:
    // the interleaving the event loop allows when the read returns just before the other commit.
    let release!: () => void;
    let reached!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const lookedUp = new Promise<void>((r) => (reached = r));
    gated.set(a.agentId, { held, reached });
    const connecting = connect(a.agentId, a.secret, gatedCol);
    await lookedUp;
    if (action === "revoke") await gatedCol.api(`/api/agents/${a.agentId}/revoke`, Revoked, { body: {} });
    else {
      const { code } = await gatedCol.api(`/api/agents/${a.agentId}/reenroll`, EnrollmentCreated, { body: {} });
      await gatedCol.api("/api/agents/enroll", Enrolled, { body: { code, name: "pc", agentVersion: "t" } });
    }
    release();
    const c = await connecting;
    await poll(() => gatedCol.running.hub.isConnected(a.agentId)).toBe(false);
    if ("status" in c) expect(c.status).toBe(401);
    else expect(await c.closed).toBe(closeCode);
  });
});
