// Viewer benchmark: time from `onnxkit view MODEL --html` to a usable page in
// Debian's chromium, and the drawing time of frames while panning and zooming.
// Run through bench/run_view.sh (it supplies playwright-core from tests/browser).
//
//   node bench/view_bench.mjs ONNXKIT_BIN OUT_DIR MODEL...
//
// Per model, best of ONNXKIT_BENCH_REPEATS (default 3) runs:
//   command  wall time of `onnxkit view` (load, infer, layout, write the page)
//   page     navigation start → first frame drawn, in a browser already running
//            (the page's own clock: performance.now() at the first draw)
//   usable   command + page
// Then, on the first view (the whole graph, or its top at 80 % for big ones):
// 60 pan steps and 20 zoom steps; "frame" is the time the page spends drawing
// one frame (median / 95th percentile / max, milliseconds). The same at "fit"
// (whole graph; big graphs draw a cached overview bitmap there).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(path.resolve(path.dirname(new URL(import.meta.url).pathname), '../tests/browser/package.json'));
const { chromium } = require('playwright-core');

const [bin, outDir, ...models] = process.argv.slice(2);
const repeats = Number(process.env.ONNXKIT_BENCH_REPEATS || 3);
fs.mkdirSync(outDir, { recursive: true });

const context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'onnxkit-bench-chromium-')), {
  executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1280, height: 800 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

function stats(values) {
  const v = [...values].sort((a, b) => a - b);
  const at = (q) => v[Math.min(v.length - 1, Math.floor(q * v.length))];
  return { median: at(0.5), p95: at(0.95), max: v[v.length - 1], frames: v.length };
}

async function interact(page) {
  await page.evaluate(() => window.onnxkitViewer.frameTimes().length);
  const before = (await page.evaluate(() => window.onnxkitViewer.frameTimes())).length;
  await page.mouse.move(640, 420);
  await page.mouse.down();
  for (let i = 0; i < 60; i++) await page.mouse.move(640 + 6 * i, 420 + 3 * i);
  await page.mouse.up();
  for (let i = 0; i < 20; i++) {
    await page.mouse.wheel(0, i < 10 ? -120 : 120);
    await page.waitForTimeout(16);
  }
  await page.waitForTimeout(100);
  return stats((await page.evaluate(() => window.onnxkitViewer.frameTimes())).slice(before));
}

const rows = [];
for (const model of models) {
  const name = path.basename(model, '.onnx');
  const html = path.join(outDir, name + '.html');
  let best = null;
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    // /usr/bin/time adds the command's CPU time (user + system): on a loaded
    // machine the wall time waits for the CPU, the CPU time does not.
    const run = spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', bin, 'view', model, '--html', html], { encoding: 'utf8' });
    const command = Number(process.hrtime.bigint() - t0) / 1e6;
    if (run.status !== 0) throw new Error(`onnxkit view ${model}: ${run.stderr}`);
    const cpu = /cpu ([\d.]+) ([\d.]+)/.exec(run.stderr);
    const commandCpu = cpu ? 1000 * (Number(cpu[1]) + Number(cpu[2])) : NaN;
    const page = await context.newPage();
    await page.goto('file://' + html, { waitUntil: 'commit' });
    await page.waitForFunction(() => window.onnxkitViewer && window.onnxkitViewer.timings.firstDraw, null, { timeout: 120000 });
    const t = await page.evaluate(() => window.onnxkitViewer.timings);
    const pageMs = t.firstDraw;  // from navigation start
    const result = { command, commandCpu, page: pageMs, usable: command + pageMs, parse: t.parsed - t.start, bytes: fs.statSync(html).size };
    if (!best || result.usable < best.usable) {
      result.first = await interact(page);
      await page.click('#btn-fit');
      await page.waitForTimeout(50);
      result.fit = await interact(page);
      result.boxes = await page.evaluate(() => window.onnxkitViewer.data.graphs[0].nodes.length);
      best = result;
    }
    await page.close();
  }
  rows.push({ name, ...best });
}
await context.close();

const f = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
console.log('| model | boxes | page size | command (CPU) | page (to first frame) | usable | pan/zoom frame, first view (median / p95 / max) | at fit |');
console.log('|---|---:|---:|---:|---:|---:|---|---|');
for (const r of rows) {
  console.log(`| ${r.name} | ${r.boxes} | ${(r.bytes / 1e6).toFixed(1)} MB | ${f(r.command)} ms (${f(r.commandCpu)}) | ${f(r.page)} ms | **${f(r.usable)} ms** | ` +
    `${f(r.first.median)} / ${f(r.first.p95)} / ${f(r.first.max)} ms | ${f(r.fit.median)} / ${f(r.fit.p95)} / ${f(r.fit.max)} ms |`);
}
fs.writeFileSync(path.join(outDir, 'view.json'), JSON.stringify(rows, null, 2));
