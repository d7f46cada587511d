// Drives Debian's Chromium through Tessera's pages as a visitor would, in English and in
// Welsh: search, filter by a facet, open a record, download a file, copy a citation, use the
// keyboard and switch language. Every page kind is checked with axe-core (WCAG 2.1 A and AA)
// and for sideways scrolling at 360 px, and screenshotted at 360 px and 1280 px.
//
// usage: node flows.mjs FACTS.json   (written by the `browser` integration test)
// Prints a JSON summary; exits 1 when anything failed.

import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const facts = JSON.parse(readFileSync(process.argv[2], "utf8"));
const { base, out } = facts;
mkdirSync(out, { recursive: true });

const failures = [];
const checked = [];

function expect(condition, what) {
  if (!condition) failures.push(what);
}

// axe-core on the page as it is, then screenshots at both widths with a reflow check at 360.
async function audit(page, lang, kind) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
  );
  for (const v of result.violations) {
    failures.push(`${lang} ${kind}: axe ${v.id} (${v.impact}) at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  }
  await page.screenshot({ path: `${out}/${lang}-${kind}-1280.png`, fullPage: true });
  await page.setViewportSize({ width: 360, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow <= 0, `${lang} ${kind}: the page scrolls sideways by ${overflow} px at 360 px`);
  await page.screenshot({ path: `${out}/${lang}-${kind}-360.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  checked.push({ lang, kind, url: page.url(), passes: result.passes.length });
}

async function visitor(browser, lang) {
  const words = facts.words[lang];
  const context = await browser.newContext({
    locale: lang === "cy" ? "cy-GB" : "en-GB",
    extraHTTPHeaders: { "Accept-Language": lang === "cy" ? "cy-GB,cy;q=0.9" : "en-GB,en;q=0.9" },
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
    // axe-core is injected as an inline script, which the pages' own policy forbids.
    bypassCSP: true,
  });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  const page = await context.newPage();

  // Home, then a search from its form.
  await page.goto(`${base}/`);
  expect((await page.getAttribute("html", "lang")) === lang, `${lang} home: <html lang> is not ${lang}`);
  await audit(page, lang, "home");
  await page.getByLabel(words.homeSearch).fill(facts.query);
  await Promise.all([page.waitForURL(/\/search\?/), page.keyboard.press("Enter")]);
  const found = await page.locator("h1").textContent();
  expect(found.includes(words.searchHeading), `${lang} search: heading "${found}" lacks "${words.searchHeading}"`);
  await audit(page, lang, "search");

  // Narrow by a facet, then open the record that is left.
  await Promise.all([page.waitForURL(/resource_type=dataset/), page.locator(".facet a", { hasText: words.facet }).first().click()]);
  const hits = await page.locator(".hits h2 a").count();
  expect(hits === 1, `${lang} facet: ${hits} hits after filtering, not 1`);
  await Promise.all([page.waitForURL(/\/records\//), page.locator(".hits h2 a").first().click()]);
  const title = await page.locator("h1").textContent();
  expect(title === words.title, `${lang} record: title "${title}", not "${words.title}"`);
  await audit(page, lang, "record");

  // Download a file and compare its bytes.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.locator("a[download]", { hasText: facts.file.key }).click(),
  ]);
  const bytes = readFileSync(await download.path(), "utf8");
  expect(bytes === facts.file.content, `${lang} download: ${JSON.stringify(bytes)} is not the deposited file`);

  // The copy button copies the citation as the page shows it.
  const copy = page.locator('button[data-copy="cite-apa-text"]');
  expect(await copy.isVisible(), `${lang} record: no copy button`);
  await copy.click();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  const shown = await page.locator("#cite-apa-text").textContent();
  expect(copied === shown && copied.includes(facts.citation), `${lang} copy: clipboard holds ${JSON.stringify(copied)}`);

  // The keyboard: the first Tab reaches the skip link, which moves focus to the content.
  await page.reload();
  await page.keyboard.press("Tab");
  const skip = await page.evaluate(() => [document.activeElement.className, document.activeElement.textContent]);
  expect(skip[0] === "skip" && skip[1] === words.skip, `${lang} keyboard: first Tab reaches ${JSON.stringify(skip)}`);
  await page.keyboard.press("Enter");
  const focused = await page.evaluate(() => document.activeElement.id);
  expect(focused === "main", `${lang} keyboard: the skip link left focus on "${focused}"`);

  // The other page kinds: a metadata-only record, sign-in, a policy, a missing page.
  await page.goto(`${base}/records/${facts.restricted}`);
  await audit(page, lang, "record-metadata-only");
  await page.goto(`${base}/login`);
  await audit(page, lang, "login");
  await page.goto(`${base}/policies/${facts.policy}`);
  await audit(page, lang, "policy");
  const missing = await page.goto(`${base}/records/999999999`);
  expect(missing.status() === 404, `${lang} missing: status ${missing.status()}`);
  const heading = await page.locator("h1").textContent();
  expect(heading === words.notFound, `${lang} missing: heading "${heading}"`);
  await audit(page, lang, "not-found");
  await context.close();
}

// The visible switch: from an English page to the same page in Welsh, and back.
async function languageSwitch(browser) {
  const context = await browser.newContext({ extraHTTPHeaders: { "Accept-Language": "en" } });
  const page = await context.newPage();
  await page.goto(`${base}/search?q=${encodeURIComponent(facts.query)}`);
  await Promise.all([page.waitForURL(/\/search\?q=/), page.locator('.tools a[hreflang="cy"]').click()]);
  expect((await page.getAttribute("html", "lang")) === "cy", "switch: the page did not turn Welsh");
  expect(page.url().includes(`q=${encodeURIComponent(facts.query)}`), `switch: came back to ${page.url()}`);
  await Promise.all([page.waitForURL(/\/search\?q=/), page.locator('.tools a[hreflang="en"]').click()]);
  expect((await page.getAttribute("html", "lang")) === "en", "switch: the page did not turn back to English");
  await context.close();
}

const browser = await chromium.launch({
  executablePath: process.env.TESSERA_CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
  ],
});
try {
  for (const lang of ["en", "cy"]) {
    try {
      await visitor(browser, lang);
    } catch (err) {
      failures.push(`${lang}: ${err.message.split("\n")[0]}`);
    }
  }
  await languageSwitch(browser).catch((err) => failures.push(`switch: ${err.message.split("\n")[0]}`));
} finally {
  await browser.close();
}
console.log(JSON.stringify({ checked, failures }, null, 1));
process.exit(failures.length ? 1 : 0);
