// Child process for the "nothing left pending" test: resolves a name at a DNS server that never
// answers, aborts when the parent writes a line, prints the outcome, and then must exit on its own
// (no process.exit): it can only do so if the aborted resolution left nothing in the event loop.
// Args: DNS_SERVER HOSTS_PATH
import { resolveHost } from "../../../dist/agent/system/resolve-host.js";

const [server, hostsPath] = process.argv.slice(2);
const ac = new AbortController();
process.stdin.once("data", () => {
  process.stdin.destroy(); // the pipe itself must not keep us alive
  ac.abort();
});
// c-ares on its own would wait 60 s x 3 attempts: only the abort can end this promptly.
const r = await resolveHost("hang.test", { attemptMs: 60_000, tries: 3, deadlineMs: 600_000, signal: ac.signal, servers: [server], hostsPath });
process.stdout.write(`${r.ok ? "ok" : r.code}\n`);
