// WCAG 2.1 AA check of server-rendered pages: axe-core in Debian's headless Chromium,
// driven by playwright-core (no browser download: CHROMIUM_PATH, default /usr/bin/chromium).
//
//   node check.mjs [--viewport WxH] [--screenshots DIR] [--cookie NAME=VALUE@PATH]
//                  [URL | --submit-empty URL | --gone URL]...
//
// URL                 checks the page as served (it must answer 2xx).
// --submit-empty URL  loads URL, clicks the form's submit button without filling anything
//                     in, and checks the page that comes back (it must answer 4xx, and
//                     every link in its error summary must point at an element that exists).
// --gone URL          checks a page that must answer 410 Gone (e.g. a closed survey).
// --viewport WxH      browser viewport, default 1280x800 (320x568 tests WCAG 1.4.10 Reflow).
// --screenshots DIR   also saves a full-page PNG of each checked page in DIR.
// --cookie N=V@PATH   sends cookie N=V for PATH on the first URL's host (a signed-in
//                     session, e.g. np_session=…@/dashboard).
//
// Besides axe's WCAG 2.0/2.1 A and AA rules (wcag2a, wcag2aa, wcag21a, wcag21aa), each
// page must have its stylesheet applied and must not scroll sideways at the viewport
// width, also with the text spacing of WCAG 1.4.12 applied.
//
// Prints a JSON summary on stdout. Exit status: 0 no violations, 1 violations (or a page
// that did not answer as expected), 2 usage or browser problem.

import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = require('axe-core').source;

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function usage(message) {
  console.error(`check.mjs: ${message}`);
  console.error('usage: node check.mjs [--viewport WxH] [--screenshots DIR] [--cookie NAME=VALUE@PATH] [URL | --submit-empty URL | --gone URL]...');
  process.exit(2);
}

function parseArgs(argv) {
  const options = { viewport: { width: 1280, height: 800 }, screenshots: null, cookies: [], pages: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--viewport') {
      const match = /^(\d+)x(\d+)$/.exec(value());
      if (!match) usage('--viewport takes WIDTHxHEIGHT, e.g. 390x844');
      options.viewport = { width: Number(match[1]), height: Number(match[2]) };
    } else if (arg === '--cookie') {
      const match = /^([^=]+)=([^@]*)@(\/.*)$/.exec(value());
      if (!match) usage('--cookie takes NAME=VALUE@PATH, e.g. np_session=abc@/dashboard');
      options.cookies.push({ name: match[1], value: match[2], path: match[3] });
    } else if (arg === '--screenshots') {
      options.screenshots = value();
    } else if (arg === '--submit-empty') {
      options.pages.push({ url: value(), submitEmpty: true });
    } else if (arg === '--gone') {
      options.pages.push({ url: value(), submitEmpty: false, status: 410 });
    } else if (arg.startsWith('--')) {
      usage(`unknown option ${arg}`);
    } else {
      options.pages.push({ url: arg, submitEmpty: false });
    }
  }
  if (options.pages.length === 0) usage('no URL given');
  return options;
}

function summarise(results) {
  const brief = (rule) => ({
    id: rule.id,
    impact: rule.impact,
    help: rule.help,
    helpUrl: rule.helpUrl,
    nodes: rule.nodes.map((node) => ({
      target: node.target,
      summary: node.failureSummary,
    })),
  });
  return {
    violations: results.violations.map(brief),
    incomplete: results.incomplete.map((rule) => ({
      id: rule.id,
      impact: rule.impact,
      nodes: rule.nodes.map((node) => node.target),
    })),
    passes: results.passes.length,
  };
}

async function checkPage(context, spec, index, options) {
  const page = await context.newPage();
  const report = { url: spec.url, state: spec.submitEmpty ? 'error after empty submit' : 'as served', problems: [] };
  try {
    let response = await page.goto(spec.url, { waitUntil: 'load' });
    if (spec.submitEmpty) {
      if (!response || !response.ok()) {
        report.problems.push(`the form page answered ${response ? response.status() : 'nothing'}, expected 2xx`);
        return report;
      }
      const submit = page.locator('form [type=submit]').first();
      if ((await submit.count()) === 0) {
        report.problems.push('the page has no form with a submit button');
        return report;
      }
      [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), submit.click()]);
      const status = response ? response.status() : 0;
      report.status = status;
      if (status < 400 || status >= 500) {
        report.problems.push(`the empty submit answered ${status}, expected 4xx (an error page)`);
      }
      // Every error-summary link must lead to an element on the page.
      const broken = await page.evaluate(() =>
        [...document.querySelectorAll('[role=alert] a[href^="#"], .error-summary a[href^="#"]')]
          .map((a) => a.getAttribute('href'))
          .filter((href) => !document.getElementById(decodeURIComponent(href.slice(1)))),
      );
      for (const href of broken) report.problems.push(`error summary link ${href} points at nothing`);
    } else {
      report.status = response ? response.status() : 0;
      if (spec.status ? report.status !== spec.status : !response || !response.ok()) {
        report.problems.push(`the page answered ${report.status}, expected ${spec.status || '2xx'}`);
      }
    }
    report.title = await page.title();
    report.lang = await page.evaluate(() => document.documentElement.lang);
    // Contrast is only checked if the page's own stylesheet was applied (CSP, path).
    const styled = await page.evaluate(() =>
      [...document.styleSheets].some((sheet) => sheet.href && sheet.cssRules.length > 0),
    );
    if (!styled) report.problems.push('the page has no stylesheet applied');
    // The respondent pages forbid scripts by CSP; evaluate() runs outside it.
    await page.evaluate(axeSource);
    const results = await page.evaluate(
      (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations', 'incomplete'] }),
      WCAG_TAGS,
    );
    Object.assign(report, summarise(results));
    // What axe cannot see: no horizontal scrolling at this width (1.4.10 Reflow), also
    // with the text spacing of 1.4.12 applied (inline styles: the CSP allows no <style>).
    const overflow = () =>
      page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    const width = options.viewport.width;
    let excess = await overflow();
    if (excess > 0) {
      report.problems.push(`the page is ${excess}px wider than the ${width}px viewport (WCAG 1.4.10 Reflow)`);
    }
    if (options.screenshots) {
      const name = `${String(index + 1).padStart(2, '0')}-${spec.submitEmpty ? 'error' : 'page'}.png`;
      await page.screenshot({ path: join(options.screenshots, name), fullPage: true });
      report.screenshot = join(options.screenshots, name);
    }
    await page.evaluate(() => {
      for (const element of document.body.querySelectorAll('*')) {
        element.style.setProperty('line-height', '1.5', 'important');
        element.style.setProperty('letter-spacing', '0.12em', 'important');
        element.style.setProperty('word-spacing', '0.16em', 'important');
        if (element.matches('p')) element.style.setProperty('margin-bottom', '2em', 'important');
      }
    });
    excess = await overflow();
    if (excess > 0) {
      report.problems.push(`with WCAG 1.4.12 text spacing the page is ${excess}px wider than the ${width}px viewport`);
    }
  } catch (error) {
    report.problems.push(`could not check the page: ${error.message.split('\n')[0]}`);
  } finally {
    await page.close();
  }
  return report;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.screenshots) mkdirSync(options.screenshots, { recursive: true });
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  const profile = mkdtempSync(join(tmpdir(), 'nyttopuls-a11y-'));
  let context;
  try {
    try {
      // A fresh, empty profile (--user-data-dir) for every run.
      context = await chromium.launchPersistentContext(profile, {
        executablePath,
        args: CHROMIUM_ARGS,
        viewport: options.viewport,
      });
    } catch (error) {
      console.error(`check.mjs: cannot start Chromium at ${executablePath} (run .ci/a11y-setup.sh): ${error.message.split('\n')[0]}`);
      return 2;
    }
    if (options.cookies.length > 0) {
      const domain = new URL(options.pages[0].url).hostname;
      await context.addCookies(options.cookies.map((c) => ({ ...c, domain })));
    }
    const pages = [];
    for (const [index, spec] of options.pages.entries()) {
      pages.push(await checkPage(context, spec, index, options));
    }
    const violations = pages.reduce((n, p) => n + (p.violations ? p.violations.length : 0), 0);
    const problems = pages.reduce((n, p) => n + p.problems.length, 0);
    console.log(JSON.stringify({ tags: WCAG_TAGS, viewport: options.viewport, violations, problems, pages }, null, 2));
    if (violations === 0 && problems === 0) return 0;
    console.error('\nWCAG 2.1 AA check failed:');
    for (const page of pages) {
      for (const problem of page.problems) console.error(`  ${page.url} (${page.state}): ${problem}`);
      for (const rule of page.violations || []) {
        const targets = rule.nodes.map((node) => node.target.join(' ')).join(', ');
        console.error(`  ${page.url} (${page.state}): ${rule.id} [${rule.impact}] ${rule.help} — ${targets}`);
      }
    }
    return 1;
  } finally {
    if (context) await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

process.exitCode = await main();
