// Texts of the web console's frame, sign-in, admin and field-technician pages.
import type { Locale } from "./locales.js";

export const CONSOLE_TEXTS = {
  "console.title": { en: "netdiag support console", "zh-CN": "netdiag 技术支持控制台" },
  "console.skip": { en: "Skip to content", "zh-CN": "跳到正文" },

  // frame: navigation, who is signed in, language
  "nav.tickets": { en: "Tickets", "zh-CN": "工单" },
  "nav.devices": { en: "Devices", "zh-CN": "设备" },
  "nav.admin": { en: "Admin", "zh-CN": "管理" },
  "nav.signedInAs": { en: "Signed in as {name} ({role})", "zh-CN": "当前用户：{name}（{role}）" },
  "nav.signOut": { en: "Sign out", "zh-CN": "退出" },
  "nav.language": { en: "Language", "zh-CN": "语言" },
  "role.admin": { en: "admin", "zh-CN": "管理员" },
  "role.engineer": { en: "engineer", "zh-CN": "工程师" },
  "role.technician": { en: "field technician", "zh-CN": "现场技术员" },

  // errors
  "error.forbiddenTitle": { en: "Not allowed", "zh-CN": "无权访问" },
  "error.forbidden": { en: "Your role ({role}) may not open this page or do this. The attempt was recorded.", "zh-CN": "您的角色（{role}）无权打开此页面或执行此操作。此次尝试已记录。" },
  "error.csrfTitle": { en: "Form refused", "zh-CN": "表单被拒绝" },
  "error.csrf": { en: "This form did not come from this console (or it is too old). Nothing was changed. Reload the page and try again.", "zh-CN": "此表单不是来自本控制台（或已过期），未做任何更改。请刷新页面后重试。" },
  "error.notFoundTitle": { en: "Not found", "zh-CN": "未找到" },
  "error.notFound": { en: "There is nothing at this address.", "zh-CN": "此地址没有内容。" },
  "error.badInputTitle": { en: "Please check the form", "zh-CN": "请检查表单" },
  "error.back": { en: "Back", "zh-CN": "返回" },
  "error.tooLarge": { en: "The form is too large.", "zh-CN": "表单内容过大。" },

  // time and deadlines (layout helpers the desk pages use too)
  "time.dh": { en: "{d} d {h} h", "zh-CN": "{d} 天 {h} 小时" },
  "time.hm": { en: "{h} h {m} min", "zh-CN": "{h} 小时 {m} 分钟" },
  "time.m": { en: "{m} min", "zh-CN": "{m} 分钟" },
  "time.ago": { en: "{t} ago", "zh-CN": "{t}前" },
  "deadline.left": { en: "{t} left", "zh-CN": "剩余 {t}" },
  "deadline.overdue": { en: "overdue by {t}", "zh-CN": "已超时 {t}" },
  "deadline.met": { en: "met", "zh-CN": "已达成" },
  "deadline.metLate": { en: "met {t} late", "zh-CN": "已达成（超时 {t}）" },
  "ticketStatus.new": { en: "new", "zh-CN": "新建" },
  "ticketStatus.diagnosing": { en: "diagnosing", "zh-CN": "诊断中" },
  "ticketStatus.waiting_customer": { en: "waiting for customer", "zh-CN": "等待客户" },
  "ticketStatus.escalated": { en: "escalated", "zh-CN": "已升级" },
  "ticketStatus.resolved": { en: "resolved", "zh-CN": "已解决" },
  "ticketStatus.closed": { en: "closed", "zh-CN": "已关闭" },

  // sign-in
  "login.title": { en: "Sign in", "zh-CN": "登录" },
  "login.intro": { en: "Sign in with your username and password, or with an API token from your administrator.", "zh-CN": "请使用用户名和密码登录，或使用管理员提供的 API 令牌登录。" },
  "login.password": { en: "Username and password", "zh-CN": "用户名和密码" },
  "login.token": { en: "API token", "zh-CN": "API 令牌" },
  "login.username": { en: "Username", "zh-CN": "用户名" },
  "login.passwordField": { en: "Password", "zh-CN": "密码" },
  "login.tokenField": { en: "Token (starts with ndt_)", "zh-CN": "令牌（以 ndt_ 开头）" },
  "login.submit": { en: "Sign in", "zh-CN": "登录" },
  "login.failed": { en: "Sign-in failed: wrong username or password.", "zh-CN": "登录失败：用户名或密码错误。" },
  "login.tokenFailed": { en: "Sign-in failed: the token is not valid (unknown, expired or revoked).", "zh-CN": "登录失败：令牌无效（未知、已过期或已撤销）。" },
  "login.limited": { en: "Too many failed sign-ins. Try again in {s} s.", "zh-CN": "登录失败次数过多，请在 {s} 秒后重试。" },
  "login.signedOut": { en: "You are signed out.", "zh-CN": "您已退出登录。" },
  "login.expired": { en: "Your session ended. Please sign in again.", "zh-CN": "您的会话已结束，请重新登录。" },
  "login.firstTime": { en: "First time? Sign in with the admin token that `npm start` printed, then create users under Admin.", "zh-CN": "首次使用？请用 `npm start` 输出的管理员令牌登录，然后在“管理”中创建用户。" },
} as const satisfies Record<string, Record<Locale, string>>;
