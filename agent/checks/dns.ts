// dns: asks every configured and every public resolver for every name, in parallel, one Resolver per
// server, and says whether the configured resolvers, the public ones, or the names themselves fail.
import { DnsServer } from "../config.js";
import { TIMEOUTS } from "../timeouts.js";
import type { ResolverRole } from "../../shared/checks.js";
import { assessDns, resolverReport } from "./dns/assess.js";
import { queryServer } from "./dns/query.js";
import { defineCheck } from "./types.js";

export type { DnsData } from "../../shared/checks.js";

export const dnsCheck = defineCheck({
  id: "dns",
  title: "DNS resolution at the configured and public resolvers",
  timeoutMs: TIMEOUTS.check.dns,
  async run(ctx, signal) {
    const fromConfig = ctx.targets.resolvers;
    const raw = fromConfig ?? (await ctx.system.resolvers(signal));
    const configured = unique(raw.filter((s) => DnsServer.safeParse(s).success));
    const ignoredResolvers = raw.filter((s) => !DnsServer.safeParse(s).success);
    // A public resolver that is also the configured one is asked once, as configured.
    const publics = unique(ctx.targets.publicResolvers).filter((s) => !configured.includes(s));
    const names = [...ctx.targets.names];
    const plan: { server: string; role: ResolverRole }[] = [
      ...configured.map((server) => ({ server, role: "configured" as const })),
      ...publics.map((server) => ({ server, role: "public" as const })),
    ];
    const opts = { timeoutMs: TIMEOUTS.dnsQueryMs, tries: TIMEOUTS.dnsTries };
    const resolvers = await Promise.all(
      plan.map(async ({ server, role }) => resolverReport(server, role, await queryServer(server, names, opts, signal))),
    );
    const { summary, findings } = assessDns(resolvers, names);
    const status = findings.some((f) => f.severity === "fail") ? "fail" : findings.some((f) => f.severity === "warn") ? "warn" : "ok";
    return {
      status,
      findings,
      data: { names, configuredSource: fromConfig ? "config" : "system", resolvers, ignoredResolvers, summary },
    };
  },
});

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}
