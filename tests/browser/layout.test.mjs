// Reading comfort and accessibility, measured in Chromium at desktop (1280 x 800) and phone
// (390 x 844) size: axe-core on every kind of page, the first paragraph on the first screen, "On
// this page" beside the text, record tables that are never clipped (sticky header, filters, keyboard
// scrolling) and diagrams whose labels stay legible.
import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import { axe, buildSite, documents, launch, openSite } from "./support.mjs";

const site = buildSite();
after(() => site.remove());

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const TABLE_DOC = "network-security-standard"; // a body table and a wide diagram
const DIAGRAM_DOC = "incident-management-procedure";
const TASK_DOC = "personnel-security-policy"; // a task list

const PAGES = [
  ["home", "index.html"],
  ["document with a table and a diagram", `${TABLE_DOC}.html`],
  ["document with diagrams", `${DIAGRAM_DOC}.html`],
  ["document with a task list", `${TASK_DOC}.html`],
  ["register", "handbook/register.html"],
  ["SoA", "handbook/soa.html"],
  ["clauses", "handbook/clauses.html"],
  ["reviews", "handbook/reviews.html"],
  ["roles", "handbook/roles.html"],
  ["role", "handbook/role-security-officer.html"],
  ["print", "print.html"],
  ["404", "404.html"],
];

/** Rendered size in CSS pixels of every diagram label on the page. */
function labelSizes(page) {
  return page.evaluate(() => {
    const sizes = [];
    document.querySelectorAll("figure.diagram svg").forEach((svg) => {
      const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
      svg.querySelectorAll("text, foreignObject *").forEach((label) => {
        if (label.children.length === 0 && label.textContent.trim()) {
          sizes.push({ text: label.textContent.trim().slice(0, 30), px: parseFloat(getComputedStyle(label).fontSize) * scale });
        }
      });
    });
    return sizes;
  });
}

for (const [size, viewport] of [["desktop", DESKTOP], ["phone", PHONE]]) {
  describe(`${size}, ${viewport.width} x ${viewport.height}`, () => {
    let browser, page, at;
    before(async () => {
      browser = await launch(viewport);
      page = await browser.page();
      at = await openSite("file", site.out);
    });
    after(async () => {
      await browser.close();
      await at.close();
    });
    afterEach(() => {
      const errors = browser.log.errors.splice(0);
      const outside = browser.log.requests.splice(0).filter((u) => !at.inside(u));
      assert.deepEqual(errors, [], "console errors");
      assert.deepEqual(outside, [], "requests outside the site");
    });

    test("axe-core: no serious or critical violation on any kind of page, search results open", async () => {
      for (const [name, rel] of PAGES) {
        await page.goto(at.url(rel));
        assert.deepEqual(await axe(page), [], `${name} (${rel})`);
      }
      await page.goto(at.url("index.html"));
      await page.locator("#search-input").fill("backup");
      await page.locator("#search-status", { hasText: "\u201cbackup\u201d" }).waitFor();
      assert.ok(await page.locator("#search-listbox").isVisible());
      assert.deepEqual(await axe(page), [], "search results");
    });

    test("no page scrolls sideways as a whole", async () => {
      for (const [name, rel] of PAGES) {
        await page.goto(at.url(rel));
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= viewport.width, `${name} is ${width}px wide`);
      }
    });

    test("diagram labels never render below 11 px", async () => {
      for (const id of [TABLE_DOC, DIAGRAM_DOC, "information-security-policy"]) {
        await page.goto(at.url(`${id}.html`));
        const sizes = await labelSizes(page);
        assert.ok(sizes.length > 0, `${id} has diagram labels`);
        const small = sizes.filter((s) => s.px < 11);
        assert.deepEqual(small, [], `${id}: labels below 11 px`);
      }
    });

    test("record tables: dates never wrap, a narrow table scrolls in a named, keyboard-focusable region", async () => {
      // The register's dates, a revision history's, and those in a document's own table.
      for (const rel of ["handbook/register.html", `${DIAGRAM_DOC}.html`, "risk-register.html"]) {
        await page.goto(at.url(rel));
        const wrapped = await page.locator("td.date").evaluateAll((cells) => cells.filter((c) => {
          const range = document.createRange();
          range.selectNodeContents(c);
          const lines = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
          return getComputedStyle(c).whiteSpace !== "nowrap" || lines.size > 1;
        }).map((c) => c.textContent.trim()));
        assert.deepEqual(wrapped, [], `${rel}: dates on more than one line`);
        assert.ok((await page.locator("td.date").count()) > 0, `${rel} has dates`);
      }
    });
  });
}

describe("desktop layout", () => {
  let browser, page, at;
  before(async () => {
    browser = await launch(DESKTOP);
    page = await browser.page();
    at = await openSite("file", site.out);
  });
  after(async () => {
    await browser.close();
    await at.close();
  });

  test("every policy's first paragraph is on the first screen, with 'On this page' in a column to the right", async () => {
    const policies = documents(site.out).filter((d) => d.id.endsWith("-policy"));
    assert.ok(policies.length >= 5);
    for (const { id } of policies) {
      await page.goto(at.url(`${id}.html`));
      const first = await page.locator(".document-body > p").first().boundingBox();
      assert.ok(first.y < DESKTOP.height - 40, `${id}: first paragraph starts at ${first.y}px`);
      if (await page.locator("nav.toc").count()) {
        const toc = await page.locator("nav.toc").boundingBox();
        const body = await page.locator(".document-body").boundingBox();
        assert.ok(toc.x >= body.x + body.width, `${id}: contents beside the text (${JSON.stringify({ toc, body })})`);
        assert.ok(toc.y < DESKTOP.height, `${id}: contents on the first screen`);
      }
    }
  });

  test("register: full width, every column visible, the header row sticks under the top bar", async () => {
    await page.goto(at.url("handbook/register.html"));
    const wrap = page.locator(".records-wrap");
    const { scroll, client } = await wrap.evaluate((w) => ({ scroll: w.scrollWidth, client: w.clientWidth }));
    assert.ok(scroll <= client, `the register is clipped: ${scroll} > ${client}`);
    const last = await page.locator("table.register thead th").last().boundingBox();
    assert.ok(last.x + last.width <= DESKTOP.width, "the last column is on the screen");
    const content = await page.locator("#content").boundingBox();
    assert.ok(content.width > DESKTOP.width * 0.9, `the register uses the width: ${content.width}px`);
    await page.mouse.wheel(0, 1500);
    await page.waitForFunction(() => window.scrollY > 1000);
    const bar = await page.locator(".topbar").boundingBox();
    const th = await page.locator("table.register thead th").first().boundingBox();
    assert.ok(Math.abs(th.y - (bar.y + bar.height)) <= 2, `header row at ${th.y}, top bar ends at ${bar.y + bar.height}`);
  });

  test("register: the filter keeps matching rows; the document list comes back with the ☰ button", async () => {
    await page.goto(at.url("handbook/register.html"));
    const rows = page.locator("table.register tbody tr");
    const total = await rows.count();
    await page.getByLabel("Filter", { exact: true }).fill("draft");
    const visible = await rows.evaluateAll((rs) => rs.filter((r) => r.offsetParent !== null).map((r) => r.textContent));
    assert.ok(visible.length > 0 && visible.length < total, `${visible.length} of ${total}`);
    for (const text of visible) assert.match(text, /draft/i);
    assert.match(await page.locator(".filter-count").textContent(), new RegExp(`${visible.length} of ${total} documents`));
    await page.getByLabel("Filter", { exact: true }).fill("");
    assert.equal(await rows.evaluateAll((rs) => rs.filter((r) => r.offsetParent !== null).length), total);
    assert.equal(await page.locator("#sidebar").isVisible(), false, "the document list makes room");
    await page.locator(".sidebar-toggle").click();
    assert.equal(await page.locator("#sidebar").isVisible(), true);
  });

  test("SoA: filter by theme, applicability, status and gaps", async () => {
    await page.goto(at.url("handbook/soa.html"));
    const shown = () => page.locator("table.soa tbody tr").evaluateAll((rs) => rs.filter((r) => r.offsetParent !== null).map((r) => r.id));
    assert.equal((await shown()).length, 93);
    await page.getByLabel("Theme").selectOption("8");
    const technological = await shown();
    assert.equal(technological.length, 34);
    assert.ok(technological.every((id) => id.startsWith("A.8.")));
    assert.equal(await page.locator("#theme-5").isVisible(), false, "other themes' sections are hidden");
    await page.getByLabel("Theme").selectOption("");
    await page.getByLabel("Applicable").selectOption("no");
    const excluded = await shown();
    assert.equal(excluded.length, 3, "the three excluded controls");
    await page.getByLabel("Applicable").selectOption("");
    const statuses = await page.getByLabel("Status").locator("option").evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
    assert.ok(statuses.length >= 2, `statuses in use: ${statuses}`);
    await page.getByLabel("Status").selectOption(statuses[0]);
    const byStatus = await shown();
    assert.ok(byStatus.length > 0 && byStatus.length < 93);
    for (const id of byStatus) {
      assert.equal(await page.locator(`tr[id="${id}"]`).getAttribute("data-status"), statuses[0]);
    }
    await page.getByLabel("Status").selectOption("");
    await page.getByLabel("Gaps only").check();
    const gaps = await page.locator("table.soa tbody tr.gap").count();
    assert.equal((await shown()).length, gaps);
    assert.match(await page.locator(".filter-count").textContent(), new RegExp(`^${gaps} of 93 controls`));
  });
});

describe("phone layout", () => {
  let browser, page, at;
  before(async () => {
    browser = await launch(PHONE);
    page = await browser.page();
    at = await openSite("file", site.out);
  });
  after(async () => {
    await browser.close();
    await at.close();
  });

  test("'On this page' is inline, between the control block and the text", async () => {
    await page.goto(at.url("information-security-policy.html"));
    const toc = await page.locator("nav.toc").boundingBox();
    const header = await page.locator(".document-header").boundingBox();
    const body = await page.locator(".document-body").boundingBox();
    assert.ok(toc.y >= header.y + header.height - 1 && toc.y + toc.height <= body.y + 1, JSON.stringify({ toc, header, body }));
  });

  test("tables scroll sideways in a named region that the keyboard can focus and scroll", async () => {
    for (const [rel, selector] of [["handbook/register.html", ".records-wrap"], [`${TABLE_DOC}.html`, ".document-body .table-wrap"]]) {
      await page.goto(at.url(rel));
      const wrap = page.locator(selector).first();
      const state = await wrap.evaluate((w) => ({
        scroll: w.scrollWidth, client: w.clientWidth, tabindex: w.getAttribute("tabindex"), role: w.getAttribute("role"),
        name: w.getAttribute("aria-label") || (w.getAttribute("aria-labelledby") && document.getElementById(w.getAttribute("aria-labelledby"))?.textContent),
      }));
      assert.ok(state.scroll > state.client, `${rel}: the table is wider than the screen and scrolls (${state.scroll} > ${state.client})`);
      assert.equal(state.tabindex, "0", `${rel}: focusable`);
      assert.equal(state.role, "region", rel);
      assert.ok(state.name && state.name.trim(), `${rel}: the region has a name`);
      await wrap.focus();
      await page.keyboard.press("ArrowRight");
      await page.keyboard.press("ArrowRight");
      await page.waitForFunction((sel) => document.querySelector(sel).scrollLeft > 0, selector);
    }
  });

  test("a wide diagram keeps its size and scrolls sideways instead of shrinking", async () => {
    await page.goto(at.url(`${TABLE_DOC}.html`));
    const figure = page.locator("figure.diagram").first();
    const state = await figure.evaluate((f) => ({ scroll: f.scrollWidth, client: f.clientWidth, tabindex: f.getAttribute("tabindex"), name: f.getAttribute("aria-label") }));
    assert.ok(state.scroll > state.client, `the diagram scrolls (${state.scroll} > ${state.client})`);
    assert.equal(state.tabindex, "0");
    assert.ok(state.name, "the scrolling diagram is named");
  });
});

test("without JavaScript every row of the register and the SoA shows and no filter is offered", async () => {
  const browser = await launch(DESKTOP, { javaScriptEnabled: false });
  const at = await openSite("file", site.out);
  try {
    const page = await browser.page();
    for (const [rel, rows, total] of [["handbook/register.html", "table.register tbody tr", documents(site.out).length + 1 /* the SoA's own row */], ["handbook/soa.html", "table.soa tbody tr", 93]]) {
      await page.goto(at.url(rel));
      assert.equal(await page.locator("form.table-filter").isVisible(), false, `${rel}: no dead filter`);
      assert.equal(await page.locator(rows).evaluateAll((rs) => rs.filter((r) => r.offsetParent !== null).length), total, rel);
    }
  } finally {
    await browser.close();
    await at.close();
  }
});
