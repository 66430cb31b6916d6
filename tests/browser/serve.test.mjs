// `policybook serve` in headless Chromium, as an author uses it: pages open in the browser reload
// when a document is saved, a broken save shows the errors over the page (readable in light and dark
// themes) and a fix removes them; when the very first build fails, every page shows the errors and
// becomes the site once the content is fixed. Waits are generous and nothing is timed (latency is
// measured in benches/serve.rs).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, afterEach, before, describe, test } from "node:test";
import { BINARY, REPO, axe, launch } from "./support.mjs";

// A rebuild of the example in a debug build takes seconds; waiting for a reload allows for much more.
const RELOAD = 120000;
const DOCUMENT = "supplier-security-policy";
const FILE = `content/policies/${DOCUMENT}.md`;

/** A copy of the example handbook (book.toml, content/, themes/) in a fresh temp folder. */
function copyExample() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policybook-serve-"));
  for (const part of ["book.toml", "content", "themes"]) {
    fs.cpSync(path.join(REPO, part), path.join(dir, part), { recursive: true });
  }
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Start `policybook serve` on `root` at a free port; resolves once it prints its address. */
function startServe(root) {
  const child = spawn(BINARY, ["serve", root, "--port", "0", "--today", "2026-11-22"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let output = "";
  const stopped = new Promise((resolve) => child.once("exit", resolve));
  const url = new Promise((resolve, reject) => {
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk) => {
      output += chunk;
      const found = output.match(/ at (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (found) resolve(found[1]);
    });
    child.once("exit", (code) => reject(new Error(`serve exited (${code}) before serving:\n${output}`)));
  });
  return {
    url,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill();
      await stopped;
    },
  };
}

/** Save `text` as the handbook file `rel`, as an editor does. */
function save(root, rel, text) {
  fs.writeFileSync(path.join(root, rel), text);
}

/** Wait until the page's reload script is connected and has had its first event. */
async function connected(page, state = "ok") {
  await page.locator(`html[data-policybook-live="${state}"]`).waitFor({ state: "attached", timeout: RELOAD });
}

/** The overlay's colours meet contrast with the page in `scheme`; no serious violation on the page. */
async function readable(page, scheme) {
  await page.emulateMedia({ colorScheme: scheme });
  assert.deepEqual(await axe(page), [], `axe, ${scheme} scheme`);
  const contrast = await page.evaluate(() =>
    window.axe.run("#policybook-overlay", { runOnly: ["color-contrast"], preload: false }),
  );
  assert.deepEqual(contrast.violations.map((v) => v.nodes.map((n) => n.target.join(" "))), [], `contrast, ${scheme}`);
  assert.deepEqual(contrast.incomplete.map((v) => v.nodes.map((n) => n.target.join(" "))), [], `contrast undecided, ${scheme}`);
  assert.ok(contrast.passes.length > 0, `the overlay's text was checked for contrast (${scheme})`);
}

describe("serve: live reload and the error overlay", () => {
  let example, server, base, browser, pages, original;
  before(async () => {
    example = copyExample();
    original = fs.readFileSync(path.join(example.dir, FILE), "utf8");
    server = startServe(example.dir);
    base = await server.url;
    browser = await launch();
    pages = [await browser.page(), await browser.context.newPage()];
    for (const page of pages) {
      await page.goto(`${base}${DOCUMENT}.html`);
      await connected(page);
    }
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    example?.remove();
  });
  afterEach(() => {
    const errors = browser.log.errors.splice(0);
    const outside = browser.log.requests.splice(0).filter((u) => !u.startsWith(base));
    assert.deepEqual(outside, [], "requests outside the server");
    assert.deepEqual(errors, [], "console errors");
  });

  test("saving a body edit reloads every open page with the new text", async () => {
    save(example.dir, FILE, `${original}\nA sentence saved while the page was open.\n`);
    for (const page of pages) {
      await page.getByText("A sentence saved while the page was open.").waitFor({ timeout: RELOAD });
      await connected(page);
    }
  });

  test("a broken reference shows the overlay with file:line and message; the fix removes it", async () => {
    const line = original.split("\n").length + 1;
    save(example.dir, FILE, `${original}\nSee [no-such-document] for more.\n`);
    for (const page of pages) {
      const overlay = page.locator("#policybook-overlay");
      await overlay.waitFor({ timeout: RELOAD });
      const text = await overlay.textContent();
      assert.match(text, new RegExp(`${FILE}:${line}:5: error: no document has the id \`no-such-document\``));
      assert.match(text, /This is the last good version of the page/);
      assert.equal(await overlay.getAttribute("role"), "alert");
      assert.equal(await page.locator("#content", { hasText: "no-such-document" }).count(), 0, "the last good page stays");
      assert.equal(await page.locator("#content", { hasText: "A sentence saved" }).count(), 1, "the last good page stays");
    }

    for (const scheme of ["light", "dark"]) await readable(pages[0], scheme);
    await pages[0].emulateMedia({ colorScheme: null });

    save(example.dir, FILE, `${original}\nSee [incident-management-procedure] after the fix.\n`);
    for (const page of pages) {
      await page.getByText("after the fix.").waitFor({ timeout: RELOAD });
      await connected(page);
      assert.equal(await page.locator("#policybook-overlay").count(), 0, "the overlay is gone");
      assert.equal(
        await page.locator("a", { hasText: /incident management procedure/i }).last().getAttribute("href"),
        "incident-management-procedure.html",
      );
    }
  });
});

describe("serve: a handbook whose first build fails", () => {
  let example, server, base, browser, page, original;
  before(async () => {
    example = copyExample();
    original = fs.readFileSync(path.join(example.dir, FILE), "utf8");
    save(example.dir, FILE, `${original}\nSee [no-such-document] for more.\n`);
    server = startServe(example.dir);
    base = await server.url;
    browser = await launch();
    page = await browser.page();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    example?.remove();
  });

  test("every page shows the errors, then becomes the site when the content is fixed", async () => {
    const line = original.split("\n").length + 1;
    for (const rel of ["", "not-a-page.html", `${DOCUMENT}.html`]) {
      const response = await page.goto(`${base}${rel}`);
      assert.equal(response.status(), 500, `${rel}: the errors, not a bare 404`);
      const overlay = page.locator("#policybook-overlay");
      assert.match(
        await overlay.textContent(),
        new RegExp(`${FILE}:${line}:5: error: no document has the id \`no-such-document\``),
      );
      assert.match(await page.locator("h1").textContent(), /does not build/);
    }
    await connected(page, "errors");
    for (const scheme of ["light", "dark"]) await readable(page, scheme);
    await page.emulateMedia({ colorScheme: null });

    save(example.dir, FILE, `${original}\nFixed before the first build.\n`);
    await page.getByText("Fixed before the first build.").waitFor({ timeout: RELOAD });
    await connected(page);
    assert.equal(await page.locator("#policybook-overlay").count(), 0);
    assert.equal(await page.locator("body").getAttribute("data-page-id"), DOCUMENT);
    // Only the errors pages themselves (status 500) may have been logged.
    const errors = browser.log.errors.splice(0).filter((e) => !/status of 500/.test(e));
    assert.deepEqual(errors, [], "console errors");
  });
});
