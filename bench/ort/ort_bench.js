#!/usr/bin/env node
// The ONNX Runtime side of bench/runtime_vs_ort.py: times one model on
// onnxruntime-node (the version package.json pins) and prints one JSON line
// with the fields bench/runtime_bench.cpp prints for onnxkit.
//
//   node ort_bench.js MODEL --shape NAME=D0,D1,... [--threads T] [--warmup W] [--runs R]
//
// Inputs are random normal float32 tensors of the given shapes. Threads:
// intraOpNumThreads = T, sequential execution, all graph optimizations.
// cpu_ms_per_run is the process's CPU time (all threads) over the timed
// runs / runs. create_ms is InferenceSession.create (which also reads the file: ORT does
// both in one call); peak_rss_kb is the process's (node itself included).
'use strict';
const ort = require('onnxruntime-node');

function parseArgs(argv) {
  const args = {shapes: {}, threads: 1, warmup: 3, runs: 20, model: null};
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--shape') {
      const [name, dims] = next().split('=');
      args.shapes[name] = dims.split(',').map(Number);
    } else if (a === '--threads') args.threads = Number(next());
    else if (a === '--warmup') args.warmup = Number(next());
    else if (a === '--runs') args.runs = Number(next());
    else if (!a.startsWith('-') && !args.model) args.model = a;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!args.model) throw new Error('usage: node ort_bench.js MODEL --shape NAME=D0,D1,... [--threads T]');
  return args;
}

function randomNormal(n) {
  // Box-Muller with a fixed-seed LCG, so runs are repeatable.
  const out = new Float32Array(n);
  let s = 12345;
  const uniform = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s + 1) / 2147483649;
  };
  for (let i = 0; i < n; ++i) out[i] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return out;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const options = {
    intraOpNumThreads: args.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
  let t0 = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(args.model, options);
  const createMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const feeds = {};
  for (const name of session.inputNames) {
    const dims = args.shapes[name];
    if (!dims) throw new Error(`no --shape for input '${name}'`);
    feeds[name] = new ort.Tensor('float32', randomNormal(dims.reduce((a, b) => a * b, 1)), dims);
  }
  for (let i = 0; i < args.warmup; ++i) await session.run(feeds);
  const times = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < args.runs; ++i) {
    t0 = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.round(q * (times.length - 1))];
  const batch = Object.values(args.shapes)[0][0];
  console.log(JSON.stringify({
    engine: `onnxruntime-node ${require('onnxruntime-node/package.json').version}`,
    batch,
    threads: args.threads,
    create_ms: Number(createMs.toFixed(3)),
    median_ms: Number(at(0.5).toFixed(3)),
    min_ms: Number(times[0].toFixed(3)),
    p90_ms: Number(at(0.9).toFixed(3)),
    cpu_ms_per_run: Number(((cpu.user + cpu.system) / 1000 / args.runs).toFixed(3)),
    runs: args.runs,
    peak_rss_kb: process.resourceUsage().maxRSS,
  }));
}

main().catch((e) => {
  console.error(`ort_bench: error: ${e.message}`);
  process.exit(1);
});
