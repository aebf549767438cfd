// The collector's configuration from its three sources (collector/config-load.ts): the --config file,
// NETDIAG_* variables and flags, in that order of precedence; every unknown key, flag or look-alike
// variable is an error that names it, and every bad value names where it came from.
import { describe, expect, test } from "vitest";
import { CONFIG_KEYS } from "../../collector/config.js";
import { optionsHelp } from "../../collector/config-help.js";
import { collectorEnvLookalike, ConfigError, loadCollectorConfig } from "../../collector/config-load.js";

function load(argv: string[], env: Record<string, string> = {}, files: Record<string, string> = {}) {
  return loadCollectorConfig({
    argv,
    env,
    readFile: (p) => {
      if (!(p in files)) throw Object.assign(new Error("no such file"), { code: "ENOENT" });
      return files[p]!;
    },
  });
}

const fails = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected a ConfigError");
};

describe("sources and precedence", () => {
  test("defaults with nothing given", () => {
    const { config } = load([]);
    expect(config).toMatchObject({ dataDir: "./data", host: "127.0.0.1", port: 8080, logLevel: "info", shutdownTimeoutMs: 8000 });
    expect(config.webhooks.targets).toEqual([]);
  });

  test("file < environment < flags, nested keys merged", () => {
    const file = JSON.stringify({ port: 1000, host: "127.0.0.2", maxAgents: 5, retention: { stepResultsDays: 30, sweepIntervalMs: 120_000 } });
    const { config, origins } = load(["--config", "c.json", "--port", "3000", "--retention-days", "7"], { NETDIAG_PORT: "2000", NETDIAG_HOST: "127.0.0.3" }, { "c.json": file });
    expect(config.port).toBe(3000);
    expect(config.host).toBe("127.0.0.3");
    expect(config.maxAgents).toBe(5);
    expect(config.retention).toEqual({ stepResultsDays: 7, sweepIntervalMs: 120_000 });
    expect(origins.get("port")).toBe("--port");
    expect(origins.get("host")).toBe("NETDIAG_HOST");
  });

  test("NETDIAG_CONFIG names the file too; the flag wins over it", () => {
    const files = { "a.json": '{"port": 1}', "b.json": '{"port": 2}' };
    expect(load([], { NETDIAG_CONFIG: "a.json" }, files).config.port).toBe(1);
    expect(load(["--config", "b.json"], { NETDIAG_CONFIG: "a.json" }, files).config.port).toBe(2);
  });

  test("the flags the README and tests use keep working", () => {
    const { config } = load(["--data-dir", "/d", "--host", "0.0.0.0", "--port", "0", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--public-url", "https://x.test", "--log-level", "silent", "--max-agents", "3", "--heartbeat-ms", "200", "--deadlines-file", "dl.json"], {}, {
      "dl.json": JSON.stringify({ severe: { respondMs: 600_000, resolveMs: 3_600_000 } }),
    });
    expect(config).toMatchObject({ dataDir: "/d", host: "0.0.0.0", port: 0, tlsCert: "c.pem", tlsKey: "k.pem", publicUrl: "https://x.test", logLevel: "silent", maxAgents: 3, heartbeatMs: 200 });
    expect(config.deadlines?.severe).toEqual({ respondMs: 600_000, resolveMs: 3_600_000 });
  });

  test("webhooks come from the file", () => {
    const targets = [{ name: "crm", url: "https://crm.test/hook", events: ["run.finished"], secretFile: "/etc/netdiag/crm.secret" }];
    const { webhooks } = load(["--config", "c.json"], {}, { "c.json": JSON.stringify({ webhooks: { targets, timeoutMs: 5000 } }) }).config;
    expect(webhooks.targets).toEqual([expect.objectContaining(targets[0])]);
    expect(webhooks.timeoutMs).toBe(5000);
  });
});

describe("unknown keys are errors that name them", () => {
  test.each([
    ["top level", { prot: 80 }, /--config c\.json: unknown key "prot" \(did you mean port\?\)/],
    ["nested", { retention: { stepResultDays: 3 } }, /unknown key "retention\.stepResultDays"/],
    ["in a webhook", { webhooks: { targets: [{ name: "a", url: "https://a.test", secretFile: "s", secret: "x" }] } }, /unknown key "webhooks\.targets\.0\.secret"/],
    ["in deadlines", { deadlines: { urgent: { respondMs: 60_000, resolveMs: 60_000 } } }, /unknown key "deadlines\.urgent"/],
  ])("in the file, %s", (_n, content, message) => {
    expect(fails(() => load(["--config", "c.json"], {}, { "c.json": JSON.stringify(content) }))).toMatch(message);
  });

  test("a flag, with the nearest one suggested", () => {
    expect(fails(() => load(["--heartbeat", "10"]))).toBe("unknown flag --heartbeat (did you mean --heartbeat-ms?)");
  });

  test.each([
    ["NETDIAG_DATADIR", "NETDIAG_DATA_DIR"],
    ["NETDIAG_PROT", "NETDIAG_PORT"],
    ["NETDIAG_TLS_CA", "NETDIAG_TLS_CERT"],
    ["NETDIAG_LOG_FORMAT", "NETDIAG_LOG_LEVEL"],
  ])("a variable that looks like the collector's: %s", (name, meant) => {
    expect(collectorEnvLookalike(name)).toBe(meant);
    expect(fails(() => load([], { [name]: "x" }))).toMatch(new RegExp(`unknown environment variable ${name} \\(did you mean ${meant}\\?\\)`));
  });

  test("the other programs' variables and unrelated ones are left alone", () => {
    for (const name of ["NETDIAG_URL", "NETDIAG_TOKEN", "NETDIAG_CA", "NETDIAG_AGENT_CONFIG", "NETDIAG_LAB_PREFIX", "NETDIAG_CHROMIUM", "PATH", "HOME"]) {
      expect(collectorEnvLookalike(name), name).toBeUndefined();
    }
    expect(load([], { NETDIAG_URL: "http://x", NETDIAG_TOKEN: "t", NETDIAG_LAB_PREFIX: "nd1" }).config.port).toBe(8080);
  });
});

describe("bad values name their source", () => {
  test.each([
    [["--port", "eighty"], {}, /--port: expected a whole number, got "eighty"/],
    [[], { NETDIAG_PORT: "70000" }, /NETDIAG_PORT: port: Too big/],
    [["--log-level", "debug"], {}, /--log-level: expected one of info, warn, error, silent/],
    [["--tls-cert", "c.pem"], {}, /tlsCert and tlsKey go together/],
    [["--config", "missing.json"], {}, /cannot read --config missing\.json: ENOENT/],
  ] as const)("%j %j", (argv, env, message) => {
    expect(fails(() => load([...argv], { ...env }))).toMatch(message);
  });

  test("a file that is not an object", () => {
    expect(fails(() => load(["--config", "c.json"], {}, { "c.json": "[1]" }))).toMatch(/expected a JSON object/);
    expect(fails(() => load(["--config", "c.json"], {}, { "c.json": "port: 1" }))).toMatch(/not valid JSON \(MALFORMED_JSON\)/);
  });
});

describe("--help", () => {
  test("documents every key once: its flag and variable, or that only the file sets it", () => {
    const help = optionsHelp();
    for (const k of CONFIG_KEYS) {
      if (k.flag) {
        expect(help.match(new RegExp(`--${k.flag} `, "g")), k.key).toHaveLength(1);
        expect(help.replace(/\s+/g, " ")).toContain(`env ${k.env}; file key ${k.key}`);
      } else {
        expect(help).toMatch(new RegExp(`^  ${k.key.replace(".", "\\.")} `, "m"));
      }
    }
  });
});
