// What the engineer reads out to the customer to connect their computer: the same commands in the
// collector's start banner, after `netdiag enroll-code` and on the web console's enrollment page, so
// they can never disagree.

/** The one-file agent's name: the download URL's last segment and the file the customer runs. */
export const AGENT_FILE = "netdiag-agent.js";

/**
 * The customer's commands. With the hash of the agent the collector serves (`agentSha256`), the first
 * is ONE line that downloads the one-file agent, verifies it against that hash and enrolls; the hash
 * comes with the enrollment code from the engineer (an authenticated answer), so a file changed on the
 * way is refused before it runs. Without it (a collector with no bundle to serve) the commands assume
 * an installed `netdiag-agent`. Then: authorize this ticket, stay connected. `--ca`/`--cacert` are
 * offered when the collector speaks https, which a private CA may need.
 */
export function customerSteps(collectorUrl: string, ticket: string | undefined, code: string, prefix = "", agentSha256?: string): string {
  const https = /^https:/i.test(collectorUrl);
  const pad = " ".repeat(prefix.length);
  const base = collectorUrl.replace(/\/+$/, "");
  const agent = agentSha256 ? `node ${AGENT_FILE}` : "netdiag-agent";
  const enroll = `${agent} enroll --collector ${collectorUrl} --code ${code}${https ? " [--ca collector-ca.pem]" : ""}`;
  const first = agentSha256
    ? `curl -fsSLO${https ? " [--cacert collector-ca.pem]" : ""} ${base}/download/${AGENT_FILE} && echo "${agentSha256}  ${AGENT_FILE}" | sha256sum -c && ${enroll}`
    : enroll;
  return [
    `${prefix}the customer, on their computer${agentSha256 ? " (needs Node.js 20 or later)" : ""}:`,
    `${pad}  ${first}`,
    `${pad}  ${agent} authorize --ticket ${ticket ?? "<ticket-id>"} --all --for 2h`,
    `${pad}  ${agent} run`,
    ...(https
      ? [`${pad}  (${agentSha256 ? "--cacert and --ca" : "--ca"}: only when the collector's certificate is not from a publicly trusted CA; send the customer that CA file)`]
      : []),
  ].join("\n");
}
