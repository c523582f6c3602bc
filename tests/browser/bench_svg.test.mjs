// The benchmark charts of docs/benchmarks.md (docs/bench/*.svg, written by
// scripts/bench_report.py) render in headless Chromium: each opens as an SVG document with a
// non-zero size, draws shapes and text (title, axis labels, legend), and is saved as a PNG in
// BENCH_SVG_SHOTS for a look. Run by tests/bench/run_svg.sh (ctest bench_svg_render).
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { launchBrowser, required } from './server.mjs';

const SVG_DIR = required('BENCH_SVG_DIR');
const SHOTS = required('BENCH_SVG_SHOTS');
const svgs = readdirSync(SVG_DIR).filter((f) => f.endsWith('.svg')).sort();
let browser;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

test('the charts exist', () => {
  assert.ok(svgs.length >= 5, `expected at least 5 charts in ${SVG_DIR}, found ${svgs.length}`);
});

for (const name of svgs) {
  test(`${name} renders with a size, shapes and text`, async () => {
    const page = await browser.newPage();
    try {
      await page.goto(pathToFileURL(path.join(SVG_DIR, name)).href);
      const facts = await page.evaluate(() => {
        const root = document.documentElement;
        const box = root.getBoundingClientRect();
        const texts = [...root.querySelectorAll('text')].map((t) => t.textContent.trim());
        const drawn = [...root.querySelectorAll('rect, circle, polyline, line')].filter((e) => {
          const b = e.getBBox();
          return b.width > 0 || b.height > 0;
        });
        // Chromium shows malformed XML as far as it parsed, plus a <parsererror> element.
        const parseError = document.getElementsByTagName('parsererror').length > 0;
        return { tag: root.tagName, width: box.width, height: box.height, texts, drawn: drawn.length, parseError };
      });
      assert.equal(facts.tag, 'svg');
      assert.equal(facts.parseError, false, 'the SVG is not well-formed XML');
      assert.ok(facts.width > 100 && facts.height > 100, `rendered size ${facts.width}x${facts.height}`);
      assert.ok(facts.texts.filter((t) => t.length > 0).length >= 5, 'title, axis and legend text');
      assert.ok(facts.drawn >= 5, `only ${facts.drawn} visible shapes`);
      await page.screenshot({ path: path.join(SHOTS, name.replace(/\.svg$/, '.png')) });
    } finally {
      await page.close();
    }
  });
}
