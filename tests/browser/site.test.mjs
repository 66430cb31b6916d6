// The example handbook in headless Chromium, opened from a folder (file://) and from a local web
// server (http://127.0.0.1): search, links, diagrams, theme, print, accessibility. After every test:
// no request left the site and nothing was logged as an error.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { after, afterEach, before, describe, test } from "node:test";
import { MODES, REPO, axe, buildSite, documents, launch, openSite } from "./support.mjs";

const PROCEDURE = "incident-management-procedure"; // has diagrams
const BODY_WORD = "eradicate"; // only in that procedure's body, not in any title
const POLICY = "supplier-security-policy"; // referenced by the procedure with [supplier-security-policy]
const DRAFT = "medical-device-security-standard"; // status: draft
const IN_REVIEW = "secure-email-guideline"; // status: in-review
const RETIRED = "remote-access-policy"; // status: retired, superseded by remote-working-policy

const site = buildSite();
after(() => site.remove());

for (const mode of MODES) {
  describe(`opened via ${mode}`, () => {
    let browser, page, at;
    before(async () => {
      browser = await launch();
      page = await browser.page();
      at = await openSite(mode, site.out);
    });
    after(async () => {
      await browser.close();
      await at.close();
    });
    afterEach(() => {
      const outside = browser.log.requests.filter((u) => !at.inside(u));
      const errors = browser.log.errors.splice(0);
      browser.log.requests.length = 0;
      assert.deepEqual(outside, [], "requests outside the site");
      assert.deepEqual(errors, [], "console errors");
    });

    async function search(text) {
      await page.locator("#search-input").fill("");
      await page.evaluate(() => document.activeElement.blur());
      await page.keyboard.press("/");
      assert.equal(await page.evaluate(() => document.activeElement.id), "search-input", "/ focuses the search box");
      await page.keyboard.type(text);
      // The status names the query once its results are shown.
      await page.locator("#search-status", { hasText: `\u201c${text}\u201d` }).waitFor();
    }

    test("search finds a word from a procedure's body; Enter opens it", async () => {
      await page.goto(at.url("index.html"));
      await search(BODY_WORD);
      const first = page.locator("#search-listbox [role=option]").first();
      assert.match(await first.getAttribute("href"), new RegExp(`^${PROCEDURE}\\.html`));
      assert.equal(await first.getAttribute("aria-selected"), "true");
      assert.match(await page.locator("#search-status").textContent(), /1 document matches/);
      await page.keyboard.press("Enter");
      await page.waitForURL(new RegExp(`/${PROCEDURE}\\.html`));
      assert.equal(await page.locator("body").getAttribute("data-page-id"), PROCEDURE);
    });

    test("search: prefixes, ranking, highlighted snippets, arrows and Escape", async () => {
      await page.goto(at.url(`${POLICY}.html`));
      await search("passw");
      const options = page.locator("#search-listbox [role=option]");
      assert.ok((await options.count()) > 1, "a prefix matches several documents");
      // Title matches come first: the password standard has the word in its title.
      assert.match(await options.first().locator(".search-result-title").textContent(), /password/i);
      assert.match(await options.first().locator(".search-result-title mark").first().textContent(), /^passw/i);
      assert.ok((await page.locator("#search-listbox .search-result-snippet mark").count()) > 0, "snippets are highlighted");
      await page.keyboard.press("ArrowDown");
      assert.equal(await options.nth(1).getAttribute("aria-selected"), "true");
      assert.equal(await page.locator("#search-input").getAttribute("aria-activedescendant"), await options.nth(1).getAttribute("id"));
      await page.keyboard.press("ArrowUp");
      assert.equal(await options.nth(0).getAttribute("aria-selected"), "true");
      await page.keyboard.press("Escape");
      assert.equal(await page.locator("#search-results").isVisible(), false, "Escape closes the results");
      assert.equal(await page.locator("#search-input").getAttribute("aria-expanded"), "false");
      // Owners and control ids are searchable.
      await search("A.5.24");
      assert.match(await page.locator("#search-listbox").textContent(), /incident/i);
      await search("privacy officer");
      assert.match(await page.locator("#search-listbox").textContent(), /owner: Privacy Officer/);
      // Ten at a time; "Show more" adds the next ones and keeps the keyboard in the list.
      await search("security");
      const before = await options.count();
      assert.equal(before, 10);
      await page.locator("#search-more").click();
      await page.waitForFunction((n) => document.querySelectorAll("#search-listbox [role=option]").length > n, before);
      assert.equal(await options.nth(before).getAttribute("aria-selected"), "true");
      assert.equal(await page.evaluate(() => document.activeElement.id), "search-input");
      await search(BODY_WORD);
      await page.keyboard.press("Tab");
      assert.equal(await page.locator("#search-results").isVisible(), false, "tabbing away closes the results");
      await search("zzzxqv");
      assert.match(await page.locator("#search-status").textContent(), /No document matches/);
      assert.equal(await page.locator("#search-listbox").isVisible(), false);
    });

    test("search from a page in a sub-folder opens pages at the site root", async (t) => {
      const nested = fs.readdirSync(site.out, { recursive: true })
        .filter((f) => f.endsWith(".html") && f.includes(path.sep) && !f.startsWith("files")).sort()[0];
      if (!nested) return t.skip("the site has no pages in sub-folders");
      await page.goto(at.url(nested.split(path.sep).join("/")));
      await search(BODY_WORD);
      await page.keyboard.press("Enter");
      await page.waitForURL(new RegExp(`/${PROCEDURE}\\.html`));
      assert.equal(page.url().replace(/#.*/, ""), at.url(`${PROCEDURE}.html`));
    });

    test("a [ref] link and a backlink navigate to the right pages", async () => {
      await page.goto(at.url(`${PROCEDURE}.html`));
      await page.locator(`.document-body a.doc-ref[href="${POLICY}.html"]`).first().click();
      await page.waitForURL(new RegExp(`/${POLICY}\\.html$`));
      assert.equal(await page.locator("body").getAttribute("data-page-id"), POLICY);
      await page.locator(`.links-in a[href="${PROCEDURE}.html"]`).click();
      await page.waitForURL(new RegExp(`/${PROCEDURE}\\.html$`));
      assert.equal(await page.locator("body").getAttribute("data-page-id"), PROCEDURE);
    });

    test("a diagram is visible", async () => {
      await page.goto(at.url(`${PROCEDURE}.html`));
      const figure = page.locator("figure.diagram").first();
      await figure.scrollIntoViewIfNeeded();
      assert.ok(await figure.isVisible(), "figure.diagram is visible");
      const box = await figure.boundingBox();
      assert.ok(box.width > 0 && box.height > 0, `diagram has a size: ${JSON.stringify(box)}`);
      // Drawn diagrams are inline SVG with their labels as text; before that they are placeholders.
      if ((await page.locator("figure.diagram svg").count()) > 0) {
        const svg = page.locator("figure.diagram svg").first();
        const svgBox = await svg.boundingBox();
        assert.ok(svgBox.width > 0 && svgBox.height > 0, "the SVG has a size");
        assert.match(await svg.textContent(), /Triage/, "the diagram's labels are text");
      }
    });

    test("navigation: sidebar with the current page, contents, breadcrumbs, previous/next, edit link", async () => {
      await page.goto(at.url(`${PROCEDURE}.html`));
      const current = page.locator("#sidebar-documents [aria-current=page]");
      assert.equal(await current.count(), 1);
      assert.equal(await current.getAttribute("href"), `${PROCEDURE}.html`);
      assert.ok((await page.locator("#sidebar-documents h2").count()) >= 4, "grouped by type");
      const toc = page.locator("nav.toc a").first();
      const target = (await toc.getAttribute("href")).slice(1);
      await toc.click();
      assert.ok(page.url().endsWith(`#${target}`));
      assert.equal(await page.locator(`[id="${target}"]`).count(), 1);
      assert.equal(await page.locator("nav.breadcrumbs li").count(), 3);
      const next = page.locator("nav.prev-next a[rel=next]");
      const nextHref = await next.getAttribute("href");
      await next.click();
      await page.waitForURL((u) => u.pathname.endsWith(`/${nextHref}`));
      await page.locator("nav.prev-next a[rel=prev]").click();
      await page.waitForURL(new RegExp(`/${PROCEDURE}\\.html$`));
    });

    test("status: drafts, documents in review and retired ones are marked in the sidebar and in search results; retired ones rank last", async () => {
      await page.goto(at.url(`${POLICY}.html`));
      const marker = (id) => page.locator(`#sidebar-documents a[href="${id}.html"] .nav-status`);
      assert.equal(await marker(DRAFT).textContent(), "draft");
      assert.equal(await marker(IN_REVIEW).textContent(), "in review");
      assert.equal(await marker(RETIRED).textContent(), "retired");
      assert.equal(await marker(POLICY).count(), 0, "an approved document carries no marker");
      assert.match(await page.locator(`#sidebar-documents a[href="${DRAFT}.html"]`).textContent(), /draft$/, "the marker is part of the link's text");

      // "remote access vpn": the retired policy has two of the words in its title, yet its successor and
      // every other current document come first.
      await search("remote access vpn");
      const options = page.locator("#search-listbox [role=option]");
      const hrefs = await options.evaluateAll((els) => els.map((e) => e.getAttribute("href").replace(/[.#].*/, "")));
      assert.ok(hrefs.includes(RETIRED), `the retired policy is found: ${hrefs}`);
      assert.equal(hrefs[hrefs.length - 1], RETIRED, `retired last: ${hrefs}`);
      assert.ok(hrefs.indexOf("remote-working-policy") < hrefs.indexOf(RETIRED));
      const retired = options.filter({ has: page.locator(".search-result-meta .status-retired") });
      assert.equal(await retired.count(), 1);
      assert.match(await retired.getAttribute("href"), new RegExp(`^${RETIRED}\\.html`));
      assert.equal(await retired.locator(".search-result-meta .status").textContent(), "retired");
      await search("medical device");
      const draft = page.locator(`#search-listbox [role=option][href^="${DRAFT}.html"]`);
      assert.equal(await draft.locator(".search-result-meta .status").textContent(), "draft");
    });

    test("the dark theme persists across pages", async () => {
      await page.goto(at.url("index.html"));
      const theme = () => page.evaluate(() => document.documentElement.dataset.theme || "");
      const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const light = await background();
      await page.locator(".theme-toggle").click();
      assert.equal(await theme(), "dark");
      assert.equal(await page.locator(".theme-toggle").getAttribute("aria-pressed"), "true");
      await page.goto(at.url(`${POLICY}.html`));
      assert.equal(await theme(), "dark", "the choice is remembered");
      assert.notEqual(await background(), light);
      await page.locator(".theme-toggle").click();
      await page.goto(at.url("index.html"));
      assert.equal(await theme(), "light");
      assert.equal(await background(), light);
    });

    test("the print page contains every document, and prints without navigation", async () => {
      await page.goto(at.url("print.html"));
      const expected = documents(site.out).map((d) => d.id);
      const printed = await page.locator("article.print-document").evaluateAll((els) => els.map((e) => e.id.replace(/^doc-/, "")));
      assert.deepEqual(printed, expected, "every document, in navigation order");
      assert.equal(await page.locator(".print-cover nav li").count(), expected.length);
      await page.emulateMedia({ media: "print" });
      for (const hidden of [".topbar", "#sidebar", ".footer", "#search"]) {
        assert.equal(await page.locator(hidden).isVisible(), false, `${hidden} is not printed`);
      }
      const breaks = await page.locator("article.print-document").first().evaluate((e) => getComputedStyle(e).breakBefore);
      assert.equal(breaks, "page");
      const target = await page.locator("article.print-document a.doc-ref").first()
        .evaluate((e) => getComputedStyle(e, "::after").content);
      assert.match(target, /^" \[[a-z0-9-]+\]"$/, "printed links name the document they go to");
      await page.emulateMedia({ media: "screen" });
    });

    test("axe-core: no serious or critical violations", async () => {
      const pages = [["home", "index.html"], ["policy", `${POLICY}.html`], ["procedure with a diagram", `${PROCEDURE}.html`]];
      for (const [name, rel] of pages) {
        await page.goto(at.url(rel));
        assert.deepEqual(await axe(page), [], `${name} (${rel})`);
      }
      await page.goto(at.url("index.html"));
      await search("backup");
      assert.deepEqual(await axe(page), [], "search results");
      await page.locator(".theme-toggle").click();
      await page.goto(at.url(`${PROCEDURE}.html`));
      assert.deepEqual(await axe(page), [], "procedure, dark theme");
      await page.locator(".theme-toggle").click();
    });

    test("keyboard: the skip link moves focus to the content", async () => {
      await page.goto(at.url(`${POLICY}.html`));
      await page.keyboard.press("Tab");
      const skip = page.locator(".skip-link");
      assert.equal(await page.evaluate(() => document.activeElement.className), "skip-link");
      assert.ok(await skip.isVisible(), "the skip link shows when focused");
      const outline = await skip.evaluate((e) => getComputedStyle(e).outlineStyle);
      assert.notEqual(outline, "none", "focus is visible");
      await page.keyboard.press("Enter");
      assert.equal(await page.evaluate(() => document.activeElement.id), "content");
    });
  });
}

test("Edit this page links to the source when book.toml names the repository; inline SVG styles pass the CSP", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "policybook-edit-"));
  fs.mkdirSync(path.join(root, "content/policies"), { recursive: true });
  fs.writeFileSync(path.join(root, "book.toml"), [
    "[book]", 'title = "Edit test"', "",
    "[output.html]", 'repository-url = "https://git.example.org/isms"', 'branch = "main"',
    'edit-url-template = "{repository}/edit/{branch}/{path}"', "",
  ].join("\n"));
  // Drawn diagrams are inline SVG carrying their own <style>: the CSP must let that through.
  const svg = '<figure class="diagram"><svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">' +
    '<style>.node { fill: rgb(1, 2, 3); }</style><rect class="node" width="120" height="40"/><text x="10" y="25">Label</text></svg></figure>';
  fs.writeFileSync(path.join(root, "content/policies/access-policy.md"), `---\ntitle: Access policy\n---\n\nText.\n\n${svg}\n`);
  const built = buildSite(root);
  const browser = await launch();
  try {
    const page = await browser.page();
    await page.goto(pathToFileURL(path.join(built.out, "access-policy.html")).href);
    const edit = page.locator("a", { hasText: "Edit this page" });
    assert.equal(await edit.getAttribute("href"), "https://git.example.org/isms/edit/main/content/policies/access-policy.md");
    const fill = await page.locator("figure.diagram rect").evaluate((e) => getComputedStyle(e).fill);
    assert.equal(fill, "rgb(1, 2, 3)", "the SVG's own <style> applies");
    assert.equal(await page.locator("figure.diagram text").textContent(), "Label");
    assert.deepEqual(browser.log.errors, []);
  } finally {
    await browser.close();
    built.remove();
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("the search index is deterministic and small", () => {
  const again = buildSite();
  try {
    const list = (dir) => fs.readdirSync(path.join(dir, "search")).sort();
    assert.deepEqual(list(again.out), list(site.out));
    for (const name of list(site.out)) {
      assert.ok(fs.readFileSync(path.join(site.out, "search", name)).equals(fs.readFileSync(path.join(again.out, "search", name))), `search/${name} is byte-identical`);
    }
    const size = (dir, filter) => fs.readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && filter(e.name)).reduce((n, e) => n + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
    const markdown = size(path.join(REPO, "content"), (n) => n.endsWith(".md"));
    const index = size(path.join(site.out, "search"), () => true);
    // At 41 documents the vocabulary dominates; the quarter is met at scale (see bench-search.mjs).
    assert.ok(index < markdown / 2, `index ${index} bytes, Markdown ${markdown}`);
  } finally {
    again.remove();
  }
});
