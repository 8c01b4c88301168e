// Opens the API reference page (built by `npm run build` into <dir>/index.html) in headless
// Chromium, as a reader would, and checks that every operation of the document is on it: each
// tag's page lists a link to each of its operations (`#/<tag>/<operationid>`), and opening that
// link shows the operation's summary. Saves a screenshot of the first page as
// <dir>/screenshot.png. Fails (exit 1) naming what is missing.
//
//   node check.mjs <dir>        (CHROMIUM: the browser, default /usr/bin/chromium)

import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

import { chromium } from "playwright-core";

const dir = resolve(process.argv[2] ?? "../../.local/reference");
const document = JSON.parse(readFileSync(join(dir, "openapi.json"), "utf8"));
const page = pathToFileURL(join(dir, "index.html")).href;

/** Every operation of the document: its tag, its anchor and its summary. */
const operations = Object.entries(document.paths).flatMap(([path, item]) =>
  ["get", "put", "post", "patch", "delete"]
    .filter((method) => item[method])
    .map((method) => {
      const operation = item[method];
      const tag = operation.tags?.[0] ?? "";
      return {
        name: `${method.toUpperCase()} ${path}`,
        tag,
        anchor: `#/${tag}/${operation.operationId.toLowerCase()}`,
        summary: operation.summary ?? "",
      };
    }),
);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const missing = [];
try {
  const tab = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await tab.goto(page);
  await tab.getByText(document.info.title).first().waitFor({ timeout: 30_000 });
  await tab.screenshot({ path: join(dir, "screenshot.png") });

  for (const tag of new Set(operations.map((o) => o.tag))) {
    await tab.goto(`${page}#/${tag}`);
    await tab.locator(`a[href^="#/${tag}/"]`).first().waitFor({ timeout: 30_000 });
    const listed = new Set(
      await tab.$$eval(`a[href^="#/${tag}/"]`, (links) => links.map((a) => a.getAttribute("href"))),
    );
    for (const operation of operations.filter((o) => o.tag === tag)) {
      if (!listed.has(operation.anchor)) {
        missing.push(`${operation.name}: no link ${operation.anchor} on the ${tag} page`);
        continue;
      }
      await tab.goto(`${page}${operation.anchor}`);
      const shown = tab.getByText(operation.summary, { exact: false }).first();
      if (!(await shown.isVisible({ timeout: 10_000 }).catch(() => false))) {
        await shown.waitFor({ timeout: 10_000 }).catch(() => undefined);
        if (!(await shown.isVisible())) {
          missing.push(`${operation.name}: ${operation.anchor} does not show "${operation.summary}"`);
        }
      }
    }
  }
} finally {
  await browser.close();
}

if (missing.length > 0) {
  console.error(`${missing.length} of ${operations.length} operations are not on the reference page:`);
  for (const line of missing) {
    console.error(`  ${line}`);
  }
  process.exit(1);
}
console.log(
  `every one of the document's ${operations.length} operations is on ${page}; screenshot: ${join(dir, "screenshot.png")}`,
);
