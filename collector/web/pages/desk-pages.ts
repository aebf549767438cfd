// The engineer's support-desk pages (ticket list, ticket, hand-over, verify-fix, close). Reading is
// for every role (technicians read tickets too, without forms); every POST is for ACTORS only, like the
// API, and goes through the same functions the API routes call (collector/routes/, collector/tickets/,
// the store's state machine): a page never decides a rule on its own.
import type { Context } from "hono";
import { CreateRunBody, CreateTicketBody } from "../../../shared/api.js";
import { Id } from "../../../shared/protocol.js";
import { TicketQuery } from "../../../shared/ticket.js";
import { HttpError } from "../../http-error.js";
import type { Env } from "../../routes/route-spec.js";
import { ACTORS, READERS } from "../../routes/route-spec.js";
import { openTicket } from "../../routes/tickets.js";
import { createEnrollment } from "../../routes/agents.js";
import { requestRun } from "../../routes/runs.js";
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

/** After an action: back to the ticket (303, so a reload does not post again). */
const backTo = (c: Context<Env>, id: string, anchor = "") => c.redirect(`/tickets/${id}${anchor}`, 303);

/** The ticket page again, with the refused form's message and what was typed (400 or 409). */
async function ticketWithError(c: Context<Env>, d: AppDeps, v: View, id: string, error: FormError, status: 400 | 409): Promise<Response> {
  const data = await loadTicketPage(d, v, id, error);
  return sendPage(c, layout(v, { title: `${data.ticket.customer.name} · ${id}`, body: ticketBody(v, data), nav: "tickets", scripts: ["desk-live.js"] }), status);
}

/** An HttpError from the shared code path as the form's message (localized where the code is known). */
async function refused(c: Context<Env>, d: AppDeps, v: View, id: string, form: FormName, e: unknown, fields: FormError["fields"]): Promise<Response> {
  if (!(e instanceof HttpError) || (e.status !== 400 && e.status !== 409)) throw e;
  return ticketWithError(c, d, v, id, { form, message: refusalText(v, e.code, e.message, d), fields: fields ?? {} }, e.status);
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
        const res = await ticketAction(d, v.principal!, id, form, body.data);
        return c.redirect(after ? after(id) : `/tickets/${id}${res.anchor ?? ""}`, 303);
      } catch (e) {
        return refused(c, d, v, id, form, e, fields);
      }
    },
  };
}

export const deskPages: PageSpec[] = [
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
      const ticket = await openTicket(d, v.principal!, body.data);
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
      const data = await loadTicketPage(d, v, id);
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
        const made = await createEnrollment(d, v.principal!, { ticketId: id, ttlS: 24 * 3600 });
        // The customer's agent needs the URL it can reach: the configured public URL, else this one.
        const collectorUrl = made.collectorUrl ?? new URL(c.req.url).origin;
        return sendPage(c, layout(v, { title: v.t("desk.auth.codeTitle", { id }), body: enrollmentBody(v, { ticketId: id, code: made.code, expiresAt: made.expiresAt, collectorUrl }), nav: "tickets" }));
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
        const run = await requestRun(d, v.principal!, body.data);
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
];

