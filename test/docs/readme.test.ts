// Keeps README.md true: every API route, check and verdict cause in the code appears in it, so adding
// one without documenting it fails here.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { apiRoutes } from "../../collector/app.js";
import { webPages } from "../../collector/web/pages/index.js";
import { RunState } from "../../shared/api.js";
import { CHECK_IDS, STEP_SCHEMAS } from "../../shared/checks.js";
import { CAUSES } from "../../agent/verdict/causes.js";
import { ROOT } from "../helpers/cli.js";
import { configTableMarkdown } from "../../collector/config-help.js";
import { READERS } from "../../collector/routes/route-spec.js";

const readme = readFileSync(`${ROOT}/README.md`, "utf8");
/** "all roles" in README's tables: the console roles (admin, engineer, technician); integration is named where allowed. */
const isAllRoles = (access: readonly string[]) => access.length === READERS.length && READERS.every((r) => access.includes(r));
/** The lines of one "## Title" section. */
const section = (title: string) => readme.split(/^## /m).find((s) => s.startsWith(title))?.split("\n") ?? [];

describe("README.md", () => {
  test.each(apiRoutes.map((r) => [`${r.method} ${r.path}`, r.access] as const))("documents %s with its access", (route, access) => {
    // The route's own row (its first cell), not a line that only mentions it.
    const line = readme.split("\n").find((l) => l.startsWith(`| \`${route}\` |`));
    expect(line, `README has no row for ${route}`).toBeDefined();
    if (access === "public") expect(line).toMatch(/public/);
    else if (access === "metrics") expect(line).toMatch(/metrics token.*admin|admin.*metrics token/);
    else if (isAllRoles(access)) expect(line).toMatch(/all roles/);
    else for (const role of access) expect(line).toContain(role);
  });

  test.each(webPages.map((p) => [`${p.method} ${p.path}`, p.access] as const))("documents web console page %s with its access", (page, access) => {
    const line = section("Web console").find((l) => l.includes(`\`${page}\``));
    expect(line, `README's "Web console" has no row for ${page}`).toBeDefined();
    expect(access, "a page is never the metrics scrape route").not.toBe("metrics");
    if (access === "public" || access === "metrics") expect(line).toMatch(/public/);
    else if (isAllRoles(access)) expect(line).toMatch(/all roles/);
    else for (const role of access) expect(line).toContain(role);
  });

  test.each([...CHECK_IDS])("has a catalogue row for check %s", (id) => {
    expect(readme).toMatch(new RegExp(`^\\| \`${id}\` \\|`, "m"));
  });

  test.each([...CHECK_IDS])("lists every finding code of check %s in its catalogue row and docs/checks page", (id) => {
    const row = readme.split("\n").find((l) => l.startsWith(`| \`${id}\` |`)) ?? "";
    const page = readFileSync(`${ROOT}/docs/checks/${id}.md`, "utf8");
    for (const code of STEP_SCHEMAS[id].codes.options) {
      expect(row, `README catalogue row of ${id} lacks ${code}`).toMatch(new RegExp(`\\b${code}\\b`));
      expect(page, `docs/checks/${id}.md lacks ${code}`).toMatch(new RegExp(`\\b${code}\\b`));
    }
  });

  test.each(Object.entries(CAUSES))("lists cause %s under its segment", (cause, spec) => {
    const row = section("The verdict").find((l) => l.startsWith(`| \`${spec.segment}\` |`));
    expect(row, `no verdict row for segment ${spec.segment}`).toBeDefined();
    expect(row).toMatch(new RegExp(`\\b${cause}\\b`));
  });

  test.each(RunState.options)("explains run state %s", (state) => {
    expect(readme).toMatch(new RegExp(`^\\| (\`\\w+\` / )*\`${state}\`( / \`\\w+\`)* \\|`, "m"));
  });

  test("holds the collector's configuration table exactly as generated from the schema's key table", () => {
    // On failure, paste the output of configTableMarkdown() (collector/config-help.ts) into the README.
    expect(section("Operating the collector").join("\n")).toContain(configTableMarkdown());
  });

  test("says how a newcomer gets the test dependencies", () => {
    expect(section("Tests").join("\n")).toContain("scripts/install-test-deps.sh");
    expect(section("Set up, start, test").join("\n")).toContain("scripts/install-test-deps.sh");
  });

  test("names the three commands a newcomer needs", () => {
    for (const cmd of ["npm install", "npm start", "npm test"]) expect(readme).toContain(cmd);
  });
});
