// The desk's forms as the API's request bodies: each form's fields are arranged into the body the API
// route takes and validated with THE SAME zod schema (shared/api.ts, shared/ticket.ts), so a form can
// never accept what the API refuses. Empty fields mean "not given". Errors name the fields in the
// page's language.
import type { Context } from "hono";
import { z } from "zod";
import { CreateRunBody, CreateTicketBody } from "../../../shared/api.js";
import { CloseBody, EscalateBody, ReopenBody, ResolveBody, SetStatusBody, VerifyBody } from "../../../shared/ticket.js";
import type { TextKey } from "../../../shared/i18n/index.js";
import type { Env } from "../../routes/route-spec.js";
import type { View } from "../page-spec.js";

export type Fields = Record<string, string | string[]>;

/** The submitted fields (already size-limited and CSRF-checked by web-app.ts); repeated names become lists. */
export async function readFields(c: Context<Env>): Promise<Fields> {
  const raw = await c.req.parseBody({ all: true }).catch(() => ({}) as Record<string, unknown>);
  const out: Fields = {};
  for (const [k, val] of Object.entries(raw)) {
    if (k === "_csrf") continue;
    // Uploads are never expected: a file is ignored, not read.
    if (typeof val === "string") out[k] = val;
    else if (Array.isArray(val)) out[k] = val.filter((x): x is string => typeof x === "string");
  }
  return out;
}

/** One value: the first when repeated, trimmed; empty = undefined. */
function one(f: Fields, k: string): string | undefined {
  const v = f[k];
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  return s === undefined || s === "" ? undefined : s;
}
/** Every value of a repeated field (checkboxes). */
function all(f: Fields, k: string): string[] {
  const v = f[k];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x) => x !== "");
}
/** Drops undefined so strict schemas see only what was given. */
function compact<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as Partial<T>;
}
const int = (s: string | undefined) => (s === undefined ? undefined : /^-?\d+$/.test(s) ? Number(s) : s);

export const ticketFromForm = (f: Fields) =>
  compact({
    customer: compact({ name: one(f, "name"), contact: one(f, "contact"), site: one(f, "site") }),
    service: one(f, "service"),
    symptom: one(f, "symptom"),
    startedAt: one(f, "startedAt"),
    frequency: one(f, "frequency"),
    alreadyTried: one(f, "alreadyTried"),
    category: one(f, "category"),
    severity: one(f, "severity"),
  });

export const runFromForm = (f: Fields, ticketId: string) => {
  const targets = (one(f, "targets") ?? "").split(/[\s,]+/).filter(Boolean);
  return compact({
    ticketId,
    agentId: one(f, "agentId"),
    checks: all(f, "checks"),
    params: compact({ service: one(f, "service"), targets: targets.length ? targets : undefined }),
  });
};

export const setStatusFromForm = (f: Fields) => compact({ to: one(f, "to"), note: one(f, "note") });
export const escalateFromForm = (f: Fields) => compact({ to: one(f, "to"), note: one(f, "note") });
export const resolveFromForm = (f: Fields) =>
  compact({ rootCause: one(f, "rootCause"), fix: one(f, "fix"), unverifiedReason: one(f, "unverifiedReason"), note: one(f, "note") });
export const closeFromForm = (f: Fields) => compact({ outcome: one(f, "outcome"), satisfaction: int(one(f, "satisfaction")), note: one(f, "note") });
export const reopenFromForm = (f: Fields) => compact({ note: one(f, "note") });

/** Each form with the API body schema that validates it. */
export const FORMS = {
  ticket: { schema: CreateTicketBody, from: ticketFromForm },
  status: { schema: SetStatusBody, from: setStatusFromForm },
  escalate: { schema: EscalateBody, from: escalateFromForm },
  resolve: { schema: ResolveBody, from: resolveFromForm },
  close: { schema: CloseBody, from: closeFromForm },
  reopen: { schema: ReopenBody, from: reopenFromForm },
  verify: { schema: VerifyBody, from: () => ({}) },
} as const;
export const RunForm = CreateRunBody;

/** The field labels errors name (a field path's first known part). */
const FIELD_LABEL: Record<string, TextKey> = {
  customer: "desk.f.customer",
  name: "desk.f.customer",
  contact: "desk.f.contact",
  site: "desk.f.site",
  service: "desk.f.service",
  symptom: "desk.f.symptom",
  startedAt: "desk.f.startedAt",
  frequency: "desk.f.frequency",
  alreadyTried: "desk.f.alreadyTried",
  category: "desk.f.category",
  severity: "desk.f.severity",
  agentId: "desk.f.agent",
  checks: "desk.run.checks",
  targets: "desk.run.targets",
  to: "desk.f.status",
  note: "desk.f.note",
  rootCause: "desk.res.rootCause",
  fix: "desk.res.fix",
  unverifiedReason: "desk.res.unverifiedReason",
  satisfaction: "desk.cl.satisfaction",
  outcome: "desk.cl.confirmation",
};

/** "Please check the form: Symptom, Contact", naming each field in the page's language. */
export function formErrorText(v: Pick<View, "t">, error: z.ZodError): string {
  const names = new Set<string>();
  for (const issue of error.issues) {
    const key = [...issue.path].reverse().map(String).find((p) => p in FIELD_LABEL);
    names.add(key ? v.t(FIELD_LABEL[key]!) : issue.message);
  }
  return v.t("desk.err.invalid", { detail: [...names].join(", ") });
}

/** A form body validated by its API schema: the data, or the localized error. */
export function validate<S extends z.ZodType>(v: Pick<View, "t">, schema: S, body: unknown): { ok: true; data: z.infer<S> } | { ok: false; message: string } {
  const r = schema.safeParse(body);
  return r.success ? { ok: true, data: r.data } : { ok: false, message: formErrorText(v, r.error) };
}
