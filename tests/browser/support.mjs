// Shared helpers of the browser tests: build the example handbook, serve it, drive Chromium.
// Everything started here is closed by the returned handles; servers listen on 127.0.0.1 only.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const ARTIFACTS = path.join(REPO, "tests/browser/artifacts");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
export const BINARY = process.env.POLICYBOOK_BIN || path.join(REPO, "target/debug/policybook");
// Every wait is bounded.
export const TIMEOUT = 15000;

/** Build the example handbook (book.toml + content/ of this repository) into a fresh temp folder. */
export function buildSite(root = REPO) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policybook-browser-"));
  const out = path.join(dir, "site");
  const run = spawnSync(BINARY, ["build", root, "--out", out], { encoding: "utf8", timeout: 120000 });
  if (run.status !== 0) {
    throw new Error(`policybook build failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  }
  return { dir, out, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".json": "application/json",
};

/** Serve `dir` on 127.0.0.1 at a free port. */
export async function serve(dir) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    let file = path.join(dir, decodeURIComponent(url.pathname));
    if (!file.startsWith(dir)) { res.writeHead(403).end(); return; }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
    fs.readFile(file, (err, data) => {
      if (err) { res.writeHead(404, { "content-type": "text/plain" }).end("not found"); return; }
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] || "application/octet-stream" }).end(data);
    });
  });
  await new Promise((resolve, reject) => { server.once("error", reject); server.listen(0, "127.0.0.1", resolve); });
  const { port } = server.address();
  return {
    base: `http://127.0.0.1:${port}/`,
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/**
 * Headless Debian Chromium with a fresh profile. Records every request and every console error of
 * every page in `log`. `options` go to Playwright's context (e.g. `{ javaScriptEnabled: false }`).
 */
export async function launch(viewport = { width: 1280, height: 800 }, options = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "policybook-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    ...options,
    timeout: TIMEOUT,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    ],
  });
  context.setDefaultTimeout(TIMEOUT);
  context.setDefaultNavigationTimeout(TIMEOUT);
  const log = { requests: [], errors: [] };
  const watch = (page) => {
    page.on("request", (r) => log.requests.push(r.url()));
    page.on("console", (m) => { if (m.type() === "error") log.errors.push(`${page.url()}: ${m.text()}`); });
    page.on("pageerror", (e) => log.errors.push(`${page.url()}: ${e.message}`));
    page.on("requestfailed", (r) => {
      const why = r.failure()?.errorText || "";
      // A request cut short by going to the next page (often the favicon) is not a failure.
      if (why !== "net::ERR_ABORTED") log.errors.push(`${r.url()}: request failed ${why}`);
    });
  };
  context.pages().forEach(watch);
  context.on("page", watch);
  return {
    context,
    log,
    page: async () => context.pages()[0] || context.newPage(),
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The two ways a handbook is opened: from a folder, and from a web server. */
export const MODES = ["file", "http"];

/** Open the site in `mode`; returns {url(rel), inside(url) (true for URLs of the site), close}. */
export async function openSite(mode, out) {
  if (mode === "file") {
    const base = pathToFileURL(out + path.sep).href;
    return { base, url: (rel = "index.html") => base + rel, inside: (u) => u.startsWith(base) || u.startsWith("data:"), close: async () => {} };
  }
  const server = await serve(out);
  return {
    base: server.base,
    url: (rel = "index.html") => server.base + rel,
    inside: (u) => u.startsWith(server.origin + "/") || u.startsWith("data:"),
    close: server.close,
  };
}

/** Documents of the built site, in navigation order, from its shared nav.js. */
export function documents(out) {
  const text = fs.readFileSync(path.join(out, "static/nav.js"), "utf8");
  const nav = JSON.parse(text.slice(text.indexOf("=") + 1).trim().replace(/;$/, ""));
  return nav.flatMap(([, docs]) => docs.map(([id, title]) => ({ id, title })));
}

/** Run axe-core in the page; returns violations of impact serious or critical. */
export async function axe(page) {
  const source = fs.readFileSync(path.join(REPO, "node_modules/axe-core/axe.min.js"), "utf8");
  // Evaluated through the DevTools protocol, so the page's Content-Security-Policy does not apply.
  await page.evaluate(source);
  // preload: false, or axe fetches the stylesheets itself, which the site's CSP rightly blocks.
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"], preload: false }));
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.slice(0, 5).map((n) => n.target.join(" ")).join("\n  ")}`);
}
