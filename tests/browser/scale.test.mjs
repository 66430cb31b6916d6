// Search on a generated 1,000-document handbook (the benchmark corpus generator in ../shared/bench,
// beside the repository in CI): index size against the Markdown, bytes a first query loads, and
// ranking time measured in the page. Skipped when the generator is not there.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { REPO, buildSite, launch } from "./support.mjs";

const GENERATOR = process.env.POLICYBOOK_CORPUS_GENERATOR || path.join(REPO, "../shared/bench/gen_corpus.py");
const N = 1000;

const sizeOf = (dir, filter = () => true) => fs.readdirSync(dir, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && filter(e.name)).reduce((n, e) => n + fs.statSync(path.join(e.parentPath, e.name)).size, 0);

test(`search over ${N} generated documents`, { skip: !fs.existsSync(GENERATOR) && `no ${GENERATOR}` }, async () => {
  const corpus = fs.mkdtempSync(path.join(os.tmpdir(), "policybook-corpus-"));
  const gen = spawnSync("python3", [GENERATOR, "--n", String(N), "--out", corpus, "--layout", "ours"], { encoding: "utf8", timeout: 120000 });
  assert.equal(gen.status, 0, gen.stderr);
  const site = buildSite(corpus);
  const browser = await launch();
  try {
    const markdown = sizeOf(path.join(corpus, "content"), (n) => n.endsWith(".md"));
    const index = sizeOf(path.join(site.out, "search"));
    assert.ok(index < markdown / 4, `index ${index} bytes < a quarter of the Markdown's ${markdown}`);

    const base = pathToFileURL(site.out + path.sep).href;
    const page = await browser.page();
    for (const q of ["backup", "supplier access review", "A.8.30"]) {
      await page.goto(base + "index.html");
      browser.log.requests.length = 0;
      await page.locator("#search-input").fill(q);
      await page.locator("#search-status", { hasText: `\u201c${q}\u201d` }).waitFor();
      assert.ok((await page.locator("#search-listbox [role=option]").count()) > 0, `${q} finds documents`);
      const loaded = browser.log.requests.filter((u) => u.startsWith(base + "search/"));
      const bytes = loaded.reduce((n, u) => n + fs.statSync(new URL(u)).size, 0);
      assert.ok(bytes < 1e6, `${q}: ${bytes} bytes of index loaded`);
      const { queryMs } = await page.evaluate(() => window.PolicybookSearch.stats);
      assert.ok(queryMs < 100, `${q}: ranked in ${queryMs} ms`);
    }
    assert.deepEqual(browser.log.errors, []);
    assert.deepEqual(browser.log.requests.filter((u) => !u.startsWith(base)), []);
  } finally {
    await browser.close();
    site.remove();
    fs.rmSync(corpus, { recursive: true, force: true });
  }
});
