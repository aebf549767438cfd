// Offline runs: `netdiag-agent check --ticket T` diagnoses locally while the collector is unreachable
// and writes the run, event by event and fsynced, to a spool file of its own (a sink of
// agent/diagnose.ts). The `run` process (sole
// owner of the outbox log) imports finished spool files into its outbox and uploads them. A spool file
// per run keeps two processes from ever writing the same file (docs/delivery.md).
import { watch, type FSWatcher } from "node:fs";
import { mkdir, open, readdir, readFile, rename, stat, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { CheckId } from "../shared/checks.js";
import type { Logger } from "../shared/log.js";
import type { RunEvent } from "../shared/protocol.js";
import { randomId } from "../shared/secrets.js";
import type { AgentConfig } from "./config.js";
import { scrubberFor } from "./consent/scrub.js";
import { runEventSink, type DiagnosisSink } from "./diagnose.js";
import { decodeRecords, encodeRecord, fsyncDir, isAlive, OUTBOX_MAGIC, type FileOutbox } from "./link/file-outbox.js";

/** One run being written: `<runId>.<pid>.part` while running, renamed to `<runId>.log` when complete. */
export class SpoolWriter {
  private constructor(
    private readonly fd: FileHandle,
    private readonly partPath: string,
    private readonly finalPath: string,
    private readonly dir: string,
  ) {}

  static async create(dir: string, runId: string): Promise<SpoolWriter> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const partPath = join(dir, `${runId}.${process.pid}.part`);
    const fd = await open(partPath, "wx", 0o600);
    await fd.write(OUTBOX_MAGIC);
    return new SpoolWriter(fd, partPath, join(dir, `${runId}.log`), dir);
  }

  /** Durable before it returns, like the outbox: a crash after a step keeps that step. */
  async append(ev: RunEvent): Promise<void> {
    await this.fd.write(encodeRecord({ k: "ev", ev }));
    await this.fd.datasync();
  }

  /** Publishes the complete run to the importer. */
  async commit(): Promise<void> {
    await this.fd.close();
    await rename(this.partPath, this.finalPath);
    await fsyncDir(this.dir);
  }
}

/** Bytes already waiting (outbox log + spool files): the offline run's share of the same budget. */
export async function queuedBytes(logPath: string, spoolDir: string): Promise<number> {
  let n = (await stat(logPath).catch(() => undefined))?.size ?? 0;
  for (const f of await readdir(spoolDir).catch(() => [] as string[])) n += (await stat(join(spoolDir, f)).catch(() => undefined))?.size ?? 0;
  return n;
}

export interface OfflineRunOptions {
  ticketId: string;
  /** Its equipment secrets are scrubbed from every event before the spool. */
  config: AgentConfig;
  checks: CheckId[];
  spoolDir: string;
  now?: () => number;
}

/**
 * Opens the spool for one offline run and writes run.offline (seq 0). The returned sink spools the
 * steps, the verdict and run.finished (seq 1..n) and publishes the file once the run is finished.
 */
export async function offlineRunSink(o: OfflineRunOptions): Promise<{ runId: string; sink: DiagnosisSink }> {
  const now = o.now ?? Date.now;
  const runId = randomId("off_");
  const spool = await SpoolWriter.create(o.spoolDir, runId);
  let seq = 0;
  // Scrubbed before the spool: the upload leaves from it, like every remote run's events (RunExecutor).
  const scrub = scrubberFor(o.config);
  const emit = (ev: Record<string, unknown>) => spool.append(scrub({ runId, seq: seq++, at: now(), ...ev } as RunEvent));
  await emit({ type: "run.offline", ticketId: o.ticketId, checks: o.checks });
  const events = runEventSink(emit);
  return {
    runId,
    sink: {
      ...events,
      async finish(outcome, steps) {
        await events.finish(outcome, steps);
        await spool.commit();
      },
    },
  };
}

/**
 * Moves every complete spool file (and every `.part` whose writer died) into the outbox with one
 * fsynced append, then deletes it. A run cut off by its writer's death is closed as "failed". Crash
 * between append and delete: the file is imported again and the collector ignores the repeats.
 */
export async function importSpool(outbox: FileOutbox, spoolDir: string, log: Logger, now = Date.now): Promise<RunEvent[]> {
  const imported: RunEvent[] = [];
  for (const name of (await readdir(spoolDir).catch(() => [] as string[])).sort()) {
    const part = /^[A-Za-z0-9_-]+\.(\d+)\.part$/.exec(name);
    if (!name.endsWith(".log") && !(part && !isAlive(Number(part[1])))) continue;
    const path = join(spoolDir, name);
    const buf = await readFile(path).catch(() => undefined);
    if (!buf) continue;
    const d = decodeRecords(buf);
    if (d.corrupt.length || d.tornTailBytes || d.badMagic) {
      log.error("offline spool file damaged: readable records kept", { path, regions: d.corrupt.length, tornTailBytes: d.tornTailBytes, badMagic: d.badMagic });
    }
    const evs = d.records.flatMap((r) => (r.k === "ev" ? [r.ev] : []));
    const first = evs[0];
    if (first && !evs.some((e) => e.type === "run.finished")) {
      const last = Math.max(...evs.map((e) => e.seq));
      evs.push({ type: "run.finished", runId: first.runId, seq: last + 1, at: now(), outcome: "failed", steps: evs.filter((e) => e.type === "step").length });
    }
    if (evs.length) await outbox.appendMany(evs);
    await unlink(path);
    await fsyncDir(spoolDir);
    log.info("offline run queued for upload", { file: name, events: evs.length });
    imported.push(...evs);
  }
  return imported;
}

/** Imports at start, whenever asked (each reconnect), and when a spool file appears; sends what it imported. */
export function startSpoolImporter(o: { outbox: FileOutbox; spoolDir: string; log: Logger; send: (ev: RunEvent) => void }): {
  scan(): Promise<void>;
  close(): Promise<void>;
} {
  let running: Promise<void> | undefined;
  let again = false;
  let watcher: FSWatcher | undefined;
  let closed = false;
  const scanOnce = async () => {
    do {
      again = false;
      try {
        for (const ev of await importSpool(o.outbox, o.spoolDir, o.log)) o.send(ev);
      } catch (e) {
        o.log.error("importing offline runs failed; will retry", { error: String(e) });
      }
    } while (again);
  };
  const scan = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = scanOnce().finally(() => (running = undefined));
    return running;
  };
  void mkdir(o.spoolDir, { recursive: true, mode: 0o700 }).then(() => {
    if (closed) return;
    try {
      watcher = watch(o.spoolDir, () => void scan());
      watcher.on("error", (e) => o.log.warn("watching the offline spool failed; it is scanned on reconnect", { error: String(e) }));
    } catch (e) {
      o.log.warn("cannot watch the offline spool; it is scanned on reconnect", { error: String(e) });
    }
  });
  return {
    scan,
    async close() {
      closed = true;
      watcher?.close();
      await running;
    },
  };
}
