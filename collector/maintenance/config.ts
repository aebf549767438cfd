// Retention of old step results (docs/operations.md, "Retention").
import { z } from "zod";

export const RetentionConfig = z
  .object({
    /** Step results older than this many days are pruned (verdicts and the ticket record stay); absent = keep all. */
    stepResultsDays: z.number().int().min(1).optional(),
    /** How often the prune runs. */
    sweepIntervalMs: z.number().int().min(60_000).default(3_600_000),
  })
  .strict()
  .default({ sweepIntervalMs: 3_600_000 });
export type RetentionConfig = z.infer<typeof RetentionConfig>;
