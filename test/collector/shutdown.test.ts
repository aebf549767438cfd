// The signal rules of collector/shutdown.ts with an injected signal source and fake timers: the first
// signal drains (0 when it finishes, 1 when it fails or outlasts the limit), a second one exits at once.
import { EventEmitter } from "node:events";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { memoryLogger } from "../../shared/log.js";
import { stopOnSignals, type SignalSource } from "../../collector/shutdown.js";

let signals: EventEmitter & SignalSource;
beforeEach(() => {
  vi.useFakeTimers();
  signals = new EventEmitter() as EventEmitter & SignalSource;
});
afterEach(() => vi.useRealTimers());

describe("stopOnSignals", () => {
  test("SIGTERM drains and resolves 0; the handlers are removed afterwards", async () => {
    const log = memoryLogger();
    let finish!: () => void;
    const drain = vi.fn(() => new Promise<void>((r) => (finish = r)));
    const code = stopOnSignals({ drain, log, timeoutMs: 8000, signals, exitNow: () => expect.fail("no second signal") });
    expect(drain).not.toHaveBeenCalled();
    signals.emit("SIGTERM");
    expect(drain).toHaveBeenCalledOnce();
    finish();
    expect(await code).toBe(0);
    expect(signals.listenerCount("SIGTERM") + signals.listenerCount("SIGINT")).toBe(0);
    expect(log.lines.map((l) => l.msg)).toEqual(["shutting down: draining", "stopped cleanly"]);
  });

  test("a drain that outlasts the limit resolves 1", async () => {
    const log = memoryLogger();
    const code = stopOnSignals({ drain: () => new Promise<void>(() => undefined), log, timeoutMs: 8000, signals, exitNow: () => undefined });
    signals.emit("SIGINT");
    await vi.advanceTimersByTimeAsync(8000);
    expect(await code).toBe(1);
    expect(log.lines.some((l) => l.level === "error" && l.msg === "drain did not finish in time; exiting anyway")).toBe(true);
  });

  test("a drain that fails resolves 1", async () => {
    const code = stopOnSignals({ drain: () => Promise.reject(new Error("disk gone")), log: memoryLogger(), timeoutMs: 8000, signals });
    signals.emit("SIGTERM");
    expect(await code).toBe(1);
  });

  test("a second signal while draining exits at once with 1", async () => {
    const exitNow = vi.fn();
    const log = memoryLogger();
    void stopOnSignals({ drain: () => new Promise<void>(() => undefined), log, timeoutMs: 60_000, signals, exitNow });
    signals.emit("SIGTERM");
    expect(exitNow).not.toHaveBeenCalled();
    signals.emit("SIGINT");
    await vi.advanceTimersByTimeAsync(0);
    expect(exitNow).toHaveBeenCalledExactlyOnceWith(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(exitNow).toHaveBeenCalledOnce();
  });
});
