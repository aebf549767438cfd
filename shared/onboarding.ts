// What the engineer reads out to the customer to connect their computer: the same commands in the
// collector's start banner and after `netdiag enroll-code`, so the two can never disagree.

/**
 * The customer's three commands: enroll (with the URL agents use, and --ca when the collector speaks
 * https, which its certificate may need), authorize this ticket, stay connected.
 */
export function customerSteps(collectorUrl: string, ticket: string | undefined, code: string, prefix = ""): string {
  const https = /^https:/i.test(collectorUrl);
  const pad = " ".repeat(prefix.length);
  return [
    `${prefix}the customer, on their computer:`,
    `${pad}  netdiag-agent enroll --collector ${collectorUrl} --code ${code}${https ? " [--ca collector-ca.pem]" : ""}`,
    `${pad}  netdiag-agent authorize --ticket ${ticket ?? "<ticket-id>"} --all --for 2h`,
    `${pad}  netdiag-agent run`,
    ...(https
      ? [`${pad}  (--ca: only when the collector's certificate is not from a publicly trusted CA; send the customer that CA file)`]
      : []),
  ].join("\n");
}
