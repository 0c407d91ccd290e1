// Browser tests of the onnxkit viewer: Debian's chromium (/usr/bin/chromium)
// driven by playwright-core; no browser is ever downloaded. Each test saves a
// screenshot under build/test-artifacts/browser/. Run through tests/browser/run.sh.
//
// Environment: ONNXKIT_BIN (default build/onnxkit), ONNXKIT_SHARED (conformance
// models; the If test skips without them), ONNXKIT_ARTIFACTS (screenshot
// folder), ONNXKIT_UPDATE_SCREENSHOTS=1 to rewrite docs/images/viewer.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const bin = process.env.ONNXKIT_BIN || path.join(root, 'build/onnxkit');
const artifacts = process.env.ONNXKIT_ARTIFACTS || path.join(root, 'build/test-artifacts/browser');
const shared = process.env.ONNXKIT_SHARED || path.join(root, '../shared');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'onnxkit-browser-'));
fs.mkdirSync(artifacts, { recursive: true });

let context;

function onnxkit(...args) {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `onnxkit ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function file(name) {
  return path.join(work, name);
}

before(async () => {
  onnxkit('example', 'foo', file('foo.onnx'));
  onnxkit('view', file('foo.onnx'), '--html', file('foo.html'));
  context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'onnxkit-chromium-')), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
  });
});

after(async () => {
  if (context) await context.close();
  fs.rmSync(work, { recursive: true, force: true });
});

/** A page with the viewer loaded; page errors fail the test. */
async function open(url) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('requestfailed', (r) => errors.push('request failed: ' + r.url()));
  await page.goto(url);
  await page.waitForFunction(() => window.onnxkitViewer && window.onnxkitViewer.drawCount() > 0);
  page.errors = errors;
  return page;
}

async function shot(page, name) {
  await page.mouse.move(4, 790);  // no hover tooltip in the picture
  await page.waitForTimeout(50);  // the next animation frame is drawn
  await page.screenshot({ path: path.join(artifacts, name + '.png') });
}

/** Clicks the box of the node named `name` in the current graph. */
async function clickNode(page, name) {
  const v = await page.evaluate((n) => window.onnxkitViewer.nodeIndex(n), name);
  assert.ok(v >= 0, `no box named ${name}`);
  const [x, y] = await page.evaluate((i) => window.onnxkitViewer.screenPosition(i), v);
  await page.mouse.click(x, y);
  await page.waitForSelector('#sidebar:not([hidden])');
}

const sidebarText = (page) => page.textContent('#sidebar-body');

test('loads the built-in example', async () => {
  const page = await open('file://' + file('foo.html'));
  assert.equal(await page.textContent('#title'), 'foo.onnx');
  const ops = await page.evaluate(() => window.onnxkitViewer.data.graphs[0].nodes.filter((n) => n.k === 0).map((n) => n.t));
  assert.deepEqual(ops, ['Conv', 'BatchNormalization', 'Relu', 'FooOp']);
  await shot(page, 'load-example');
  if (process.env.ONNXKIT_UPDATE_SCREENSHOTS === '1') {
    await clickNode(page, 'Conv_0');
    await page.mouse.move(4, 790);
    await page.waitForTimeout(50);
    await page.screenshot({ path: path.join(root, 'docs/images/viewer.png') });
  }
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a Conv node shows its attributes and weight shape in the sidebar', async () => {
  const page = await open('file://' + file('foo.html'));
  await clickNode(page, 'Conv_0');
  assert.equal(await page.textContent('#sidebar-body h2'), 'Conv');
  const text = await sidebarText(page);
  assert.match(text, /kernel_shape\[3, 3\]/);
  assert.match(text, /strides\[2, 2\]/);
  assert.match(text, /conv1\.weight\s*float\[16,3,3,3\]/);
  assert.match(text, /FLOPs/);
  const href = await page.getAttribute('#sidebar-body h2 a', 'href');
  assert.equal(href, 'https://onnx.ai/onnx/operators/onnx__Conv.html');
  // Weight statistics and a values preview behind the weight's disclosure.
  await page.click('#sidebar-body details summary');
  assert.match(await sidebarText(page), /sparsity.*values\[/s);
  await shot(page, 'conv-sidebar');
  await page.close();
});

test('attributes are drawn beside the boxes on request', async () => {
  const page = await open('file://' + file('foo.html'));
  const v = await page.evaluate(() => window.onnxkitViewer.nodeIndex('Conv_0'));
  await page.evaluate((i) => window.onnxkitViewer.centerOn(i, 1), v);
  await page.waitForTimeout(50);  // the next animation frame is drawn
  assert.equal(await page.evaluate(() => window.onnxkitViewer.state.attrCards), 0);
  let draws = await page.evaluate(() => window.onnxkitViewer.drawCount());
  await page.click('#btn-attrs');
  await page.waitForFunction((n) => window.onnxkitViewer.drawCount() > n, draws);
  assert.equal(await page.getAttribute('#btn-attrs', 'aria-pressed'), 'true');
  assert.ok(await page.evaluate(() => window.onnxkitViewer.state.attrCards) > 0);
  await shot(page, 'attributes-on-request');
  draws = await page.evaluate(() => window.onnxkitViewer.drawCount());
  await page.keyboard.press('a');
  await page.waitForFunction((n) => window.onnxkitViewer.drawCount() > n, draws);
  assert.equal(await page.evaluate(() => window.onnxkitViewer.state.attrCards), 0);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the model panel shows the input dims N,3,128,128', async () => {
  const page = await open('file://' + file('foo.html'));
  await page.click('#btn-model');
  assert.equal(await page.textContent('#model-inputs .graph-input .key'), 'input');
  assert.equal(await page.textContent('#model-inputs .graph-input .dims'), 'N,3,128,128');
  assert.match(await sidebarText(page), /ai\.onnx 13, devtech 1/);
  await shot(page, 'model-panel');
  await page.close();
});

test('find selects a node by name', async () => {
  const page = await open('file://' + file('foo.html'));
  await page.fill('#find', 'Relu_2');
  await page.waitForSelector('#find-results:not([hidden]) li');
  await page.press('#find', 'Enter');
  await page.waitForSelector('#sidebar:not([hidden])');
  assert.equal(await page.textContent('#sidebar-body h2'), 'Relu');
  const selected = await page.evaluate(() => window.onnxkitViewer.state.selected);
  assert.equal(selected, await page.evaluate(() => window.onnxkitViewer.nodeIndex('Relu_2')));
  await shot(page, 'find');
  await page.close();
});

test('an If body opens from its node', { skip: !fs.existsSync(path.join(shared, 'onnx-tests/node/test_if/model.onnx')) && 'no ../shared/onnx-tests' }, async () => {
  onnxkit('view', path.join(shared, 'onnx-tests/node/test_if/model.onnx'), '--html', file('if.html'));
  const page = await open('file://' + file('if.html'));
  const v = await page.evaluate(() => window.onnxkitViewer.data.graphs[0].nodes.findIndex((n) => n.t === 'If'));
  assert.ok(v >= 0);
  const [x, y] = await page.evaluate((i) => window.onnxkitViewer.screenPosition(i), v);
  await page.mouse.click(x, y);
  await page.click('#sidebar-body button.subgraph >> nth=0');
  const g = await page.evaluate(() => window.onnxkitViewer.state.graph);
  assert.ok(g > 0);
  assert.equal(await page.locator('#crumbs button').count(), 2);
  const owner = await page.evaluate((i) => window.onnxkitViewer.data.graphs[i].owner, g);
  assert.match(owner, /then_branch|else_branch/);
  await shot(page, 'if-body');
  await page.click('#crumbs button >> nth=0');
  assert.equal(await page.evaluate(() => window.onnxkitViewer.state.graph), 0);
  await page.close();
});

test('exports SVG and PNG', async () => {
  const page = await open('file://' + file('foo.html'));
  const [svg] = await Promise.all([page.waitForEvent('download'), page.click('#btn-svg')]);
  assert.equal(svg.suggestedFilename(), 'foo.svg');
  const svgPath = path.join(artifacts, 'export.svg');
  await svg.saveAs(svgPath);
  const text = fs.readFileSync(svgPath, 'utf8');
  assert.match(text, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(text, />Conv</);
  assert.match(text, />FooOp</);
  const [png] = await Promise.all([page.waitForEvent('download'), page.click('#btn-png')]);
  const pngPath = path.join(artifacts, 'export.png');
  await png.saveAs(pngPath);
  assert.deepEqual([...fs.readFileSync(pngPath).subarray(1, 4)], [0x50, 0x4e, 0x47]);  // "PNG"
  await page.click('#btn-direction');
  assert.equal(await page.evaluate(() => window.onnxkitViewer.state.dir), 'h');
  await shot(page, 'horizontal');
  await page.close();
});

test('diff marks the bypassed FooOp as removed', async () => {
  onnxkit('edit', file('foo.onnx'), file('foo_bypassed.onnx'), '--bypass', 'op=devtech::FooOp');
  const summary = onnxkit('diff', file('foo.onnx'), file('foo_bypassed.onnx'), '--html', file('diff.html'));
  assert.match(summary, /- removed node 'FooOp_3' \(devtech::FooOp\)/);
  const page = await open('file://' + file('diff.html'));
  assert.match(await page.textContent('#diff-summary'), /1 removed, 0 added, 0 changed, 3 unchanged/);
  await clickNode(page, 'FooOp_3');
  assert.equal(await page.textContent('#sidebar-body .diff-status'), 'removed');
  const unchanged = await page.evaluate(() => window.onnxkitViewer.data.graphs[0].nodes.filter((n) => n.k === 0 && !n.st).length);
  assert.equal(unchanged, 3);
  await shot(page, 'diff');
  await page.close();
});

/** Starts `onnxkit view --serve`; resolves to [process, url]. */
function serve(model, saveDir) {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, ['view', model, '--serve', '--save-dir', saveDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
      if (m) resolve([p, m[0]]);
    });
    p.on('exit', (code) => reject(new Error('server exited ' + code + ': ' + out)));
  });
}

test('served mode: bypass FooOp, rename, set the input shape, save as; the saved model passes check', async () => {
  const saveDir = fs.mkdtempSync(path.join(work, 'save-'));
  const [server, url] = await serve(file('foo.onnx'), saveDir);
  try {
    // Foreign Host and Origin headers are refused.
    const port = new URL(url).port;
    // (fetch() cannot set Host: node:http can, as a DNS-rebinding page would send it.)
    const foreignHost = await new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/', headers: { Host: 'evil.example:' + port } },
        (res) => { res.resume(); resolve(res.statusCode); }).on('error', reject);
    });
    assert.equal(foreignHost, 403);
    const foreignOrigin = await fetch(url + 'api/save', {
      method: 'POST', headers: { Origin: 'http://evil.example', 'X-Onnxkit': '1' }, body: '{"name":"x.onnx"}',
    });
    assert.equal(foreignOrigin.status, 403);

    const page = await open(url);
    const dialogs = [];
    const answers = [];  // what the next prompts are answered
    page.on('dialog', async (d) => {
      dialogs.push(d.type() + ': ' + d.message());
      if (d.type() === 'prompt') await d.accept(answers.shift());
      else await d.dismiss();
    });
    const edited = async (before) => page.waitForFunction(
      (n) => window.onnxkitViewer.drawCount() > n && /edited/.test(document.getElementById('status').textContent), before);
    await clickNode(page, 'FooOp_3');
    await page.click('#edit-bypass');
    await edited(0);
    const ops = await page.evaluate(() => window.onnxkitViewer.data.graphs[0].nodes.filter((n) => n.k === 0).map((n) => n.t));
    assert.deepEqual(ops, ['Conv', 'BatchNormalization', 'Relu']);
    await shot(page, 'served-bypassed');
    // Rename a node and set the input's shape through the page.
    answers.push('stem_conv');
    await clickNode(page, 'Conv_0');
    let draws = await page.evaluate(() => window.onnxkitViewer.drawCount());
    await page.click('#edit-rename');
    await edited(draws);
    assert.ok(await page.evaluate(() => window.onnxkitViewer.nodeIndex('stem_conv')) >= 0);
    answers.push('2,3,128,128');
    await clickNode(page, 'input');
    draws = await page.evaluate(() => window.onnxkitViewer.drawCount());
    await page.click('#edit-shape');
    await edited(draws);
    await page.click('#btn-model');
    assert.equal(await page.textContent('#model-inputs .graph-input .dims'), '2,3,128,128');
    answers.push('foo_nofoo.onnx', 'foo_nofoo.onnx');
    await page.click('#btn-save');
    await page.waitForFunction(() => /saved/.test(document.getElementById('status').textContent));
    const saved = path.join(saveDir, 'foo_nofoo.onnx');
    assert.ok(fs.existsSync(saved));
    onnxkit('check', saved);
    assert.match(onnxkit('inspect', saved), /input\s+float32\[2,3,128,128\]/);
    assert.match(onnxkit('print', saved), /stem_conv/);
    // Saving again under the same name asks first; declining keeps the file.
    const before = fs.statSync(saved).mtimeMs;
    await page.click('#btn-save');
    await page.waitForFunction(() => /not saved/.test(document.getElementById('status').textContent));
    assert.ok(dialogs.some((d) => d.startsWith('confirm:')));
    assert.equal(fs.statSync(saved).mtimeMs, before);
    // Names with a folder in them are refused.
    const escape = await page.evaluate(async () => (await fetch('/api/save', {
      method: 'POST', headers: { 'X-Onnxkit': '1' }, body: JSON.stringify({ name: '../escape.onnx' }),
    })).status);
    assert.equal(escape, 400);
    assert.ok(!fs.existsSync(path.join(work, 'escape.onnx')));
    await page.close();
  } finally {
    server.kill();
  }
});

test('a model whose names carry markup and script runs no script', async () => {
  const payloads = [
    '<img src=x onerror="window.__pwned=1">',
    '</script><script>window.__pwned=2</script>',
  ];
  // Names with '=' need a backslash before it in rename values.
  const esc = (s) => s.replace(/[\\=,:]/g, (c) => '\\' + c);
  onnxkit('edit', file('foo.onnx'), file('evil.onnx'),
    '--rename-node', esc('Conv_0') + '=' + esc(payloads[0]),
    '--rename-node', esc('Relu_2') + '=' + esc(payloads[1]),
    '--rename-tensor', 'input=' + esc('<svg onload="window.__pwned=3">'));
  onnxkit('view', file('evil.onnx'), '--html', file('evil.html'));
  const page = await open('file://' + file('evil.html'));
  let dialog = false;
  page.on('dialog', async (d) => { dialog = true; await d.dismiss(); });
  await clickNode(page, payloads[0]);
  assert.equal(await page.evaluate(() => document.querySelectorAll('#sidebar-body img, #sidebar-body script').length), 0);
  assert.match(await sidebarText(page), /<img src=x onerror=/);
  await page.fill('#find', 'script');
  await page.waitForSelector('#find-results li');
  await page.press('#find', 'Enter');
  await page.click('#btn-model');
  const [svg] = await Promise.all([page.waitForEvent('download'), page.click('#btn-svg')]);
  const svgText = fs.readFileSync(await svg.path(), 'utf8');
  assert.ok(!svgText.includes('<img') && !svgText.includes('<script'));
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(dialog, false);
  assert.equal(await page.evaluate(() => document.scripts.length), 2);
  await shot(page, 'script-injection');
  await page.close();
});
