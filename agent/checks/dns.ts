// dns: asks every configured, DHCP-offered and public resolver for every name, in parallel, one Resolver
// per server, and says whether the configured resolvers, the public ones, or the names themselves fail.
// The resolvers DHCP hands out (read from the dhcp step, waited for mid-run) are asked too when the host
// does not use them.
// Beside the names, each configured and offered resolver gets two control questions it answers by
// itself (agent/checks/dns/control.ts), so a live relay with a dead upstream is told from a dead relay.
import { DnsServer } from "../config.js";
import { TIMEOUTS } from "../timeouts.js";
import type { ResolverRole } from "../../shared/checks.js";
import { assessDns, resolverReport } from "./dns/assess.js";
import { probeControl } from "./dns/control.js";
import { dhcpResolvers } from "./dns/offered.js";
import { queryServer } from "./dns/query.js";
import { defineCheck } from "./types.js";

export type { DnsData } from "../../shared/checks.js";

/**
 * The offered resolvers are asked once the dhcp step is in, so their queries and the wait for it end
 * this long before the check's budget (TIMEOUTS.check.dns): a late or dead one is then "not measured"
 * (cancelled), never a timed-out step that loses everything else.
 */
const OFFERED_MARGIN_MS = 500;

export const dnsCheck = defineCheck({
  id: "dns",
  title: "DNS resolution at the configured, DHCP-offered and public resolvers, with relay-liveness control questions",
  timeoutMs: TIMEOUTS.check.dns,
  async run(ctx, signal) {
    const t0 = performance.now();
    const fromConfig = ctx.targets.resolvers;
    const raw = fromConfig ?? (await ctx.system.resolvers(signal));
    const configured = unique(raw.filter((s) => DnsServer.safeParse(s).success));
    const ignoredResolvers = raw.filter((s) => !DnsServer.safeParse(s).success);
    // A public resolver that is also the configured one is asked once, as configured.
    const publics = unique(ctx.targets.publicResolvers).filter((s) => !configured.includes(s));
    const names = [...ctx.targets.names];
    const opts = { timeoutMs: TIMEOUTS.dnsQueryMs, tries: TIMEOUTS.dnsTries };
    // Control questions go out with the names (a healthy run waits for nothing more); a dead
    // server's control wait (2 x dnsQueryMs) ends before its name queries give up.
    const ask = async (server: string, role: ResolverRole, sig: AbortSignal) => {
      const [results, control] = await Promise.all([
        queryServer(server, names, opts, sig),
        role === "public" ? Promise.resolve(undefined) : probeControl(server, { resendMs: TIMEOUTS.dnsQueryMs }, sig),
      ]);
      return { server, role, results, ...(control ? { control } : {}) };
    };
    const first = Promise.all([
      ...configured.map((server) => ask(server, "configured", signal)),
      ...publics.map((server) => ask(server, "public", signal)),
    ]);

    // What DHCP hands out on this link: the dhcp step, awaited while the queries above run (not before
    // them: a DHCP probe that hears no offer takes 4 s, a dead resolver 5 s; in series that was 9 s).
    const offeredSignal = AbortSignal.any([signal, AbortSignal.timeout(Math.max(0, Math.round(TIMEOUTS.check.dns - OFFERED_MARGIN_MS - (performance.now() - t0))))]);
    const dhcpStep = ctx.waitFor ? await untilAborted(ctx.waitFor("dhcp"), offeredSignal) : ctx.earlier.dhcp;
    const fromDhcp = dhcpResolvers(dhcpStep);
    const offered = [...(fromDhcp?.keys() ?? [])].filter((s) => DnsServer.safeParse(s).success && !configured.includes(s) && !publics.includes(s));
    const asked = [...(await Promise.all(offered.map((server) => ask(server, "offered", offeredSignal)))), ...(await first)];
    const order = { configured: 0, offered: 1, public: 2 } as const;
    const resolvers = asked
      .sort((a, b) => order[a.role] - order[b.role])
      .map((a) => {
        const offeredBy = fromDhcp?.get(a.server);
        return resolverReport(a.server, a.role, a.results, { ...(a.control ? { control: a.control } : {}), ...(offeredBy ? { offeredBy } : {}) });
      });
    const dhcpList = fromDhcp ? [...fromDhcp.keys()] : undefined;
    const { summary, findings } = assessDns(resolvers, names, dhcpList);
    const status = findings.some((f) => f.severity === "fail") ? "fail" : findings.some((f) => f.severity === "warn") ? "warn" : "ok";
    return {
      status,
      findings,
      data: { names, configuredSource: fromConfig ? "config" : "system", resolvers, ignoredResolvers, summary, ...(dhcpList ? { dhcpResolvers: dhcpList } : {}) },
    };
  },
});

/** `p`, or undefined once `signal` aborts first. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      () => {
        signal.removeEventListener("abort", onAbort);
        resolve(undefined);
      },
    );
  });
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}
