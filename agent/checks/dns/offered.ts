// Pure: the DNS servers DHCP hands out on this link, read from the dhcp step (the lease the OS holds,
// the probe's OFFERs and the ACK to its INFORM), so the dns check can compare them with the host's own.
import type { DhcpResolverSource, StepResultOf } from "../../../shared/checks.js";

/** Server → where DHCP named it, in first-seen order; undefined = the dhcp step learnt nothing (not measured). */
export function dhcpResolvers(step: StepResultOf<"dhcp"> | undefined): Map<string, DhcpResolverSource[]> | undefined {
  const d = step?.data;
  if (!d || (d.lease === undefined && d.probe === undefined)) return undefined;
  const out = new Map<string, DhcpResolverSource[]>();
  const add = (servers: readonly string[], source: DhcpResolverSource) => {
    for (const s of servers) {
      const seen = out.get(s) ?? [];
      if (!seen.includes(source)) out.set(s, [...seen, source]);
    }
  };
  add(d.lease?.DNSServers ?? [], "lease");
  for (const o of d.probe?.offers ?? []) add(o.DNSServers, "offer");
  if (d.probe?.informReply?.type === "ACK") add(d.probe.informReply.DNSServers, "ack");
  return out;
}
