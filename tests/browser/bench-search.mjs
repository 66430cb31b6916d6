// Search figures for a built site (not part of the test run; the README's numbers come from it):
//   node tests/browser/bench-search.mjs SITE_DIR [MARKDOWN_DIR] [query ...]
// For each query, in a fresh page opened from file://: bytes of index files loaded until the first
// results are shown, time from typing to results shown, and ranking time measured in the page with
// performance.now() (cold: first query of the page; warm: the same query again).
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { launch } from "./support.mjs";

const [site, markdown, ...given] = process.argv.slice(2);
if (!site) {
  console.error("usage: node tests/browser/bench-search.mjs SITE_DIR [MARKDOWN_DIR] [query ...]");
  process.exit(2);
}
const queries = given.length ? given : ["backup", "password", "incident escalation", "A.8.30", "encrypt", "supplier access review", "head of engineering", "quarterly"];

const sizeOf = (dir, filter = () => true) => fs.readdirSync(dir, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && filter(e.name)).reduce((n, e) => n + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
const index = sizeOf(path.join(site, "search"));
const files = fs.readdirSync(path.join(site, "search")).length;
console.log(`index: ${(index / 1e6).toFixed(2)} MB in ${files} files`);
if (markdown) {
  const md = sizeOf(markdown, (n) => n.endsWith(".md"));
  console.log(`markdown: ${(md / 1e6).toFixed(2)} MB; index/markdown = ${((100 * index) / md).toFixed(1)}%`);
}
console.log(`nav.js (loaded by every page for the sidebar, not by search): ${(fs.statSync(path.join(site, "static/nav.js")).size / 1e3).toFixed(0)} kB`);

const base = pathToFileURL(site + path.sep).href;
// A document page, where staff usually are (the home page of a big handbook is a long table).
const navText = fs.readFileSync(path.join(site, "static/nav.js"), "utf8");
const start = JSON.parse(navText.slice(navText.indexOf("=") + 1).trim().replace(/;$/, ""))[0][1][0][0] + ".html";
const browser = await launch();
const page = await browser.page();
console.log("\n| query | results | index bytes loaded | files | typed → shown | search → shown | index loading | ranking, cold | ranking, warm |");
console.log("|---|---|---|---|---|---|---|---|---|");
for (const q of queries) {
  await page.goto(base + start);
  browser.log.requests.length = 0;
  const t0 = Date.now();
  await page.locator("#search-input").fill(q);
  await page.locator("#search-status", { hasText: `\u201c${q}\u201d` }).waitFor({ timeout: 60000 });
  const shown = Date.now() - t0; // includes the 60 ms typing pause before a search starts
  const loaded = browser.log.requests.filter((u) => u.startsWith(base + "search/"));
  const bytes = loaded.reduce((n, u) => n + fs.statSync(new URL(u)).size, 0);
  const { queryMs: cold, loadMs, shownMs } = await page.evaluate(() => window.PolicybookSearch.stats);
  const result = await page.evaluate(async (text) => {
    const times = [];
    let r;
    for (let i = 0; i < 5; i++) { r = await window.PolicybookSearch.query(text); times.push(r.queryMs); }
    times.sort((a, b) => a - b);
    return { count: r.docs.length, median: times[2] };
  }, q);
  console.log(`| ${q} | ${result.count} | ${(bytes / 1e3).toFixed(0)} kB | ${loaded.length} | ${shown} ms | ${shownMs.toFixed(0)} ms | ${loadMs.toFixed(0)} ms | ${cold.toFixed(1)} ms | ${result.median.toFixed(1)} ms |`);
}
if (browser.log.errors.length) console.log("\nerrors:", browser.log.errors);
await browser.close();
