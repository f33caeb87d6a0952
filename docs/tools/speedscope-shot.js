// node speedscope-shot.js URL OUT.png WIDTH HEIGHT [TAB]: opens URL (speedscope with a profileURL) in headless Chromium, waits
// until the profile is loaded, optionally clicks a view tab ("Sandwich"), and saves a screenshot. Run by screenshots.sh.
const { chromium } = require('playwright-core');
(async () => {
  const [url, out, w, h] = process.argv.slice(2);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const page = await browser.newPage({ viewport: { width: +w, height: +h } });
  await page.goto(url);
  await page.waitForFunction(() => document.title.includes('sample'), null, { timeout: 30000 });
  if (process.argv[6]) { await page.getByText(process.argv[6], { exact: false }).first().click(); }
  await page.waitForTimeout(1000); // let the canvas paint after the profile loaded
  await page.screenshot({ path: out });
  await browser.close();
})().catch(e => { console.error(e); process.exit(1); });
