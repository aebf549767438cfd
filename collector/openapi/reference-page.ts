// The API reference page (GET /api-docs): the OpenAPI document rendered on the server as one HTML page,
// so it shows exactly what /openapi.json says. Every operation with its method, path, access, summary,
// parameters, request body and responses; the named schemas at the end. The web console's stylesheet,
// nothing inline and nothing from elsewhere (the console's CSP holds), no script.
import { html, raw } from "hono/html";
import type { Html } from "../web/page-spec.js";
import type { MediaType, Method, OpenApiDocument, Operation, ResponseObject } from "./document.js";
import type { JsonSchema } from "./json-schema.js";
import { inlineCode, schemaAnchor, schemaBody, schemaHtml, typeLine } from "./schema-html.js";

const METHOD_BADGE: Record<Method, string> = { get: "ok", post: "info", delete: "fail" };

interface Op {
  method: Method;
  path: string;
  op: Operation;
}

function operations(doc: OpenApiDocument): Op[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    (Object.entries(item) as [Method, Operation][]).map(([method, op]) => ({ method, path, op })),
  );
}

const methodBadge = (m: Method) => html`<span class="badge ${METHOD_BADGE[m]}">${m.toUpperCase()}</span>`;

function access(op: Operation): Html {
  const roles = op["x-roles"];
  return roles === "public" ? html`<span class="badge muted">public</span>` : html`${roles.map((r, i) => html`${i > 0 ? " " : ""}<span class="badge info">${r}</span>`)}`;
}

/** The index's short form, as README's table says it. */
function accessText(op: Operation): string {
  const roles = op["x-roles"];
  return roles === "public" ? "public" : roles.length === 3 ? "all roles" : roles.join(", ");
}

function credentials(op: Operation): string {
  if (op.security.length === 0) return "none";
  return op.security.map((s) => (Object.keys(s)[0] === "sessionCookie" ? "web console session cookie" : "API token (Authorization: Bearer)")).join(" or ");
}

function parameters(op: Operation): Html {
  if (op.parameters.length === 0) return html``;
  return html`<h4>Parameters</h4>
<div class="table-wrap"><table class="cards">
<thead><tr><th>name</th><th>in</th><th>value</th><th>required</th></tr></thead>
<tbody>${op.parameters.map(
    // One element per cell: on a phone each cell is a two-column grid (label, value).
    (p) => html`<tr><td data-label="name"><code>${p.name}</code></td><td data-label="in"><span>${p.in}</span></td><td data-label="value"><span>${typeLine(p.schema)}${p.description ? html` <span class="muted">— ${p.description}</span>` : ""}</span></td><td data-label="required"><span>${p.required ? "yes" : "no"}</span></td></tr>`,
  )}</tbody></table></div>`;
}

function media(type: string, m: MediaType): Html {
  const events = m["x-sse-events"];
  if (events) {
    return html`<p><code>${type}</code>: ${inlineCode(m.schema.description as string)}</p>
<ul class="schema">${Object.entries(events).map(([name, s]) => html`<li>event <code>${name}</code>, data: ${schemaHtml(s)}</li>`)}</ul>`;
  }
  if (type !== "application/json") return html`<p><code>${type}</code>: ${(m.schema.description as string | undefined) ?? "text"}</p>`;
  return html`<p><code>${type}</code>: ${typeLine(m.schema)}</p>${schemaBody(m.schema)}`;
}

function response(status: string, r: ResponseObject): Html {
  const ok = Number(status) < 300;
  // Every error carries the one ApiError body: named on the line, not drawn out each time.
  const error = !ok && r.content?.["application/json"] ? html` <span class="muted">(${typeLine(r.content["application/json"].schema)})</span>` : "";
  return html`<div class="response"><p><span class="badge ${ok ? "ok" : "fail"}">${status}</span> ${inlineCode(r.description)}${error}</p>
${Object.entries(r.content ?? {}).map(([type, m]) => (ok || type !== "application/json" ? media(type, m) : html``))}</div>`;
}

function operation({ method, path, op }: Op): Html {
  const body = op.requestBody;
  return html`<section class="card" id="op-${op.operationId}">
<h3>${methodBadge(method)} <code>${path}</code></h3>
<p>${inlineCode(op.summary)}</p>
<dl class="kv"><dt>access</dt><dd>${access(op)}</dd><dt>credentials</dt><dd>${credentials(op)}</dd><dt>operationId</dt><dd><code>${op.operationId}</code></dd></dl>
${parameters(op)}
${body ? html`<h4>Request body (${body.required ? "required" : "optional: empty means {}"})</h4>${media("application/json", body.content["application/json"])}` : ""}
<h4>Responses</h4>
${Object.entries(op.responses).map(([status, r]) => response(status, r))}
<p class="small"><a href="#operations">back to the list</a></p>
</section>`;
}

function index(ops: Op[], tags: string[]): Html {
  return html`${tags.map(
    (tag) => html`<h3>${tag}</h3>
<div class="table-wrap"><table class="cards index">
<thead><tr><th>method</th><th>path</th><th>summary</th><th>access</th></tr></thead>
<tbody>${ops
      .filter((o) => o.op.tags[0] === tag)
      .map(
        (o) =>
          html`<tr><td data-label="method">${methodBadge(o.method)}</td><td data-label="path"><a href="#op-${o.op.operationId}"><code>${o.path}</code></a></td><td data-label="summary"><span>${inlineCode(o.op.summary)}</span></td><td data-label="access"><span>${accessText(o.op)}</span></td></tr>`,
      )}</tbody></table></div>`,
  )}`;
}

function component(name: string, s: JsonSchema): Html {
  return html`<details class="card" id="${schemaAnchor(name)}"><summary><strong>${name}</strong> <span class="muted">${typeLine(s)}</span></summary>${schemaBody(s)}</details>`;
}

export function referencePage(doc: OpenApiDocument): Html {
  const ops = operations(doc);
  const tags = doc.tags.map((t) => t.name);
  const [lead, ...rest] = doc.info.description.split("\n\n");
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API reference · netdiag</title>
<link rel="stylesheet" href="/static/console.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/">netdiag</a>
  <nav class="nav" aria-label="main"><a href="/api-docs" class="active" aria-current="page">API reference</a><a href="/openapi.json">openapi.json</a></nav>
</header>
<main id="main">
<h1>${doc.info.title} <span class="muted small">version ${doc.info.version} · OpenAPI ${doc.openapi}</span></h1>
<div class="card">
<p>${inlineCode(lead ?? "")}</p>
${rest.map((para) => html`<p>${para.split("\n").map((line, i) => html`${i > 0 ? raw("<br>") : ""}${inlineCode(line)}`)}</p>`)}
<p>The same, machine-readable: <a href="/openapi.json"><code>/openapi.json</code></a> (OpenAPI ${doc.openapi}, schemas in JSON Schema 2020-12).</p>
</div>
<h2 id="operations">Operations</h2>
${index(ops, tags)}
${tags.map((tag) => html`<h2 id="tag-${tag}">${tag}</h2>${ops.filter((o) => o.op.tags[0] === tag).map(operation)}`)}
<h2 id="schemas">Schemas</h2>
<p class="muted">The named schemas the responses refer to; open one to see its fields.</p>
${Object.entries(doc.components.schemas).map(([name, s]) => component(name, s))}
</main>
</body>
</html>`;
}
