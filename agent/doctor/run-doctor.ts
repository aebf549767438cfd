// doctor: runs every prerequisite check (config first, the rest from what it found) with the system
// bits injected (clock, process spawning, uid and /proc/self/status), so tests can vary them.
import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { spawnProcess, type Spawner } from "../system/spawn.js";
import { assessClock } from "./clock-check.js";
import { checkCollector, type CollectorCheck } from "./collector-check.js";
import { checkConfig } from "./config-check.js";
import { checkOutbox } from "./outbox-check.js";
import { assessPing, pingTrials } from "./ping-check.js";
import { assessPrivileges } from "./privileges-check.js";
import { finding, type DoctorFinding } from "./types.js";

export interface DoctorEnv {
  configPath: string;
  now: () => number;
  spawn: Spawner;
  uid: () => number | undefined;
  /** The text of /proc/self/status; undefined where there is none. */
  procStatus: () => Promise<string | undefined>;
}

export const systemDoctorEnv = (configPath: string): DoctorEnv => ({
  configPath,
  now: Date.now,
  spawn: spawnProcess,
  uid: () => process.getuid?.(),
  procStatus: () => readFile("/proc/self/status", "utf8").catch(() => undefined),
});

/** Every finding in DOCTOR_CHECKS order. */
export async function runDoctor(env: DoctorEnv, signal: AbortSignal): Promise<DoctorFinding[]> {
  const cfg = await checkConfig(env.configPath);
  const config = cfg.config;
  const [outbox, ping, privileges, collector] = await Promise.all([
    config ? checkOutbox(config.stateDir ?? dirname(env.configPath), config.outboxMaxBytes) : Promise.resolve(finding("outbox", "skip", "NEEDS_CONFIG")),
    pingTrials(env.spawn, signal).then(assessPing),
    env.procStatus().then((s) => assessPrivileges(env.uid(), s)),
    config ? checkCollector(config.identity, { now: env.now, signal }) : Promise.resolve<CollectorCheck>({ finding: finding("collector", "skip", "NEEDS_CONFIG") }),
  ]);
  const clock = collector.date !== undefined && collector.answeredAt !== undefined ? assessClock(collector.answeredAt, collector.date) : finding("clock", "skip", "CLOCK_UNKNOWN");
  return [cfg.finding, outbox, ping, privileges, collector.finding, clock];
}

/** Exit code: 1 when anything must be fixed, else 0 (warnings do not count). */
export const doctorExitCode = (findings: readonly DoctorFinding[]): 0 | 1 => (findings.some((f) => f.status === "fail") ? 1 : 0);
