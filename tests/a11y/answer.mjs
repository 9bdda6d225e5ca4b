// Answers survey forms as a phone user does, in Debian's headless Chromium driven by
// playwright-core: taps a choice in every question (the middle of each scale, and the
// given direction of the minutes question), types the minutes on the keypad the field
// asks for, and sends the form.
//
//   node answer.mjs [--viewport WxH] --direction saves|costs|no_difference --minutes N URL...
//
// Prints a JSON summary: per page the minutes field's inputmode and pattern, the final
// status and whether the thank-you page came. Exit 0 when every form was accepted.

import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
const options = { viewport: { width: 390, height: 844 }, direction: 'saves', minutes: '30', urls: [] };
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--viewport') {
    const [w, h] = args[++i].split('x').map(Number);
    options.viewport = { width: w, height: h };
  } else if (arg === '--direction') {
    options.direction = args[++i];
  } else if (arg === '--minutes') {
    options.minutes = args[++i];
  } else {
    options.urls.push(arg);
  }
}
if (options.urls.length === 0) {
  console.error('usage: node answer.mjs [--viewport WxH] --direction D --minutes N URL...');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const results = [];
let failed = false;
try {
  for (const url of options.urls) {
    const context = await browser.newContext({ viewport: options.viewport, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await page.goto(url);
    const groups = await page.$$eval('input[type=radio]', (radios) => [...new Set(radios.map((r) => r.name))]);
    for (const name of groups) {
      if (name.endsWith('_direction')) {
        await page.locator(`input[name="${name}"][value="${options.direction}"]`).tap();
      } else {
        const values = await page.$$eval(`input[name="${name}"]`, (radios) =>
          radios.map((r) => r.value).filter((v) => /^\d+$/.test(v)));
        await page.locator(`input[name="${name}"][value="${values[Math.floor(values.length / 2)]}"]`).tap();
      }
    }
    const minutes = page.locator('input[type=text][inputmode]');
    const field = {
      inputmode: await minutes.getAttribute('inputmode'),
      pattern: await minutes.getAttribute('pattern'),
    };
    await minutes.tap();
    await page.keyboard.type(options.minutes);
    const [response] = await Promise.all([
      page.waitForNavigation(),
      page.locator('button[type=submit]').tap(),
    ]);
    const text = await page.textContent('main');
    const thanked = /Tack|Thank you/.test(text);
    if (!thanked) failed = true;
    results.push({ url, field, status: response ? response.status() : null, thanked });
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify({ pages: results }, null, 2));
process.exit(failed ? 1 : 0);
