// A thin, cancellable wrapper over one net-snmp session: v2c or v3 authPriv from the config, explicit
// timeout/retries, bounded subtree walks, and failures classified once (timeout / auth / other).
import { isIPv6 } from "node:net";
import type { Session } from "net-snmp";
import type { SnmpDevice } from "../../config.js";
import { TIMEOUTS } from "../../timeouts.js";
import type { RawVarbind } from "./parse-values.js";

/** Rows fetched per GetBulk: a modem's interface table fits in one or two requests. */
const MAX_REPETITIONS = 20;
/** Varbinds per walked column: bounds a buggy agent that never ends a table (no unbounded walks). */
export const MAX_ROWS_PER_COLUMN = 512;

export type SnmpFailureCode = "SNMP_NO_RESPONSE" | "SNMP_AUTH_FAILED" | "SNMP_ERROR";

/** A request that did not produce data: the network/device state, not a bug. */
export class SnmpFailure extends Error {
  constructor(
    readonly code: SnmpFailureCode,
    message: string,
  ) {
    super(message);
    this.name = "SnmpFailure";
  }
}

export interface SnmpClient {
  get(oids: string[]): Promise<RawVarbind[]>;
  /** Walks `oid` (a column or small table) with GetBulk; stops after maxRows varbinds. */
  walk(oid: string, maxRows?: number): Promise<{ varbinds: RawVarbind[]; truncated: boolean }>;
  close(): void;
}

/**
 * Maps what net-snmp reports to our codes. Messages are built from error names only, never from
 * net-snmp's text, which for a community mismatch would echo the community string.
 */
export function classifySnmpError(e: unknown): SnmpFailure {
  if (e instanceof SnmpFailure) return e;
  const err = e as { name?: string; code?: unknown; message?: string; status?: unknown };
  if (err?.name === "RequestTimedOutError") {
    return new SnmpFailure("SNMP_NO_RESPONSE", "no answer (device unreachable, SNMP disabled, or wrong community: SNMPv2c agents drop bad communities silently, so these look the same)");
  }
  // ResponseInvalidError code 5 = EAuthFailure: the agent sent a USM report PDU (RFC 3414 §3.2);
  // its message is the usmStats counter name (Unknown User Name / Wrong Digest / Decryption Error).
  if (err?.name === "ResponseInvalidError" && (err.code === 5 || err.code === 4)) {
    const which = /Unknown User Name|Wrong Digest|Decryption Error|Unsupported Security Level|Unknown Engine ID/i.exec(err.message ?? "")?.[0];
    return new SnmpFailure("SNMP_AUTH_FAILED", `SNMPv3 authentication rejected by the device${which ? `: ${which.replace(/ \(.*$/, "")}` : ""}`);
  }
  if (err?.name === "RequestFailedError") return new SnmpFailure("SNMP_ERROR", `device returned error status ${String(err.status)}`);
  const code = typeof err?.code === "string" ? err.code : err?.name ?? "unknown";
  return new SnmpFailure("SNMP_ERROR", `SNMP request failed (${code})`);
}

/** net-snmp, loaded on first use: a run without an SNMP device never pays for it at start. */
let netSnmp: Promise<typeof import("net-snmp")["default"]> | undefined;
const loadNetSnmp = () => (netSnmp ??= import("net-snmp").then((m) => m.default));

export async function openSnmp(device: SnmpDevice, signal: AbortSignal): Promise<SnmpClient> {
  const snmp = await loadNetSnmp();
  const options = {
    port: device.port,
    // net-snmp defaults to 5 s x 2 attempts; a dead device must cost far less (agent/timeouts.ts).
    timeout: TIMEOUTS.snmpRequestMs,
    retries: TIMEOUTS.snmpRetries,
    transport: (isIPv6(device.host) ? "udp6" : "udp4") as "udp4" | "udp6",
    // 32-bit request ids are fine for every agent; some old CPE need 16, but none here.
    idBitsSize: 32 as const,
  };
  const session: Session =
    device.version === "2c"
      ? // Version2c explicitly: net-snmp's default is v1, which has no GetBulk and no Counter64.
        snmp.createSession(device.host, device.community, { ...options, version: snmp.Version2c })
      : snmp.createV3Session(
          device.host,
          {
            name: device.user,
            level: snmp.SecurityLevel.authPriv,
            authProtocol: snmp.AuthProtocols[device.authProtocol],
            authKey: device.authKey,
            privProtocol: snmp.PrivProtocols[device.privProtocol],
            privKey: device.privKey,
          },
          options,
        );
  // An undecodable datagram is emitted as "error"; without a listener it would crash the agent.
  session.on("error", () => undefined);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    signal.removeEventListener("abort", onAbort);
    session.cancelRequests(new SnmpFailure("SNMP_ERROR", "cancelled"));
    try {
      session.close();
    } catch {
      /* socket already closed */
    }
  };
  const onAbort = () => close();
  signal.addEventListener("abort", onAbort, { once: true });

  const guard = <T>(run: (resolve: (v: T) => void, reject: (e: unknown) => void) => void): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (signal.aborted || closed) return reject(new SnmpFailure("SNMP_ERROR", "cancelled"));
      try {
        run(resolve, (e) => reject(classifySnmpError(e)));
      } catch (e) {
        reject(classifySnmpError(e));
      }
    });

  return {
    get: (oids) =>
      guard((resolve, reject) => {
        session.get(oids, (error, varbinds) => (error ? reject(error) : resolve(varbinds.map(copy))));
      }),
    walk: (oid, maxRows = MAX_ROWS_PER_COLUMN) =>
      guard((resolve, reject) => {
        const out: RawVarbind[] = [];
        let truncated = false;
        session.subtree(
          oid,
          MAX_REPETITIONS,
          (vbs) => {
            for (const vb of vbs) {
              if (out.length >= maxRows) {
                truncated = true;
                return true;
              }
              out.push(copy(vb));
            }
            return false;
          },
          (error) => (error ? reject(error) : resolve({ varbinds: out, truncated })),
        );
      }),
    close,
  };
}

function copy(vb: RawVarbind): RawVarbind {
  return { oid: vb.oid, type: vb.type, value: vb.value };
}
