// Drives Debian's Chromium through Tessera's pages, in English and in Welsh: a visitor
// searches, filters by a facet, opens a record, downloads a file, copies a citation, uses the
// keyboard and switches language; a depositor signs in, is told what a draft lacks, fixes it,
// uploads two files and publishes; a researcher asks for restricted data, a steward approves
// with an agreement, the researcher accepts it and downloads, and the steward revokes it; an
// organization's administrator reads its dashboard and audit trail and manages members and
// partners. Every page kind is checked with axe-core (WCAG 2.1 A and AA)
// and for sideways scrolling at 360 px and at 200% zoom, and screenshotted at 360 px and 1280 px.
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
  // A 1280 px window zoomed to 200% lays the page out 640 px wide.
  await page.setViewportSize({ width: 640, height: 450 });
  const zoomed = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(zoomed <= 0, `${lang} ${kind}: the page scrolls sideways by ${zoomed} px at 200% zoom`);
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

// A depositor signs in, starts a deposit, is shown what is missing, fixes it, uploads two
// files with the page's progress bar and publishes.
async function depositor(browser, lang) {
  const words = facts.words[lang];
  const user = facts.users[lang];
  const [context, page] = await newPage(browser, lang);
  await page.goto(`${base}/uploads`);
  expect(page.url().includes("/login?next=%2Fuploads"), `${lang} deposit: not sent to sign in but to ${page.url()}`);
  await signIn(page, user);
  await audit(page, lang, "uploads");
  await Promise.all([page.waitForURL(/\/uploads\/new$/), page.click('a[href="/uploads/new"]')]);
  await audit(page, lang, "deposit-new");

  // A title only: the draft is made, and publishing it lists what is missing beside each field.
  await page.fill("#title", user.title);
  await Promise.all([page.waitForURL(/\/uploads\/\d+$/), page.click('button[value="save"]')]);
  await page.click('button[value="publish"]');
  await page.waitForSelector(".error-summary");
  const summary = await page.locator(".error-summary h2").textContent();
  const listed = await page.locator(".error-summary li").allTextContents();
  expect(summary === words.problems, `${lang} deposit: error summary "${summary}": ${listed.join(" | ")}`);
  for (const id of ["publication_date", "creator-0-family"]) {
    const invalid = await page.getAttribute(`#${id}`, "aria-invalid");
    const linked = await page.locator(`.error-summary a[href="#${id}"]`).count();
    expect(invalid === "true" && linked > 0, `${lang} deposit: ${id} is not marked and linked as wrong`);
  }
  const creator = await page.locator('.error-summary a[href="#creator-0-family"]').textContent();
  expect(creator === words.creatorProblem, `${lang} deposit: the creator's problem reads "${creator}"`);
  // The missing files are a problem of the files section, which the summary links to.
  expect((await page.locator('.error-summary a[href="#files"]').count()) === 1, `${lang} deposit: no link to the files`);
  await audit(page, lang, "deposit-errors");

  // Fixed, saved, two files uploaded, published.
  await page.fill("#publication_date", "2024-05-17");
  await page.fill("#creator-0-family", "Lovelace");
  await page.fill("#creator-0-given", "Ada");
  await page.fill("#licence", "cc-by-4.0");
  // A contributor with a role chosen from DataCite's list, and a place as a point.
  await page.fill("#contributor-0-organization", "Afon Trust");
  await page.selectOption("#contributor-0-role", "sponsor");
  await page.fill("#location-0-name", "Pontypridd");
  await page.fill("#location-0-latitude", "51.6014");
  await page.fill("#location-0-longitude", "-3.3424");
  await Promise.all([page.waitForURL(/done=saved/), page.click('button[value="save"]')]);
  await page.setInputFiles("#upload-files", [
    { name: "readings.csv", mimeType: "text/csv", buffer: Buffer.from("day,celsius\n2024-05-01,11.5\n") },
    { name: "README.txt", mimeType: "text/plain", buffer: Buffer.from("Readings from the Taff.\n") },
  ]);
  await Promise.all([page.waitForURL(/done=files/), page.click('form.upload button[type=submit]')]);
  const rows = await page.locator("#files ~ div table tbody tr, section[aria-labelledby=files] tbody tr").count();
  expect(rows === 2, `${lang} deposit: ${rows} files listed after the upload, not 2`);
  await Promise.all([page.waitForURL(/\/records\/\d+$/), page.click('button[value="publish"]')]);
  const title = await page.locator("h1").textContent();
  const files = await page.locator("a[download]").allTextContents();
  expect(title === user.title, `${lang} deposit: published as "${title}"`);
  expect(files.sort().join(",") === "README.txt,readings.csv", `${lang} deposit: the record lists ${files}`);
  const details = await page.locator("dl.details").textContent();
  expect(details.includes("Afon Trust") && details.includes("51.6014, -3.3424"), `${lang} deposit: the record's details read "${details}"`);

  // The depositor may change what they published: the choice, then a new version's form.
  const published = page.url();
  await Promise.all([page.waitForURL(/\/change$/), page.click('a[href$="/change"]')]);
  await audit(page, lang, "record-change");
  await Promise.all([page.waitForURL(/\/uploads\/\d+$/), page.click('form[action$="/change/new-version"] button')]);
  const carried = await page.locator("section[aria-labelledby=files] tbody tr").count();
  expect(carried === 2, `${lang} new version: ${carried} files carried over, not 2`);
  await audit(page, lang, "deposit-version");
  await page.goto(published);

  // The account page makes an API token, shown once, and signs out.
  await page.click('a[href="/account"]');
  await page.fill("#name", "laptop");
  await Promise.all([page.waitForLoadState(), page.click('form[action="/account/tokens"] button[type=submit]')]);
  const secret = (await page.locator("#new-token").textContent()) || "";
  expect(secret.trim().length >= 20, `${lang} account: the new token reads "${secret}"`);
  await audit(page, lang, "account");
  await Promise.all([page.waitForURL(`${base}/`), page.click('form[action="/logout"] button')]);
  expect((await page.locator('a[href^="/login"]').count()) === 1, `${lang} account: signed out, the header offers no sign-in`);
  await context.close();
}

async function signIn(page, user) {
  await page.fill("#email", user.email);
  await page.fill("#password", user.password);
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith("/login")), page.click('form[action="/login"] button[type=submit]')]);
}

async function newPage(browser, lang) {
  const context = await browser.newContext({
    extraHTTPHeaders: { "Accept-Language": lang },
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
    bypassCSP: true,
  });
  return [context, await context.newPage()];
}

// A researcher asks for the restricted cohort, a steward approves with an agreement, the
// researcher accepts it and downloads the file.
async function access(browser, lang) {
  const researcher = facts.researchers[lang];
  const [asking, page] = await newPage(browser, lang);
  await page.goto(`${base}/records/${facts.restricted}`);
  await page.click('a[href$="/request-access"]');
  await signIn(page, researcher);
  expect(page.url().endsWith(`/records/${facts.restricted}/request-access`), `${lang} access: came back to ${page.url()}`);
  await audit(page, lang, "request-access");
  await page.click('form button[type=submit].primary');
  await page.waitForSelector(".error-summary");
  expect((await page.getAttribute("#purpose", "aria-invalid")) === "true", `${lang} access: an empty purpose is not marked`);
  await audit(page, lang, "request-access-errors");
  await page.fill("#purpose", researcher.purpose);
  await page.fill("#intended_use", "Aggregate statistics only, kept on the university's secure drive.");
  await page.fill("#duration_days", "30");
  await Promise.all([page.waitForURL(/\/access\?done=requested/), page.click('form button[type=submit].primary')]);

  const [deciding, steward] = await newPage(browser, lang);
  await steward.goto(`${base}/stewarding`);
  await signIn(steward, facts.steward);
  await audit(steward, lang, "stewarding");
  const request = steward.locator("article.request", { hasText: researcher.purpose });
  await request.locator('textarea[name="agreement"]').fill("Do not attempt to identify anyone.");
  await Promise.all([steward.waitForLoadState(), request.locator('form[action$="/approve"] button').click()]);
  await steward.waitForURL(/done=approved/, { timeout: 5000 }).catch(async () => {
    throw new Error(`approving left the steward on ${steward.url()}: ${await steward.locator("main").textContent()}`);
  });
  await deciding.close();

  await page.goto(`${base}/access`);
  await audit(page, lang, "access");
  const approved = page.locator("article.request", { hasText: "Do not attempt to identify anyone." });
  await approved.locator('input[type="checkbox"]').check();
  await Promise.all([page.waitForURL(/done=granted/), approved.locator("button").click()]);
  await page.goto(`${base}/records/${facts.restricted}`);
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator("a[download]", { hasText: facts.cohort.key }).click()]);
  const bytes = readFileSync(await download.path(), "utf8");
  expect(bytes === facts.cohort.content, `${lang} access: downloaded ${JSON.stringify(bytes)} after the grant`);

  // The steward sees the grant among the current ones, and revokes it with a reason.
  const [revoking, stewardAgain] = await newPage(browser, lang);
  await stewardAgain.goto(`${base}/stewarding`);
  await signIn(stewardAgain, facts.steward);
  const grant = stewardAgain.locator("article.grant", { hasText: researcher.email });
  expect((await grant.count()) === 1, `${lang} revoke: the steward sees ${await grant.count()} grants held by ${researcher.email}`);
  await audit(stewardAgain, lang, "stewarding-grants");
  await grant.locator("textarea").fill("The project ended early.");
  await Promise.all([stewardAgain.waitForURL(/done=revoked/), grant.locator("button").click()]);
  const ended = await stewardAgain.locator("section[aria-labelledby=ended] tbody").textContent();
  expect(ended.includes(researcher.email) && ended.includes("The project ended early."), `${lang} revoke: the ended grants read "${ended}"`);
  // From the dataset's page, the steward reads its trail: the researcher's download is there.
  await stewardAgain.goto(`${base}/records/${facts.restricted}`);
  await Promise.all([stewardAgain.waitForURL(/\/audit$/), stewardAgain.click(`a[href="/records/${facts.restricted}/audit"]`)]);
  await audit(stewardAgain, lang, "dataset-audit");
  const trail = await stewardAgain.locator("main table").textContent();
  expect(trail.includes(researcher.email) && trail.includes("grant-revoked"), `${lang} dataset audit: the trail reads "${trail}"`);
  await revoking.close();
  await page.goto(`${base}/records/${facts.restricted}`);
  const links = await page.locator("a[download]", { hasText: facts.cohort.key }).count();
  expect(links === 0, `${lang} revoke: the researcher still has ${links} download links after the revocation`);
  await asking.close();
}

// An organization's administrator reads its dashboard, gives a role (after a mistake),
// trusts a partner or stops trusting it, and reads the audit trail.
async function organization(browser, lang) {
  const [context, page] = await newPage(browser, lang);
  await page.goto(`${base}/account`);
  await signIn(page, facts.admin);
  await Promise.all([page.waitForURL(/\/organizations$/), page.click('a[href="/organizations"]')]);
  await audit(page, lang, "organizations");
  await Promise.all([page.waitForURL(/\/organizations\/[a-z]/), page.click(`a[href="/organizations/${facts.org}"]`)]);
  expect((await page.locator(".chart svg[role=img]").count()) === 4, `${lang} organization: not four charts`);
  const downloads = await page.locator("#downloads-title ~ div tbody tr:last-child td").textContent();
  expect(Number(downloads) >= 1, `${lang} organization: ${downloads} downloads this month, after the researchers' downloads`);
  await audit(page, lang, "organization");

  await page.fill("#email", "nobody@example.org");
  await Promise.all([page.waitForLoadState(), page.click('form[action$="/members"] button[type=submit]')]);
  expect((await page.getAttribute("#email", "aria-invalid")) === "true", `${lang} organization: an unknown email is not marked`);
  await audit(page, lang, "organization-errors");
  const member = facts.researchers[lang].email;
  await page.fill("#email", member);
  await page.selectOption("#role", "auditor");
  await Promise.all([page.waitForURL(/done=member-added/), page.click('form[action$="/members"] button[type=submit]')]);
  const members = await page.locator("section[aria-labelledby=members] tbody").textContent();
  expect(members.includes(member), `${lang} organization: ${member} is not listed after being given a role`);
  if (lang === "en") {
    await page.selectOption("#partner", facts.partner);
    await page.selectOption("#data_class", "restricted");
    await Promise.all([page.waitForURL(/done=partner-added/), page.click('form[action$="/partners"] button[type=submit]')]);
  } else {
    const remove = page.locator("section[aria-labelledby=partners] tbody form button");
    await Promise.all([page.waitForURL(/done=partner-removed/), remove.first().click()]);
  }
  const partners = await page.locator("section[aria-labelledby=partners] tbody").count();
  expect(partners === (lang === "en" ? 1 : 0), `${lang} organization: ${partners} partner tables after the change`);

  await Promise.all([page.waitForURL(/\/audit$/), page.click('a[href$="/audit"]')]);
  const trail = await page.locator("main table tbody").textContent();
  expect(trail.includes("role-given") && trail.includes(member), `${lang} audit: the trail lacks the role given to ${member}`);
  await audit(page, lang, "audit");
  await page.goto(`${base}/account`);
  await Promise.all([page.waitForURL(/\/account\/activity$/), page.click('a[href="/account/activity"]')]);
  const own = await page.locator("main table tbody").textContent();
  expect(own.includes("role-given"), `${lang} activity: the administrator's own trail lacks the role they gave`);
  await audit(page, lang, "activity");
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
  // Last, so that the visitors' searches do not find what the depositors publish.
  for (const lang of ["en", "cy"]) {
    await depositor(browser, lang).catch((err) => failures.push(`${lang} deposit: ${err.message.split("\n")[0]}`));
    await access(browser, lang).catch((err) => failures.push(`${lang} access: ${err.message.split("\n")[0]}`));
  }
  for (const lang of ["en", "cy"]) {
    await organization(browser, lang).catch((err) => failures.push(`${lang} organization: ${err.message.split("\n")[0]}`));
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify({ checked, failures }, null, 1));
process.exit(failures.length ? 1 : 0);
