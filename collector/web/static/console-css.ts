// The console's one stylesheet. Mobile first: everything fits a 390 px phone without sideways
// scrolling (tables scroll inside their own box, SVGs scale to their container); wider screens get
// more room. Colours: green ok, amber warning, red fault, with text labels too (never colour alone).
export const CONSOLE_CSS = `
:root {
  --fg: #1d2430; --muted: #5b6678; --bg: #f5f7fa; --card: #fff; --line: #d8dee8; --accent: #1f5fbf;
  --ok: #1b7f3a; --ok-bg: #e3f4e8; --warn: #8a5a00; --warn-bg: #fff1d1; --fail: #b3261e; --fail-bg: #fde4e1;
  --info: #1f5fbf; --info-bg: #e3ecfb;
  font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif;
  font-size: 16px; line-height: 1.45; color: var(--fg); background: var(--bg);
}
* { box-sizing: border-box; }
/* break-word (not anywhere): a long id may wrap, but table columns are not squeezed to one letter */
body { margin: 0; overflow-wrap: break-word; }
a { color: var(--accent); }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; z-index: 10; }
header.top {
  display: flex; flex-wrap: wrap; align-items: center; gap: 6px 16px; padding: 8px 16px;
  background: #16325c; color: #fff;
}
header.top a { color: #fff; text-decoration: none; }
.brand { font-weight: 700; font-size: 1.1rem; letter-spacing: .02em; }
.nav { display: flex; flex-wrap: wrap; gap: 4px; }
.nav a { padding: 4px 10px; border-radius: 4px; }
.nav a.active, .nav a:hover { background: rgba(255,255,255,.18); }
.top-right { margin-left: auto; display: flex; flex-wrap: wrap; align-items: center; gap: 4px 12px; font-size: .9rem; }
.who { opacity: .9; }
.lang a { padding: 0 4px; }
.lang a.active { font-weight: 700; text-decoration: underline; }
form.inline { display: inline; margin: 0; }
.link-button { background: none; border: 1px solid rgba(255,255,255,.6); color: #fff; border-radius: 4px; padding: 2px 10px; font: inherit; cursor: pointer; }
main { max-width: 1100px; margin: 0 auto; padding: 12px 16px 40px; }
h1 { font-size: 1.45rem; margin: 8px 0 12px; }
h2 { font-size: 1.15rem; margin: 20px 0 8px; }
h3 { font-size: 1rem; margin: 14px 0 6px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin: 0 0 12px; min-width: 0; }
.card > :first-child { margin-top: 0; }
.card > :last-child { margin-bottom: 0; }
.grid { display: grid; gap: 12px; grid-template-columns: 1fr; }
@media (min-width: 760px) { .grid.two { grid-template-columns: 1fr 1fr; } .grid.three { grid-template-columns: 1fr 1fr 1fr; } }
.muted { color: var(--muted); }
.small { font-size: .875rem; }
.notice { padding: 10px 12px; border-radius: 6px; background: var(--info-bg); border: 1px solid #b9cdf2; }
.notice.error { background: var(--fail-bg); border-color: #f1b3ad; color: var(--fail); }
.notice.ok { background: var(--ok-bg); border-color: #a9d8b6; color: var(--ok); }
.notice.warn { background: var(--warn-bg); border-color: #eed39a; color: var(--warn); }
.secret { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; background: #fff; border: 1px dashed var(--fail); padding: 8px; display: block; user-select: all; word-break: break-all; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: .9em; }

/* tables: scroll inside their box on a phone, never the page */
.table-wrap { width: 100%; overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; background: var(--card); font-size: .925rem; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef2f7; font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td .badge { white-space: normal; }
tr.revoked td, tr.disabled td { color: var(--muted); }

/* key/value lists */
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; margin: 0; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; min-width: 0; }

/* badges and deadlines */
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: .8rem; font-weight: 600; border: 1px solid transparent; white-space: nowrap; }
.badge.ok { background: var(--ok-bg); color: var(--ok); border-color: #a9d8b6; }
.badge.warn { background: var(--warn-bg); color: var(--warn); border-color: #eed39a; }
.badge.fail { background: var(--fail-bg); color: var(--fail); border-color: #f1b3ad; }
.badge.info { background: var(--info-bg); color: var(--info); border-color: #b9cdf2; }
.badge.muted { background: #eceff3; color: var(--muted); border-color: var(--line); }
.badge.status-new { background: var(--info-bg); color: var(--info); }
.badge.status-diagnosing { background: #efe6fb; color: #5b2a9b; }
.badge.status-waiting_customer { background: var(--warn-bg); color: var(--warn); }
.badge.status-escalated { background: var(--fail-bg); color: var(--fail); }
.badge.status-resolved { background: var(--ok-bg); color: var(--ok); }
.badge.status-closed { background: #eceff3; color: var(--muted); }
.deadline { font-weight: 600; white-space: nowrap; }
.deadline.ok, .deadline.met { color: var(--ok); }
.deadline.soon, .deadline.late { color: var(--warn); }
.deadline.overdue { color: var(--fail); }

/* forms */
form.stack { display: grid; gap: 10px; max-width: 420px; }
form.row { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; }
label { display: grid; gap: 2px; font-size: .9rem; color: var(--muted); }
input[type=text], input[type=password], input[type=number], input[type=datetime-local], select, textarea {
  font: inherit; color: var(--fg); padding: 7px 9px; border: 1px solid #b8c2d1; border-radius: 6px; background: #fff; width: 100%; min-width: 0;
}
form.row label { flex: 1 1 140px; }
button, .button {
  font: inherit; padding: 7px 14px; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block;
}
button.secondary { background: #fff; color: var(--accent); }
button.danger { background: #fff; color: var(--fail); border-color: var(--fail); }
td form { display: inline-flex; gap: 6px; flex-wrap: wrap; margin: 0; }
td form input { width: auto; max-width: 180px; }

/* sign-in: two panels side by side on a desktop, stacked on a phone */
.login { display: grid; gap: 16px; grid-template-columns: 1fr; max-width: 860px; }
@media (min-width: 760px) { .login { grid-template-columns: 1fr 1fr; } }
.tabs { display: flex; flex-wrap: wrap; gap: 4px; margin: 0 0 12px; }
.tabs a { padding: 6px 12px; border: 1px solid var(--line); border-radius: 6px 6px 0 0; background: #fff; text-decoration: none; }
.tabs a.active { border-bottom-color: #fff; font-weight: 600; }

/* devices */
.device-list { list-style: none; padding: 0; margin: 0; display: grid; gap: 8px; }
.device-list li a { display: block; text-decoration: none; color: inherit; }
.device-list .name { font-weight: 600; color: var(--accent); }
.figure { width: 100%; height: auto; display: block; max-width: 460px; margin: 6px 0; }
.legend { font-size: .85rem; color: var(--muted); }
.changes li { margin: 2px 0; }
.ifaces { list-style: none; padding: 0; margin: 0 0 10px; display: grid; gap: 8px; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); }
.ifaces li { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
.ifaces .addr { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: .85rem; word-break: break-all; }
.verdict-line { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.subnav { display: flex; flex-wrap: wrap; gap: 6px; margin: 0 0 12px; }
.subnav a { padding: 4px 10px; border-radius: 4px; border: 1px solid var(--line); background: #fff; text-decoration: none; }
.subnav a.active { background: var(--accent); color: #fff; border-color: var(--accent); }

/* SVG pictures (colours by class: the CSP allows no inline style) */
/* sizes in viewBox units: the 360-unit picture is ~340 px wide on a phone, so 14 reads as ~13 px */
.svg-text { font-size: 14px; fill: var(--fg); }
.svg-value { font-size: 13px; fill: var(--fg); font-variant-numeric: tabular-nums; }
.svg-small { font-size: 11.5px; fill: var(--muted); }
.svg-bold { font-weight: 700; }
.svg-track { fill: #e9edf3; }
.svg-zone { fill: #f8d3ce; }
.svg-ok { fill: #5fb37a; }
.svg-warn { fill: #e0a526; }
.svg-fail { fill: #d9534a; }
.svg-none { fill: #9aa5b5; }
.svg-threshold { stroke: #7a1f18; stroke-width: 1.2; stroke-dasharray: 3 2; }
figure { margin: 0; }

/* tables of records (class "cards") become one card per row on a phone, each cell with its label */
@media (max-width: 640px) {
  table.cards thead { display: none; }
  table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; width: 100%; }
  table.cards { background: none; }
  table.cards tr { background: var(--card); border: 1px solid var(--line); border-radius: 6px; margin: 0 0 8px; padding: 4px 0; }
  table.cards td { border: none; padding: 3px 10px; display: grid; grid-template-columns: 6.5em minmax(0, 1fr); gap: 8px; justify-items: start; }
  table.cards td::before { content: attr(data-label); color: var(--muted); font-size: .85rem; font-family: system-ui, sans-serif; }
  table.cards td.actions { display: block; }
  table.cards td.actions:empty, table.cards td:not(.actions):empty { display: none; }
  table.cards td.actions form { display: flex; margin: 4px 0; }
  table.cards td.actions input { max-width: none; flex: 1 1 auto; }
}

@media (max-width: 480px) {
  main { padding: 10px 10px 32px; }
  header.top { padding: 8px 10px; }
  .top-right { margin-left: 0; width: 100%; justify-content: space-between; }
  th, td { padding: 5px 6px; }
  dl.kv { grid-template-columns: 1fr; gap: 0 0; }
  dl.kv dt { margin-top: 6px; }
}
`;
