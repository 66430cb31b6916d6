// Screenshots at desktop and phone width, and the phone layout. The pictures go to
// tests/browser/artifacts/; with UPDATE_SCREENSHOTS=1 also to docs/ (the README shows the desktop one).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { ARTIFACTS, REPO, buildSite, launch, openSite } from "./support.mjs";

const site = buildSite();
after(() => site.remove());
fs.mkdirSync(ARTIFACTS, { recursive: true });

async function save(page, name) {
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  if (process.env.UPDATE_SCREENSHOTS === "1" && ["screenshot-desktop", "screenshot-phone"].includes(name)) {
    fs.copyFileSync(file, path.join(REPO, "docs", `${name}.png`));
  }
}

async function shoot(viewport, steps) {
  const browser = await launch(viewport);
  const at = await openSite("http", site.out);
  try {
    const page = await browser.page();
    await steps(page, at);
    assert.deepEqual(browser.log.errors, []);
    assert.deepEqual(browser.log.requests.filter((u) => !at.inside(u)), []);
  } finally {
    await browser.close();
    await at.close();
  }
}

test("desktop, 1280 x 800", async () => {
  await shoot({ width: 1280, height: 800 }, async (page, at) => {
    await page.goto(at.url("incident-management-procedure.html"));
    await page.locator("#search-input").fill("backup restore");
    await page.locator("#search-status", { hasText: "\u201cbackup restore\u201d" }).waitFor();
    await save(page, "screenshot-desktop");
    await page.keyboard.press("Escape");
    await page.locator(".theme-toggle").click();
    await page.locator("figure.diagram").first().scrollIntoViewIfNeeded();
    await save(page, "desktop-dark-diagram");
    await page.locator(".theme-toggle").click();
  });
});

test("phone, 390 x 844: one column, no sideways scrolling, sidebar behind a button", async () => {
  await shoot({ width: 390, height: 844 }, async (page, at) => {
    for (const rel of ["index.html", "incident-management-procedure.html", "print.html"]) {
      await page.goto(at.url(rel));
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `${rel} is ${width}px wide`);
    }
    await page.goto(at.url("incident-management-procedure.html"));
    assert.equal(await page.locator("#sidebar").isVisible(), false);
    await save(page, "screenshot-phone");
    await page.locator(".sidebar-toggle").click();
    assert.equal(await page.locator("#sidebar").isVisible(), true);
    assert.equal(await page.locator(".sidebar-toggle").getAttribute("aria-expanded"), "true");
    await save(page, "phone-sidebar");
    await page.locator(".sidebar-toggle").click();
    await page.locator("#search-input").fill("password");
    await page.locator("#search-status", { hasText: "\u201cpassword\u201d" }).waitFor();
    const panel = await page.locator("#search-results").boundingBox();
    assert.ok(panel.x >= 0 && panel.x + panel.width <= 390, `results fit the screen: ${JSON.stringify(panel)}`);
    await save(page, "phone-search");
  });
});
