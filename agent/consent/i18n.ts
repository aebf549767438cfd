// Every text shown to the customer, in one table with both languages side by side (DOMAIN.md §1: often
// Chinese-speaking customers). test/agent/consent/i18n.test.ts checks that every key has both.
import { escapeControls } from "../../shared/terminal-text.js";

export const LOCALES = ["en", "zh-CN"] as const;
export type Locale = (typeof LOCALES)[number];

const TEXTS = {
  "prompt.title": { en: "A support engineer asks to run a network diagnosis on this computer.", "zh-CN": "技术支持工程师请求在本电脑上运行网络诊断。" },
  "prompt.changeTitle": { en: "A support engineer asks to CHANGE something on this computer or network device.", "zh-CN": "技术支持工程师请求对本电脑或网络设备进行更改。" },
  "prompt.requestedBy": { en: "Requested by", "zh-CN": "请求人" },
  "prompt.ticket": { en: "Ticket", "zh-CN": "工单" },
  "prompt.checks": { en: "What will run", "zh-CN": "将要运行" },
  "prompt.duration": { en: "Authorization valid for", "zh-CN": "授权有效期" },
  "prompt.once": { en: "this one time only", "zh-CN": "仅限本次" },
  "prompt.changeWarning": { en: "This may interrupt your connection for a moment. It is approved for this one time only.", "zh-CN": "此操作可能会短暂中断您的网络连接，且仅对本次有效。" },
  "prompt.deadline": { en: "No answer within {time} counts as no.", "zh-CN": "{time}内未回答将视为拒绝。" },
  "prompt.question": { en: "Allow? [y/N] ", "zh-CN": "是否允许？[y/N] " },
  "prompt.approved": { en: "Approved.", "zh-CN": "已允许。" },
  "prompt.refused": { en: "Refused. Nothing was run.", "zh-CN": "已拒绝，未运行任何检查。" },
  "prompt.timedOut": { en: "No answer in time: refused. Nothing was run.", "zh-CN": "未在规定时间内回答：已拒绝，未运行任何检查。" },
  "prompt.answeredElsewhere": { en: "This request was answered elsewhere.", "zh-CN": "此请求已在别处处理。" },
  "check.host": { en: "host: this computer's network interfaces, addresses and routes", "zh-CN": "host：本电脑的网卡、IP 地址和路由" },
  "check.gateway": { en: "gateway: whether your home router answers", "zh-CN": "gateway：家庭路由器是否有响应" },
  "check.dhcp": { en: "dhcp: your current address lease and which DHCP servers answer (nothing is changed)", "zh-CN": "dhcp：当前地址租约及响应的 DHCP 服务器（不做任何更改）" },
  "check.dns": { en: "dns: whether internet names can be looked up", "zh-CN": "dns：能否解析网址域名" },
  "check.ping": { en: "ping: whether chosen addresses answer, and how fast", "zh-CN": "ping：指定地址是否响应及响应速度" },
  "check.path": { en: "path: the route to the internet, hop by hop", "zh-CN": "path：到互联网的逐跳路径" },
  "check.service": { en: "service: whether the website or service you named can be reached", "zh-CN": "service：您提到的网站或服务能否访问" },
  "check.snmp": { en: "snmp: status of your modem/router read over SNMP (read-only)", "zh-CN": "snmp：通过 SNMP 读取调制解调器/路由器状态（只读）" },
  "check.routeros": { en: "routeros: status of your MikroTik router (read-only)", "zh-CN": "routeros：读取 MikroTik 路由器状态（只读）" },
  "check.other": { en: "{id}: an action without a description", "zh-CN": "{id}：无说明的操作" },
  "grant.created": { en: "Authorized ticket {ticket} for {checks} until {until} (grant {id}).", "zh-CN": "已授权工单 {ticket} 运行 {checks}，有效期至 {until}（授权编号 {id}）。" },
  "authorize.badTicket": {
    en: "'{ticket}' is not a ticket id: ticket ids are tk_ followed by 12 letters, digits, - or _ (like {example}). Please check it with your engineer.",
    "zh-CN": "'{ticket}' 不是工单编号：工单编号是 tk_ 后跟 12 个字母、数字、- 或 _（例如 {example}）。请与您的工程师核对。",
  },
  "authorize.unknownTicket": {
    en: "Warning: {ticket} is not a ticket this computer knows (it was enrolled for or authorized: {known}). If your engineer gave you this id, all is well; if it is a typo, end it with: netdiag-agent revoke --ticket {ticket}",
    "zh-CN": "注意：工单 {ticket} 对本电脑是陌生的（本电脑登记或授权过的工单：{known}）。如果这是工程师告诉您的编号，则无需处理；如果输入有误，请用以下命令撤销：netdiag-agent revoke --ticket {ticket}",
  },
  "grant.revoked": { en: "Revoked {n} grant(s). Running diagnoses under them are stopped.", "zh-CN": "已撤销 {n} 项授权，相关正在运行的诊断已停止。" },
  "grant.noneRevoked": { en: "No matching active grant; nothing revoked.", "zh-CN": "没有匹配的有效授权，未撤销任何授权。" },
  "grants.none": { en: "No grants.", "zh-CN": "没有任何授权。" },
  "grants.header": { en: "ID | ticket | checks | until | status | given by", "zh-CN": "编号 | 工单 | 检查项目 | 有效期至 | 状态 | 授权方式" },
  "status.active": { en: "active", "zh-CN": "有效" },
  "status.pending": { en: "not yet valid", "zh-CN": "尚未生效" },
  "status.expired": { en: "expired", "zh-CN": "已过期" },
  "status.revoked": { en: "revoked", "zh-CN": "已撤销" },
  "by.customer": { en: "you (authorize)", "zh-CN": "您（预先授权）" },
  "by.approved-request": { en: "you (approved a request)", "zh-CN": "您（批准请求）" },
  "pending.none": { en: "No requests are waiting for your answer.", "zh-CN": "没有等待您答复的请求。" },
  "pending.item": { en: "{id}  ticket {ticket}  from {by}  checks {checks}  for {duration}  (answer within {left})", "zh-CN": "{id}  工单 {ticket}  请求人 {by}  检查 {checks}  时长 {duration}  （请在 {left} 内答复）" },
  "pending.hint": { en: "Answer with: netdiag-agent approve ID   or   netdiag-agent refuse ID", "zh-CN": "答复方式：netdiag-agent approve 编号   或   netdiag-agent refuse 编号" },
  "pending.page": { en: "Or open this page in a browser on this computer: {url}", "zh-CN": "或在本电脑的浏览器中打开：{url}" },
  "channel.down": { en: "The agent is not running (start it with: netdiag-agent run).", "zh-CN": "代理程序未运行（请用 netdiag-agent run 启动）。" },
  "answer.approved": { en: "Approved request {id}.", "zh-CN": "已批准请求 {id}。" },
  "answer.refused": { en: "Refused request {id}.", "zh-CN": "已拒绝请求 {id}。" },
  "answer.unknown": { en: "No waiting request {id} (already answered or timed out).", "zh-CN": "没有待处理的请求 {id}（可能已答复或已超时）。" },
  "link.connecting": { en: "Connecting to your ISP's support ({url})...", "zh-CN": "正在连接您的运营商技术支持（{url}）……" },
  "link.connected": { en: "Connected to your ISP's support; waiting for your engineer. Keep this window open (Ctrl+C stops).", "zh-CN": "已连接到您的运营商技术支持，正在等待工程师。请保持此窗口打开（按 Ctrl+C 停止）。" },
  "link.lost": { en: "Connection to your ISP's support lost; reconnecting...", "zh-CN": "与运营商技术支持的连接已断开，正在重新连接……" },
  "link.refused": { en: "Your ISP's support no longer accepts this computer (code {code}). Please call your engineer.", "zh-CN": "运营商技术支持已不再接受本电脑的连接（代码 {code}）。请联系您的工程师。" },
  "link.logFile": { en: "Technical details are logged to {path}", "zh-CN": "技术日志保存在 {path}" },
  "page.title": { en: "netdiag: requests waiting for your answer", "zh-CN": "netdiag：等待您答复的请求" },
  "page.approve": { en: "Allow", "zh-CN": "允许" },
  "page.refuse": { en: "Refuse", "zh-CN": "拒绝" },
} as const satisfies Record<string, Record<Locale, string>>;

export type TextKey = keyof typeof TEXTS;
export const TEXT_TABLE: Readonly<Record<TextKey, Readonly<Record<Locale, string>>>> = TEXTS;

/**
 * The text for `key` in `locale`, with {name} placeholders filled from `vars`. Values (an engineer's
 * name, a ticket id from the collector) are escaped: the texts go to the customer's terminal.
 */
export function t(locale: Locale, key: TextKey, vars: Record<string, string | number> = {}): string {
  return TEXTS[key][locale].replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? escapeControls(String(vars[name])) : m));
}

/** One-line plain-language description of a check or action id. */
export function describeCheck(locale: Locale, id: string): string {
  const key = `check.${id}`;
  return key in TEXTS && key !== "check.other" ? t(locale, key as TextKey) : t(locale, "check.other", { id });
}

/** --lang flag, then config.locale, then LC_ALL / LC_MESSAGES / LANG (zh* → zh-CN), else English. */
export function pickLocale(o: { flag?: string | undefined; config?: Locale | undefined; env?: NodeJS.ProcessEnv }): Locale {
  if (o.flag !== undefined) {
    const f = fromTag(o.flag);
    if (!f) throw new RangeError(`unknown language '${o.flag}' (known: ${LOCALES.join(", ")})`);
    return f;
  }
  if (o.config) return o.config;
  const env = o.env ?? {};
  const tag = env.LC_ALL || env.LC_MESSAGES || env.LANG || "";
  return fromTag(tag) ?? "en";
}

function fromTag(tag: string): Locale | undefined {
  const l = tag.toLowerCase();
  if (l.startsWith("zh")) return "zh-CN";
  if (l.startsWith("en") || l === "c" || l.startsWith("c.") || l === "posix") return "en";
  return undefined;
}
