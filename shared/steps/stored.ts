// A stored step as read back and served by the API. The envelope (check, status, timing, findings) is
// checked; the data is kept as stored. Steps are validated against their check's strict schema when
// they arrive (the hub), but a row stored by an older agent or collector, before a schema gained a
// field, must stay readable after an upgrade: nothing stored is made unreadable. Readers of stored
// data (CLI, device state) read it defensively; the type stays StepResult for what a current agent sent.
import { z } from "zod";
import { CheckId, StepStatus } from "./base.js";
import type { StepResult } from "./index.js";

const Code = z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/);

export const StoredStepResult = z.looseObject({
  check: CheckId,
  status: StepStatus,
  startedAt: z.number(),
  durationMs: z.number(),
  findings: z.array(z.looseObject({ code: Code, severity: z.enum(["info", "warn", "fail"]), message: z.string() })),
  skipReason: z.string().optional(),
  error: z.looseObject({ code: z.string(), message: z.string() }).optional(),
  data: z.record(z.string(), z.unknown()),
});

/** The stored step's result, typed as what a current agent sends (see above). */
export const StoredStepResultTyped = StoredStepResult.transform((r) => r as unknown as StepResult);

/** A stored step event: only its result is read (seq and time come from their columns). */
export const StoredStepBody = z.object({ result: StoredStepResultTyped });
