// Printing: print.html under print media shows every document's control block and status banner,
// and Chromium's PDF of it carries the handbook title, the "Uncontrolled when printed" line, the
// classification and "Page n of m" in the page margins (read back with pdftotext).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { buildSite, documents, launch, openSite } from "./support.mjs";

const site = buildSite();
let browser, page, at;
before(async () => {
  browser = await launch();
  page = await browser.page();
  at = await openSite("file", site.out);
  await page.goto(at.url("print.html"));
  await page.emulateMedia({ media: "print" });
});
after(async () => {
  await browser.close();
  await at.close();
  site.remove();
});

test("every printed document starts a page with its id, version, classification and control block", async () => {
  const docs = documents(site.out);
  const articles = page.locator("article.print-document");
  assert.equal(await articles.count(), docs.length);
  for (const { id } of docs) {
    const article = page.locator(`article[id="doc-${id}"]`);
    assert.equal(await article.evaluate((e) => getComputedStyle(e).breakBefore), "page", id);
    const kind = await article.locator(".document-kind").innerText();
    assert.ok(kind.includes(id), `${id}: ${kind}`);
  }
  // The information security policy is version 3.0, public, owned by the Security Officer.
  const policy = page.locator('article[id="doc-information-security-policy"]');
  assert.match(await policy.locator(".document-kind").innerText(), /Version 3\.0 · Public/i);
  const control = policy.locator("dl.document-control");
  assert.ok(await control.isVisible(), "the control block is printed");
  const text = await control.innerText();
  for (const expected of [/Version\s+3\.0/i, /Status\s+approved/i, /Owner\s+Security Officer/i, /Approver\s+Chief Executive/i, /Effective\s+2026-07-01/i, /Classification\s+public/i]) {
    assert.match(text, expected);
  }
});

test("draft and retired documents carry their banner on paper", async () => {
  for (const [id, banner, text] of [
    ["secure-email-guideline", ".banner-draft", /Draft|In review/],
    ["remote-access-policy", ".banner-retired", /Retired/],
  ]) {
    const shown = page.locator(`article[id="doc-${id}"] ${banner}`);
    assert.ok(await shown.isVisible(), `${id} shows ${banner} in print`);
    assert.match(await shown.innerText(), text);
  }
});

test("links between documents stay inside the page and name their target", async () => {
  const hrefs = await page.locator("article.print-document a[href]").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  const between = hrefs.filter((h) => /^[a-z0-9-]+\.html/.test(h));
  assert.deepEqual(between, [], "links to other pages of the site");
  const ref = page.locator("article.print-document a.doc-ref").first();
  const href = await ref.getAttribute("href");
  assert.match(href, /^#doc-[a-z0-9-]+$/);
  assert.equal(await page.locator(`[id="${href.slice(1)}"]`).count(), 1, "the anchor exists once");
  assert.equal(await ref.evaluate((e) => getComputedStyle(e, "::after").content), `" [${href.slice(5)}]"`);
  const ids = await page.locator("[id]").evaluateAll((els) => els.map((e) => e.id));
  assert.deepEqual(ids.filter((id, i) => ids.indexOf(id) !== i), [], "no id twice on the page");
});

test("the PDF has the title, the footer line, the classification and page n of m on its pages", async (t) => {
  if (spawnSync("pdftotext", ["-v"]).error) return t.skip("pdftotext (poppler-utils) is not installed");
  const file = path.join(site.dir, "print.pdf");
  await page.pdf({ path: file, format: "A4", preferCSSPageSize: true });
  const run = spawnSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8", maxBuffer: 64 << 20 });
  assert.equal(run.status, 0, run.stderr);
  const pages = run.stdout.split("\f").filter((p) => p.trim());
  const total = pages.length;
  assert.ok(total > documents(site.out).length, `${total} pages`);
  pages.forEach((text, i) => {
    assert.match(text, /Healthforge Hospital ISMS Handbook/, `page ${i + 1} has the title`);
    assert.match(text, /Uncontrolled when printed/, `page ${i + 1} has the footer line`);
    assert.match(text, new RegExp(`Page ${i + 1} of ${total}\\b`), `page ${i + 1} is numbered`);
  });
  assert.ok(pages.some((p) => /Uncontrolled when printed · Classification: PUBLIC/.test(p)), "a public document's pages say so");
  assert.ok(pages.some((p) => /Classification: INTERNAL/.test(p)), "an internal document's pages say so");
  fs.rmSync(file);
});

test("a single document printed from its page carries the same margins", async (t) => {
  if (spawnSync("pdftotext", ["-v"]).error) return t.skip("pdftotext (poppler-utils) is not installed");
  const other = await browser.context.newPage();
  try {
    await other.goto(at.url("access-control-policy.html"));
    const file = path.join(site.dir, "one.pdf");
    await other.pdf({ path: file, format: "A4", preferCSSPageSize: true });
    const run = spawnSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" });
    const pages = run.stdout.split("\f").filter((p) => p.trim());
    assert.ok(pages.length >= 1);
    pages.forEach((text, i) => {
      assert.match(text, /Healthforge Hospital ISMS Handbook/);
      assert.match(text, /Uncontrolled when printed · Classification: INTERNAL/, `page ${i + 1}`);
      assert.match(text, new RegExp(`Page ${i + 1} of ${pages.length}\\b`));
    });
    fs.rmSync(file);
  } finally {
    await other.close();
  }
});
