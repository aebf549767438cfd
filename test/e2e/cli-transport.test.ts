// The engineer CLI never sends its API token in clear to a remote host: plain http:// is refused to
// anything but loopback unless --insecure is given, which works and warns. A recording HTTP server on
// loopback stands in for "a remote collector": it is reached as http://0.0.0.0:PORT, a non-loopback
// address by name that Linux delivers locally, so no packet leaves the machine.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, test } from "vitest";
import { isLoopbackHost } from "../../shared/transport.js";
import { runBin } from "../helpers/cli.js";

const TOKEN = "ndt_thisIsTheEngineersSecretToken";
let server: Server;
let port: number;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers.authorization ?? "(none)");
    res.setHeader("content-type", "application/json");
    res.end("[]");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

test("plain http to a non-loopback host is refused before anything is sent (usage error, exit 2)", async () => {
  const r = await runBin("cli", ["agents"], { NETDIAG_URL: `http://0.0.0.0:${port}`, NETDIAG_TOKEN: TOKEN });
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/refusing to send the API token in clear over http:\/\/ to 0\.0\.0\.0: use https:\/\/ .*or --insecure/);
  expect(r.stdout).toBe("");
  expect(seen).toEqual([]);
});

test("--url is checked the same way, and watch (the live stream) too", async () => {
  for (const args of [["agents", "--url", `http://0.0.0.0:${port}`], ["watch", "run_abcdef"]]) {
    const r = await runBin("cli", args, { NETDIAG_URL: `http://0.0.0.0:${port}`, NETDIAG_TOKEN: TOKEN });
    expect(r.code).toBe(2);
  }
  expect(seen).toEqual([]);
});

test("--insecure exists, connects and warns that the token travels in clear", async () => {
  const r = await runBin("cli", ["agents", "--insecure"], { NETDIAG_URL: `http://0.0.0.0:${port}`, NETDIAG_TOKEN: TOKEN });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toMatch(/WARNING: --insecure: the API token and customer data go in clear .*0\.0\.0\.0/);
  expect(seen).toEqual([`Bearer ${TOKEN}`]);
  seen.length = 0;
});

test("loopback over plain http needs no flag and prints no warning", async () => {
  const r = await runBin("cli", ["agents"], { NETDIAG_URL: `http://127.0.0.1:${port}`, NETDIAG_TOKEN: TOKEN });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toBe("");
  expect(seen).toEqual([`Bearer ${TOKEN}`]);
  seen.length = 0;
});

test("a URL that is not http(s) is a usage error", async () => {
  for (const url of ["ftp://127.0.0.1/", "127.0.0.1:8080", "not a url"]) {
    const r = await runBin("cli", ["agents"], { NETDIAG_URL: url, NETDIAG_TOKEN: TOKEN });
    expect(r.code, url).toBe(2);
    expect(r.stderr).toMatch(/NETDIAG_URL|--url/);
  }
});

test.each([
  ["127.0.0.1", true],
  ["127.8.9.10", true],
  ["localhost", true],
  ["LOCALHOST", true],
  ["[::1]", true],
  ["::1", true],
  ["[::ffff:7f00:1]", true],
  ["0.0.0.0", false],
  ["10.0.0.1", false],
  ["[::ffff:a00:1]", false],
  ["support.example-isp.test", false],
  ["localhost.example.test", false],
])("isLoopbackHost(%s) = %s", (host, want) => expect(isLoopbackHost(host)).toBe(want));
