#!/usr/bin/env node
// `npm run build:agent`: bundles the agent (agent/main.ts and everything it imports, node_modules
// included) into ONE file that runs with plain `node` and nothing beside it: dist/bundle/netdiag-agent.js.
// The collector serves that file at GET /download/netdiag-agent.js (docs/agent-install.md).
//
// CommonJS on purpose: a customer saves the file as netdiag-agent.js in any folder, where Node (20 and
// older) reads a .js file without a package.json as CommonJS. In this repository package.json says
// "type": "module", so dist/bundle/ gets its own package.json saying "commonjs".
import { build } from "esbuild";
import { chmod, mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const BUNDLE_DIR = join(ROOT, "dist", "bundle");
export const BUNDLE_FILE = join(BUNDLE_DIR, "netdiag-agent.js");
/** esbuild's account of what went in (per input file and package); bench/agent-bundle.ts reads it. */
export const META_FILE = join(BUNDLE_DIR, "netdiag-agent.meta.json");

/**
 * Never bundled: optional speed-ups `ws` loads inside try/catch (bufferutil, utf-8-validate), and
 * source-map-support, which node-routeros loads only when ENV=testing. A missing one is harmless.
 * Native addons cannot be bundled at all: the agent must never import sqlite3 (checked below).
 */
const EXTERNAL = ["bufferutil", "utf-8-validate", "source-map-support"];

async function main() {
  await mkdir(BUNDLE_DIR, { recursive: true });
  const result = await build({
    entryPoints: [join(ROOT, "agent", "main.ts")],
    outfile: BUNDLE_FILE,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    // Minified for routers with little flash; names kept so a stack trace still says where.
    minify: true,
    keepNames: true,
    legalComments: "none",
    external: EXTERNAL,
    // Lets the agent know it runs as this one file (install-service copies it; agent/service/bundle.ts).
    define: { NETDIAG_AGENT_BUNDLE: "true" },
    metafile: true,
    logLevel: "warning",
  });
  const inputs = Object.keys(result.metafile.inputs);
  const native = inputs.filter((p) => /node_modules\/sqlite3\//.test(p) || p.endsWith(".node"));
  if (native.length) throw new Error(`the agent bundle must not contain native code, found: ${native.join(", ")}`);

  // The bundled packages' licences travel with the file (MIT and similar ask for their notice in copies).
  const packages = bundledPackages(inputs);
  const notices = [];
  for (const dir of packages) notices.push(await licenceNotice(join(ROOT, dir)));
  const code = await readFile(BUNDLE_FILE, "utf8");
  await writeFile(BUNDLE_FILE, `${code}\n/*\nnetdiag-agent bundles these packages:\n\n${notices.join("\n\n").replaceAll("*/", "* /")}\n*/\n`);
  await chmod(BUNDLE_FILE, 0o755);
  await writeFile(join(BUNDLE_DIR, "package.json"), JSON.stringify({ type: "commonjs" }) + "\n");
  await writeFile(META_FILE, JSON.stringify(result.metafile) + "\n");
  const bytes = (await readFile(BUNDLE_FILE)).length;
  process.stdout.write(`agent bundle: ${BUNDLE_FILE} (${(bytes / 1024).toFixed(0)} KiB, ${packages.length} packages inlined)\n`);
}

/** "node_modules/a" and "node_modules/@s/b" directories that inputs come from. */
export function bundledPackages(inputs) {
  const dirs = new Set();
  for (const p of inputs) {
    const m = /^(node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(p);
    if (m) dirs.add(m[1]);
  }
  return [...dirs].sort();
}

async function licenceNotice(dir) {
  const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8"));
  const file = (await readdir(dir)).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
  const text = file ? (await readFile(join(dir, file), "utf8")).trim() : `(no licence file; package.json says ${pkg.license ?? "nothing"})`;
  return `${pkg.name}@${pkg.version} (${pkg.license ?? "?"})\n${text}`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    process.stderr.write(`build-agent: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
