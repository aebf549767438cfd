// The page-language labels the desk pages share: key-figure labels, run and step states, severities,
// categories, teams. Each maps a closed set from shared/ onto its text in shared/i18n/desk.ts.
import type { Run, Ticket } from "../../../shared/api.js";
import type { StepStatus } from "../../../shared/checks.js";
import type { EscalationTeam } from "../../../shared/ticket.js";
import type { View } from "../page-spec.js";
import type { FigureLabels } from "./key-figures.js";

type T = Pick<View, "t">;

export function figureLabels(v: T): FigureLabels {
  return {
    loss: v.t("desk.fig.loss"),
    avg: v.t("desk.fig.avg"),
    gateway: v.t("desk.fig.gateway"),
    offers: v.t("desk.fig.offers"),
    configured: v.t("desk.fig.configured"),
    public: v.t("desk.fig.public"),
    failingNames: v.t("desk.fig.failingNames"),
    ispHop: v.t("desk.fig.ispHop"),
    anchors: v.t("desk.fig.anchors"),
    mtu: v.t("desk.fig.mtu"),
    wan: v.t("desk.fig.wan"),
    snr: v.t("desk.fig.snr"),
  };
}

const RUN_STATE = {
  requested: "desk.rs.requested",
  sent: "desk.rs.sent",
  received: "desk.rs.received",
  awaiting_consent: "desk.rs.awaiting_consent",
  running: "desk.rs.running",
  delivering: "desk.rs.delivering",
  completed: "desk.rs.completed",
  cancelled: "desk.rs.cancelled",
  failed: "desk.rs.failed",
  refused: "desk.rs.refused",
  expired: "desk.rs.expired",
} as const satisfies Record<Run["state"], string>;

export const runStateText = (v: T, s: Run["state"]) => v.t(RUN_STATE[s]);
export const runStateTexts = (v: T): Record<string, string> => Object.fromEntries(Object.keys(RUN_STATE).map((s) => [s, runStateText(v, s as Run["state"])]));

const STEP_STATUS = {
  ok: "desk.ss.ok",
  warn: "desk.ss.warn",
  fail: "desk.ss.fail",
  skipped: "desk.ss.skipped",
  error: "desk.ss.error",
  timeout: "desk.ss.timeout",
} as const satisfies Record<StepStatus, string>;
export const stepStatusText = (v: T, s: string) => (s in STEP_STATUS ? v.t(STEP_STATUS[s as StepStatus]) : s);
export const stepStatusTexts = (v: T): Record<string, string> => Object.fromEntries(Object.keys(STEP_STATUS).map((s) => [s, stepStatusText(v, s)]));

const SEVERITY = { general: "desk.sev.general", important: "desk.sev.important", severe: "desk.sev.severe" } as const satisfies Record<Ticket["severity"], string>;
export const severityText = (v: T, s: Ticket["severity"]) => v.t(SEVERITY[s]);
export const SEVERITIES = Object.keys(SEVERITY) as Ticket["severity"][];

const CATEGORY = { network: "desk.cat.network", service: "desk.cat.service", terminal: "desk.cat.terminal", billing: "desk.cat.billing", other: "desk.cat.other" } as const satisfies Record<Ticket["category"], string>;
export const categoryText = (v: T, s: Ticket["category"]) => v.t(CATEGORY[s]);
export const CATEGORIES = Object.keys(CATEGORY) as Ticket["category"][];

const TEAM = {
  network_operations: "desk.team.network_operations",
  field_service: "desk.team.field_service",
  second_line: "desk.team.second_line",
  service_owner: "desk.team.service_owner",
} as const satisfies Record<EscalationTeam, string>;
export const teamText = (v: T, s: EscalationTeam) => v.t(TEAM[s]);
export const TEAMS = Object.keys(TEAM) as EscalationTeam[];
