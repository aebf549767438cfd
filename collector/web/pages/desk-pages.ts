// The engineer's support-desk pages (ticket list, ticket, hand-over, verify-fix, close). Reading is
// for every role (technicians read tickets too, without forms); every POST is for ACTORS only, like the
// API, and goes through the same functions the API routes call (collector/routes/, collector/tickets/,
// the store's state machine): a page never decides a rule on its own.
import type { Context } from "hono";
import { html } from "hono/html";
import { CreateRunBody, CreateTicketBody } from "../../../shared/api.js";
import { Id } from "../../../shared/protocol.js";
import { TicketQuery } from "../../../shared/ticket.js";
import { HttpError } from "../../http-error.js";
import type { Env } from "../../routes/route-spec.js";
import { ACTORS, READERS } from "../../routes/route-spec.js";
import { openTicket } from "../../routes/tickets.js";
import { createEnrollment } from "../../routes/agents.js";
import { triggerRun } from "../../routes/runs.js";
import { ComparisonQuery, loadTicketById, readComparison, readHandover } from "../../routes/ticket-lifecycle.js";
import { handoverText } from "../../tickets/handover.js";
import { comparisonBody, handoverBody } from "../desk/handover-view.js";
import { FORMS, readFields, runFromForm, ticketFromForm, validate } from "../desk/forms.js";
import { enrollmentBody, intakeForm } from "../desk/intake-view.js";
import { listBody } from "../desk/list-view.js";
import { loadList, loadTicketPage, refusalText, ticketAction } from "../desk/load.js";
import { ticketBody, type FormError, type FormName } from "../desk/ticket-view.js";
import { layout } from "../layout.js";
import type { PageSpec, View } from "../page-spec.js";
import { sendPage } from "../web-app.js";
import type { AppDeps } from "../../app.js";

const ticketIdOf = (c: Context<Env>): string => {
  const id = Id.safeParse(c.req.param("id"));
  if (!id.success) throw new HttpError(404, "NOT_FOUND", "ticket not found");
  return id.data;
};

/**
 * The signed-in person as the shared route code reads it (principalOf): the web wrapper has already
 * checked the session and the page's roles, exactly as the API checks a token and the route's roles.
 */
function desk(handler: PageSpec["handler"]): PageSpec["handler"] {
  return (c, d, v) => {
    c.set("principal", v.principal);
    return handler(c, d, v);
  };
}

/** After an action: back to the ticket (303, so a reload does not post again). */
const backTo = (c: Context<Env>, id: string, anchor = "") => c.redirect(`/tickets/${id}${anchor}`, 303);

/** The ticket page again, with the refused form's message and what was typed (400 or 409). */
async function ticketWithError(c: Context<Env>, d: AppDeps, v: View, id: string, error: FormError, status: 400 | 409): Promise<Response> {
  const data = await loadTicketPage(c, d, v, id, error);
  return sendPage(c, layout(v, { title: `${data.ticket.customer.name} · ${id}`, body: ticketBody(v, data), nav: "tickets", scripts: ["desk-live.js"] }), status);
}

/** An HttpError from the shared code path as the form's message (localized where the code is known). */
async function refused(c: Context<Env>, d: AppDeps, v: View, id: string, form: FormName, e: unknown, fields: FormError["fields"]): Promise<Response> {
  if (!(e instanceof HttpError) || (e.status !== 400 && e.status !== 409)) throw e;
  return ticketWithError(c, d, v, id, { form, message: refusalText(v, e.code, e.message), fields: fields ?? {} }, e.status);
}

/** One lifecycle action page: form -> the API's body schema -> the shared action -> back to the ticket. */
function lifecyclePage(form: "status" | "escalate" | "resolve" | "close" | "reopen" | "verify", summary: string, after?: (id: string) => string): PageSpec {
  return {
    method: "POST",
    path: `/tickets/:id/${form}`,
    access: ACTORS,
    summary,
    async handler(c, d, v) {
      const id = ticketIdOf(c);
      const fields = await readFields(c);
      const spec = FORMS[form];
      const body = validate(v, spec.schema, spec.from(fields));
      if (!body.ok) return ticketWithError(c, d, v, id, { form, message: body.message, fields }, 400);
      try {
        const res = await ticketAction(c, d, id, form, body.data);
        return c.redirect(after ? after(id) : `/tickets/${id}${res.anchor ?? ""}`, 303);
      } catch (e) {
        return refused(c, d, v, id, form, e, fields);
      }
    },
  };
}

const pages: PageSpec[] = [
  {
    method: "GET",
    path: "/tickets",
    access: READERS,
    summary: "the ticket list: filters (status, severity, overdue, agent, cause), nearest deadline first, time left or overdue",
    async handler(c, d, v) {
      // Repeated fields (status=a&status=b) are the API's comma lists; empty fields are no filter.
      const raw: Record<string, string> = {};
      for (const [k, vals] of Object.entries(c.req.queries())) {
        const joined = vals.filter((x) => x !== "").join(",");
        if (joined !== "") raw[k] = joined;
      }
      const q = TicketQuery.safeParse(raw);
      const data = await loadList(d, v, q.success ? q.data : TicketQuery.parse({}));
      const body = listBody(v, { ...data, query: q.success ? q.data : {}, canCreate: ACTORS.includes(v.principal!.role), ...(q.success ? {} : { error: v.t("desk.list.badFilter", { detail: q.error.issues.map((i) => i.path.join(".")).join(", ") }) }) });
      return sendPage(c, layout(v, { title: v.t("desk.tickets"), body, nav: "tickets" }), q.success ? 200 : 400);
    },
  },
  {
    method: "GET",
    path: "/tickets/new",
    access: ACTORS,
    summary: "the intake form",
    handler(c, _d, v) {
      return sendPage(c, layout(v, { title: v.t("desk.new.title"), body: intakeForm(v), nav: "tickets" }));
    },
  },
  {
    method: "POST",
    path: "/tickets/new",
    access: ACTORS,
    summary: "open a ticket (the API's CreateTicketBody), then show it",
    async handler(c, d, v) {
      const fields = await readFields(c);
      const body = validate(v, CreateTicketBody, ticketFromForm(fields));
      if (!body.ok) return sendPage(c, layout(v, { title: v.t("desk.new.title"), body: intakeForm(v, { fields, error: body.message }), nav: "tickets" }), 400);
      const ticket = await openTicket(c, d, body.data);
      return backTo(c, ticket.id);
    },
  },
  {
    method: "GET",
    path: "/tickets/:id",
    access: READERS,
    summary: "a ticket: intake, time limits, agent and diagnosis (steps live), verdict on the chain, actions, knowledge, history",
    async handler(c, d, v) {
      const id = ticketIdOf(c);
      const data = await loadTicketPage(c, d, v, id);
      return sendPage(c, layout(v, { title: `${data.ticket.customer.name} · ${id}`, body: ticketBody(v, data), nav: "tickets", scripts: ["desk-live.js"] }));
    },
  },
  {
    method: "POST",
    path: "/tickets/:id/enroll",
    access: ACTORS,
    summary: "request authorization: a one-time enrollment code bound to the ticket, with the customer's commands",
    async handler(c, d, v) {
      const id = ticketIdOf(c);
      try {
        const made = await createEnrollment(c, d, { ticketId: id, ttlS: 24 * 3600 });
        // The customer's agent needs the URL it can reach: the configured public URL, else this one.
        const collectorUrl = made.collectorUrl ?? new URL(c.req.url).origin;
        return sendPage(c, layout(v, { title: v.t("desk.auth.codeTitle", { id }), body: enrollmentBody(v, { ticketId: id, code: made.code, expiresAt: made.expiresAt, collectorUrl, agentSha256: made.agentSha256 }), nav: "tickets" }));
      } catch (e) {
        return refused(c, d, v, id, "enroll", e, {});
      }
    },
  },
  {
    method: "POST",
    path: "/tickets/:id/runs",
    access: ACTORS,
    summary: "run a diagnosis (the API's CreateRunBody, through the same code as POST /api/runs)",
    async handler(c, d, v) {
      const id = ticketIdOf(c);
      const fields = await readFields(c);
      const body = validate(v, CreateRunBody, runFromForm(fields, id));
      if (!body.ok) return ticketWithError(c, d, v, id, { form: "run", message: body.message, fields }, 400);
      try {
        const run = await triggerRun(c, d, body.data);
        return backTo(c, id, `#run-${run.id}`);
      } catch (e) {
        return refused(c, d, v, id, "run", e, fields);
      }
    },
  },
  lifecyclePage("status", "set the status (diagnosing, waiting for the customer)"),
  lifecyclePage("escalate", "escalate to a team, then show the hand-over", (id) => `/tickets/${id}/handover`),
  lifecyclePage("verify", "verify the fix: re-run the failing run's checks on its agent"),
  lifecyclePage("resolve", "resolve (root cause, fix; a healthy verification run or the reason there is none)"),
  lifecyclePage("close", "close with the customer's confirmation and satisfaction (or unreachable with a note)"),
  lifecyclePage("reopen", "reopen a resolved or closed ticket"),
  {
    method: "GET",
    path: "/tickets/:id/handover",
    access: READERS,
    summary: "the hand-over: the text to paste elsewhere (and a copy-friendly box), the JSON from the API",
    async handler(c, d, v) {
      const ticket = await loadTicketById(d, c.req.param("id"));
      const h = await readHandover(c, d, ticket, "page");
      return sendPage(c, layout(v, { title: v.t("desk.ho.title", { id: ticket.id }), body: handoverBody(v, h, handoverText(h)), nav: "tickets" }));
    },
  },
  {
    method: "GET",
    path: "/tickets/:id/compare",
    access: READERS,
    summary: "verify-fix comparison: the failing run beside the run after it, check by check, what is still failing",
    async handler(c, d, v) {
      const ticket = await loadTicketById(d, c.req.param("id"));
      const q = ComparisonQuery.safeParse(c.req.query());
      const title = v.t("desk.cmp.title", { id: ticket.id });
      try {
        const cmp = await readComparison(c, d, ticket, q.success ? q.data : {});
        return sendPage(c, layout(v, { title, body: comparisonBody(v, cmp), nav: "tickets" }));
      } catch (e) {
        if (!(e instanceof HttpError) || e.code !== "NO_COMPARISON") throw e;
        return sendPage(c, layout(v, { title, body: html`<p><a href="/tickets/${ticket.id}">← ${ticket.id}</a></p><p class="notice">${v.t("desk.cmp.none")}</p>`, nav: "tickets" }), 404);
      }
    },
  },
];

// Every handler sees the signed-in person as the shared route code expects it (desk() above).
export const deskPages: PageSpec[] = pages.map((p) => ({ ...p, handler: desk(p.handler) }));

