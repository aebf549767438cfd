// Cancellable name resolution (agent/system/resolve-host.ts): the hosts file parser as a table, the
// DNS path against the loopback DNS stub, and the property issue 9 needed: an aborted resolution
// leaves nothing pending, so a process that gave up on a name can exit.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { hostsFileLookup, resolveHost } from "../../../agent/system/resolve-host.js";
import { startDnsStub, type DnsStub } from "../../helpers/dns-stub.js";

const HOSTS = `# comment line
127.0.0.1\tlocalhost
::1     localhost ip6-localhost
10.0.0.5   Router.Lan router   # the router
10.0.0.6   printer.lan
fe80::1%eth0 linklocal.lan
not-an-ip  bogus.lan
10.0.0.7   router.lan
`;

describe("hostsFileLookup", () => {
  test.each([
    ["router.lan", ["10.0.0.5", "10.0.0.7"]],
    ["ROUTER", ["10.0.0.5"]],
    ["router.lan.", ["10.0.0.5", "10.0.0.7"]],
    ["localhost", ["127.0.0.1", "::1"]],
    ["linklocal.lan", ["fe80::1%eth0"]],
    ["bogus.lan", []],
    ["the", []],
    ["missing.lan", []],
  ])("%s → %j", (name, want) => {
    expect(hostsFileLookup(HOSTS, name)).toEqual(want);
  });
});

describe("resolveHost", () => {
  let dir: string;
  let hostsPath: string;
  let emptyHosts: string;
  let stub: DnsStub;
  const signal = new AbortController().signal;
  const opts = () => ({ attemptMs: 1000, tries: 1, deadlineMs: 5000, signal, servers: [stub.address], hostsPath: emptyHosts });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "nd-resolve-"));
    hostsPath = join(dir, "hosts");
    emptyHosts = join(dir, "empty");
    await writeFile(hostsPath, HOSTS);
    await writeFile(emptyHosts, "");
    stub = await startDnsStub({
      records: { "www.shop.test": { A: ["198.51.100.80"], AAAA: ["2001:db8::80"] }, "v6only.test": { AAAA: ["2001:db8::6"] } },
      perName: { "gone.test": "nxdomain", "broken.test": "servfail", "hang.test": "drop" },
    });
  });
  afterAll(async () => {
    await stub?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("an IP literal is returned as is, nothing asked", async () => {
    expect(await resolveHost("10.1.2.3", opts())).toEqual({ ok: true, source: "literal", addresses: ["10.1.2.3"] });
  });

  test("the hosts file wins over DNS, IPv4 listed first", async () => {
    const before = stub.queries;
    expect(await resolveHost("localhost", { ...opts(), hostsPath })).toEqual({ ok: true, source: "hosts", addresses: ["127.0.0.1", "::1"] });
    expect(stub.queries).toBe(before);
  });

  test("localhost without a hosts entry is loopback (RFC 6761), no DNS packet", async () => {
    const before = stub.queries;
    expect(await resolveHost("localhost", opts())).toEqual({ ok: true, source: "hosts", addresses: ["127.0.0.1", "::1"] });
    expect(stub.queries).toBe(before);
  });

  test("DNS: A then AAAA", async () => {
    expect(await resolveHost("www.shop.test", opts())).toEqual({ ok: true, source: "dns", addresses: ["198.51.100.80", "2001:db8::80"] });
  });

  test("DNS: an IPv6-only name resolves", async () => {
    expect(await resolveHost("v6only.test", opts())).toEqual({ ok: true, source: "dns", addresses: ["2001:db8::6"] });
  });

  test.each([
    ["gone.test", "ENOTFOUND"],
    ["broken.test", "ESERVFAIL"],
  ])("DNS failure %s → %s", async (name, code) => {
    expect(await resolveHost(name, opts())).toMatchObject({ ok: false, code });
  });

  test("abort during a query that is never answered: ABORTED at once", async () => {
    const ac = new AbortController();
    const before = stub.queries;
    const p = resolveHost("hang.test", { ...opts(), attemptMs: 60_000, deadlineMs: 600_000, signal: ac.signal });
    await expect.poll(() => stub.queries).toBeGreaterThan(before);
    ac.abort();
    expect(await p).toMatchObject({ ok: false, code: "ABORTED" });
  });

  test("the deadline cancels a query that is never answered: LOOKUP_TIMEOUT", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const before = stub.queries;
      const p = resolveHost("hang.test", { ...opts(), attemptMs: 60_000, deadlineMs: 2000 });
      await expect.poll(() => stub.queries).toBeGreaterThan(before);
      vi.advanceTimersByTime(2000);
      expect(await p).toMatchObject({ ok: false, code: "LOOKUP_TIMEOUT" });
    } finally {
      vi.useRealTimers();
    }
  });

  test("an aborted resolution leaves nothing pending: the process exits while the server still holds the query", async () => {
    const child = spawn(process.execPath, [new URL("./resolve-host-child.mjs", import.meta.url).pathname, stub.address, emptyHosts], { stdio: ["pipe", "pipe", "inherit"] });
    const exited = once(child, "exit");
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const before = stub.queries;
    // A child node process starts slowly on a loaded machine: wait for its query, not a fixed second.
    await expect.poll(() => stub.queries, { timeout: 25_000 }).toBeGreaterThan(before);
    child.stdin.write("abort\n");
    // The stub never answers and stays open: exiting is only possible with the query cancelled.
    const [code] = await exited;
    expect(out).toBe("ABORTED\n");
    expect(code).toBe(0);
  });
});
