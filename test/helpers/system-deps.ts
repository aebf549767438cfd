// What a test needs from the machine beyond node_modules: a system command (from a Debian package) or
// root. A test that lacks one is skipped with a title that says what is missing and how to get it,
// instead of failing on a fresh machine. scripts/install-test-deps.sh installs every package named here.
import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import { canUseNetns } from "./netns.js";

const INSTALL = "scripts/install-test-deps.sh installs it";

/** PATH plus the sbin folders a non-root PATH often lacks (snmpd, dnsmasq, dhclient live there). */
export const SEARCH_PATH = [...new Set([...(process.env.PATH ?? "").split(":").filter(Boolean), "/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"])];

export function hasCommand(cmd: string): boolean {
  return SEARCH_PATH.some((dir) => {
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** undefined when `cmd` is on this machine, else why a test that runs it is skipped. */
export function requireCommand(cmd: string, debianPackage: string): string | undefined {
  return hasCommand(cmd) ? undefined : `needs ${cmd} (Debian package ${debianPackage}; ${INSTALL})`;
}

/** The first missing requirement of several, or undefined when all are there. */
export function requireAll(...reasons: (string | undefined)[]): string | undefined {
  return reasons.find((r) => r !== undefined);
}

/** The network namespace tests: root (and iproute2). */
export const NETNS_SKIP: string | undefined = (await canUseNetns())
  ? undefined
  : process.getuid?.() !== 0
    ? "needs root: network namespaces (CI runs as root)"
    : requireCommand("ip", "iproute2") ?? "needs network namespaces (ip netns failed)";

/** scripts/lab.sh: root and every program the lab's nodes run. */
export const LAB_SKIP: string | undefined = requireAll(
  NETNS_SKIP,
  requireCommand("iptables", "iptables"),
  requireCommand("dnsmasq", "dnsmasq-base"),
  requireCommand("snmpd", "snmpd"),
  requireCommand("dhclient", "isc-dhcp-client"),
  requireCommand("busybox", "busybox"),
  requireCommand("python3", "python3"),
  requireCommand("openssl", "openssl"),
  requireCommand("ping", "iputils-ping"),
);

export const NO_SNMPD = requireCommand("snmpd", "snmpd");
export const NO_OPENSSL = requireCommand("openssl", "openssl");
export const NO_PING = requireCommand("ping", "iputils-ping");

/** A describe/test title that carries its skip reason, so the test report says why it did not run. */
export function titled(title: string, skip: string | undefined): string {
  return skip ? `${title} [skipped: ${skip}]` : title;
}
