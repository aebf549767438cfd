// The agent's final enforcement point for customer consent: a run request runs only when grants on
// this machine cover it, or the customer approves it now. Even a compromised collector cannot get
// past this, because the grants and the answer live only on the customer's machine.
import type { Logger } from "../../shared/log.js";
import type { RunRequestFrame } from "../../shared/protocol.js";
import type { Authorizer } from "../run-executor.js";
import type { ConsentAnswer, ConsentBroker } from "./broker.js";
import { CHECK_KINDS, evaluateGrants, grantStatus, MAX_GRANT_MS, type ActionKind, type Grant, type GrantRefusalCode } from "./grant.js";
import type { GrantStore } from "./grant-store.js";

/** How long an approved request's grant lasts when the collector does not say (run.request consentTtlS). */
export const DEFAULT_REQUEST_GRANT_MS = 3600_000;

/** Every refusal code this authorizer can send (docs/consent.md lists them with meanings). */
const MAX_REMEMBERED_RUNS = 1000;

export type ConsentRefusalCode = GrantRefusalCode | "CONSENT_REFUSED" | "CONSENT_TIMEOUT" | "CHANGE_NEEDS_APPROVAL" | "GRANT_STORE_INVALID";

export interface ConsentAuthorizerOptions {
  store: GrantStore;
  agentId: string;
  log: Logger;
  /** Asks the customer; undefined = never ask ("grants-only" mode): no grant means refused. */
  broker?: ConsentBroker;
  /** The kind of a check or action id; tests inject a "change" action here. Default: CHECK_KINDS. */
  kindOf?: (id: string) => ActionKind;
  now?: () => number;
}

export interface ConsentAuthorizer {
  authorize: Authorizer;
  /**
   * Re-reads the grants (after `authorize`/`revoke` ran in another process) and returns the ids of
   * runs started under a grant that is now revoked; the caller cancels them.
   */
  runsToCancel(): Promise<string[]>;
  /** The run finished: forget which grants it ran under. */
  forget(runId: string): void;
}

export function createConsentAuthorizer(o: ConsentAuthorizerOptions): ConsentAuthorizer {
  const now = o.now ?? Date.now;
  const kindOf = o.kindOf ?? ((id: string) => CHECK_KINDS[id as keyof typeof CHECK_KINDS] ?? "change");
  /** runId → the grants it runs under (a revocation of any of them stops it). */
  const runGrants = new Map<string, string[]>();

  const remember = (runId: string, ids: string[]) => {
    runGrants.set(runId, ids);
    // Finished runs are forgotten when a revocation finds them no longer active; this bound keeps a
    // long-lived agent's memory flat either way (a run older than 1000 runs has long finished).
    if (runGrants.size > MAX_REMEMBERED_RUNS) runGrants.delete(runGrants.keys().next().value!);
  };

  const refuse = (req: RunRequestFrame, code: ConsentRefusalCode, reason: string) => {
    o.log.warn("consent: run refused", { runId: req.runId, ticketId: req.ticketId, requestedBy: req.requestedBy, checks: req.checks, code, reason });
    return { ok: false as const, code, reason };
  };

  const authorize: Authorizer = async (req, hooks) => {
    const checks = [...new Set(req.checks)];
    const changes = checks.filter((c) => kindOf(c) === "change");
    const diagnostic = checks.filter((c) => kindOf(c) !== "change");
    let grants: Grant[];
    try {
      grants = await o.store.list();
    } catch (e) {
      // A damaged grant file never means "allowed".
      return refuse(req, "GRANT_STORE_INVALID", `the agent cannot read its grant file: ${(e as Error).message}`);
    }
    const covered = diagnostic.length
      ? evaluateGrants(grants, { agentId: o.agentId, ticketId: req.ticketId, checks: diagnostic, now: now() })
      : { ok: true as const, grantIds: [] as string[] };
    if (covered.ok && changes.length === 0) {
      remember(req.runId, covered.grantIds);
      o.log.info("consent: run covered by grant", { runId: req.runId, ticketId: req.ticketId, checks, grants: covered.grantIds });
      return { ok: true };
    }
    if (!o.broker) {
      if (!covered.ok) return refuse(req, covered.code, covered.reason);
      return refuse(req, "CHANGE_NEEDS_APPROVAL", `${changes.join(", ")} change the customer's device and need the customer's approval each time; this agent does not ask (grants-only mode)`);
    }
    const ttlMs = Math.min(MAX_GRANT_MS, req.consentTtlS !== undefined ? req.consentTtlS * 1000 : DEFAULT_REQUEST_GRANT_MS);
    const asked = covered.ok ? changes : checks;
    o.log.info("consent: asking the customer", { runId: req.runId, ticketId: req.ticketId, requestedBy: req.requestedBy, checks: asked, why: covered.ok ? "change action" : covered.code });
    // The engineer sees "waiting for the customer's consent" with the deadline while we wait.
    await hooks?.asking?.(now() + o.broker.timeoutMs);
    const answer: ConsentAnswer = await o.broker.ask({
      runId: req.runId,
      ticketId: req.ticketId,
      requestedBy: req.requestedBy,
      checks: asked,
      changes,
      grantMs: covered.ok ? 0 : ttlMs,
    });
    // One cause per refusal: what the customer did when asked. Why they were asked (no grant, a revoked
    // or expired one) follows as its own sentence, without a second code the engineer could mistake
    // for the reason.
    const why = covered.ok ? "" : ` No grant covered the run: ${covered.reason}.`;
    if (answer === "refused") return refuse(req, "CONSENT_REFUSED", `the customer was asked to allow ${asked.join(", ")} and said no.${why}`);
    if (answer === "timeout") return refuse(req, "CONSENT_TIMEOUT", `the customer was asked to allow ${asked.join(", ")} and did not answer in time.${why}`);
    const ids = covered.ok ? [...covered.grantIds] : [];
    if (!covered.ok) {
      // Approving grants the diagnostic checks for this ticket for the requested time; change
      // actions are never part of a grant: they were approved for this run only.
      const t = now();
      const g = await o.store.add({ agentId: o.agentId, ticketId: req.ticketId, checks: diagnostic as Grant["checks"], notBefore: t, notAfter: t + ttlMs, createdAt: t, createdBy: "approved-request" });
      o.log.info("consent: grant created from approved request", { grantId: g.id, runId: req.runId, ticketId: g.ticketId, checks: g.checks, notAfter: g.notAfter });
      ids.push(g.id);
    }
    if (changes.length) o.log.info("consent: change actions approved for this run only", { runId: req.runId, changes });
    remember(req.runId, ids);
    return { ok: true };
  };

  return {
    authorize,
    async runsToCancel() {
      const grants = await o.store.list().catch(() => undefined);
      const t = now();
      const out: string[] = [];
      for (const [runId, ids] of runGrants) {
        // An unreadable grant file stops everything: consent can no longer be shown.
        const dead = !grants || ids.some((id) => {
          const g = grants.find((x) => x.id === id);
          return !g || grantStatus(g, t) === "revoked";
        });
        if (dead) out.push(runId);
      }
      return out;
    },
    forget(runId) {
      runGrants.delete(runId);
    },
  };
}
