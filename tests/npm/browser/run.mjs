// Serves the built page (vite preview must already listen at PAGE_URL), opens it in headless
// Debian Chromium through playwright-core, and prints one line per check; exits 1 on a failure.
import { chromium } from "playwright-core";

const [pageUrl] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
let failed = 0;
try {
  const page = await browser.newPage();
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  await page.goto(pageUrl);
  await page.waitForFunction(() => window.__ociscope !== undefined, null, { timeout: 60_000 });
  const results = await page.evaluate(() => window.__ociscope);
  for (const r of results) {
    console.log(`${r.ok ? "ok" : "FAIL"} - ${r.name}${r.detail ? ` (${r.detail})` : ""}`);
    if (!r.ok) failed++;
  }
  console.log(`browser: ${results.length - failed} passed, ${failed} failed`);
  if (results.length < 10) throw new Error(`only ${results.length} checks ran`);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
