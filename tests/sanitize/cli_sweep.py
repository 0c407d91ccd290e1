#!/usr/bin/python3
"""Run the `onnxkit` CLI (built with ASan + UBSan) over many models, good and bad.

Usage: cli_sweep.py [--onnxkit BIN] [--jobs N] [--conformance] [--corrupt] [--run]
                    [-k SUBSTRING] [--limit N] [--shard I/N] [--variants N] [--keep DIR] [-v]

--conformance  every model under $ONNXKIT_SHARED/onnx-tests (or <repo>/../shared):
               inspect --json --shapes, check, infer, convert (binary to
               binary; test_text_syntax.py covers the text syntax); with --run
               also `run` on its test_data_set_0 inputs (--compare-to).
--corrupt      a corpus of corrupted models made here, deterministically: a few
               seed models (the built-in examples and some conformance models
               with subgraphs, sequences and weights) and their text syntax,
               truncated, bit-flipped, overwritten and spliced (--variants each);
               the commands above plus inspect, print, check --json, convert to
               the text syntax and back, edit, view --html, diff (against its
               convert output) and `run --input NAME=random`.
(neither: both.)

A finding is a run that a sanitizer reported on, that died of a signal, that
timed out, or that exited with a status other than 0, 1 (the work failed,
with a message) or 2 (bad usage). Findings are printed with the command and
the sanitizer's report, and the input is copied to --keep (default
/tmp/onnxkit-sweep-findings). Exit status: 0 without findings, 1 with.

Sanitizer options default to detect_leaks=1:abort_on_error=1 and
print_stacktrace=1:halt_on_error=1 unless ASAN_OPTIONS / UBSAN_OPTIONS are set.
"""
import argparse
import concurrent.futures
import os
import random
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "UndefinedBehaviorSanitizer", "AddressSanitizer:DEADLYSIGNAL")
# Seeds of the corrupted corpus: small, and between them they hold subgraphs
# (If, Loop, Scan), sequences, strings, local functions and real weights.
CORRUPT_SEEDS = ["node/test_if", "node/test_loop11", "node/test_scan9_sum",
                 "node/test_sequence_map_identity_1_sequence", "node/test_strnormalizer_nostopwords_nochangecase",
                 "node/test_gelu_tanh_1_expanded", "node/test_optional_get_element_sequence",
                 "pytorch-converted/test_Conv2d", "simple/test_single_relu_model"]


def shared_dir():
    d = os.environ.get("ONNXKIT_SHARED") or os.path.join(REPO, "..", "shared")
    return d if os.path.isdir(d) else None


def run_one(argv, timeout, cwd):
    """(finding text or None, returncode)"""
    try:
        p = subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout}s", None
    err = p.stderr.decode("utf-8", "replace")
    if any(m in err for m in SANITIZER_MARKS):
        return err[-6000:], p.returncode
    if p.returncode < 0:
        return f"killed by signal {-p.returncode}\n{err[-2000:]}", p.returncode
    if p.returncode not in (0, 1, 2):
        return f"exit status {p.returncode}\n{err[-2000:]}", p.returncode
    return None, p.returncode


def model_inputs(path):
    """Names of the graph inputs that are not initializers (python3-onnx), or []."""
    try:
        import onnx
        m = onnx.load(path, load_external_data=False)
    except Exception:
        return []
    inits = {i.name for i in m.graph.initializer}
    return [i.name for i in m.graph.input if i.name not in inits]


def commands(bin_, model, work, full, run_inputs=None, compare_to=None):
    """The CLI calls made on one model file (binary .onnx or text syntax).

    full: every reading command, and the text syntax both ways. Otherwise (the
    conformance models, which tests/python/test_text_syntax.py already takes
    through the text syntax) the ones that do the most with a model."""
    txt = os.path.join(work, "a.txt")
    cmds = [[bin_, "inspect", "--json", "--shapes", model], [bin_, "check", model],
            [bin_, "infer", model, os.path.join(work, "inferred.onnx")],
            [bin_, "convert", model, os.path.join(work, "c.onnx")]]
    if full:
        cmds += [[bin_, "inspect", model], [bin_, "print", model], [bin_, "check", "--json", model],
                 [bin_, "convert", model, txt], [bin_, "convert", txt, os.path.join(work, "b.onnx")],
                 [bin_, "edit", model, os.path.join(work, "e.onnx"), "--set-batch", "8", "--cleanup",
                  "--toposort"],
                 [bin_, "view", model, "--html", os.path.join(work, "v.html")],
                 [bin_, "diff", model, os.path.join(work, "c.onnx"), "--html", os.path.join(work, "d.html")]]
    if run_inputs is not None:
        run = [bin_, "run", model]
        for name, src in run_inputs:
            run += ["--input", f"{name}={src}"]
        if compare_to:
            run += ["--compare-to", compare_to]
        cmds.append(run)
    return cmds


def sweep_model(job):
    bin_, model, full, run_inputs, compare_to, timeout = job
    findings = []
    with tempfile.TemporaryDirectory(prefix="onnxkit-sweep.") as work:
        for argv in commands(bin_, model, work, full, run_inputs, compare_to):
            text, _ = run_one(argv, timeout, work)
            if text:
                findings.append((model, argv, text))
    return model, findings


def conformance_jobs(bin_, shared, args):
    root = os.path.join(shared, "onnx-tests")
    jobs = []
    for suite in sorted(os.listdir(root)):
        sdir = os.path.join(root, suite)
        if not os.path.isdir(sdir):
            continue
        for case in sorted(os.listdir(sdir)):
            model = os.path.join(sdir, case, "model.onnx")
            if not os.path.isfile(model) or (args.k and args.k not in f"{suite}/{case}"):
                continue
            run_inputs = None
            compare_to = None
            data = os.path.join(sdir, case, "test_data_set_0")
            if args.run and os.path.isdir(data):
                names = model_inputs(model)
                files = [os.path.join(data, f"input_{i}.pb") for i in range(len(names))]
                if all(os.path.isfile(f) for f in files):
                    run_inputs = list(zip(names, files))
                    compare_to = data
            jobs.append((bin_, model, False, run_inputs, compare_to, args.timeout))
    return jobs


def mutate(data, rng):
    """One corrupted copy of `data`: truncated, bit-flipped, overwritten or spliced."""
    b = bytearray(data)
    kind = rng.randrange(5)
    if kind == 0 or len(b) < 4:
        return bytes(b[:rng.randrange(max(1, len(b)))])
    if kind == 1:
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
    elif kind == 2:
        for _ in range(rng.randint(1, 3)):
            b[rng.randrange(len(b))] = rng.choice((0x00, 0x01, 0x7f, 0x80, 0xff))
    elif kind == 3:
        i = rng.randrange(len(b))
        b[i:i] = bytes(rng.choice((0x08, 0x0a, 0x12, 0x1a, 0xff, 0x80)) for _ in range(rng.randint(1, 8)))
    else:
        i, j = sorted(rng.randrange(len(b)) for _ in range(2))
        k = rng.randrange(len(b))
        b[k:k] = b[i:j]
    return bytes(b)


def corrupt_jobs(bin_, shared, args, corpus):
    seeds = []
    for name in ("seed", "foo"):
        path = os.path.join(corpus, f"example_{name}.onnx")
        subprocess.run([bin_, "example", name, path], check=True, stdout=subprocess.DEVNULL)
        seeds.append(path)
    if shared:
        for s in CORRUPT_SEEDS:
            path = os.path.join(shared, "onnx-tests", s, "model.onnx")
            if os.path.isfile(path):
                dst = os.path.join(corpus, s.replace("/", "_") + ".onnx")
                shutil.copyfile(path, dst)
                seeds.append(dst)
    texts = []
    for s in seeds:  # the text syntax is untrusted input too
        t = s[:-len(".onnx")] + ".txt"
        if subprocess.run([bin_, "convert", s, t], stdout=subprocess.DEVNULL).returncode == 0:
            texts.append(t)
    rng = random.Random(args.seed)
    jobs = []
    for s in seeds + texts:
        if args.k and args.k not in os.path.basename(s):
            continue
        with open(s, "rb") as f:
            data = f.read()
        names = model_inputs(s) if s.endswith(".onnx") else []
        base, ext = os.path.splitext(os.path.basename(s))
        for v in range(args.variants):
            path = os.path.join(corpus, f"{base}.v{v:03d}{ext}")
            with open(path, "wb") as f:
                f.write(mutate(data, rng))
            inputs = [(n, "random") for n in names] if names else None
            jobs.append((bin_, path, True, inputs, None, args.timeout))
    return jobs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--onnxkit", default=os.path.join(REPO, "build-asan", "onnxkit"))
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("ONNXKIT_JOBS", "2")))
    ap.add_argument("--conformance", action="store_true")
    ap.add_argument("--corrupt", action="store_true")
    ap.add_argument("--run", action="store_true", help="also `run` the conformance models")
    ap.add_argument("-k", help="only models whose name contains this")
    ap.add_argument("--limit", type=int, help="at most this many models")
    ap.add_argument("--shard", default="0/1", help="I/N: only every N-th model, from the I-th (default 0/1)")
    ap.add_argument("--variants", type=int, default=40, help="corrupted copies per seed (default 40)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the corruptions (default 0)")
    ap.add_argument("--timeout", type=int, default=120, help="seconds per command (default 120)")
    ap.add_argument("--keep", default="/tmp/onnxkit-sweep-findings")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    if not (args.conformance or args.corrupt):
        args.conformance = args.corrupt = True
    if not os.access(args.onnxkit, os.X_OK):
        sys.exit(f"cli_sweep: {args.onnxkit} is not built (scripts/build.sh asan)")
    bin_ = os.path.abspath(args.onnxkit)
    os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1")
    os.environ.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    shared = shared_dir()
    if args.conformance and not shared:
        print("cli_sweep: no ../shared (ONNXKIT_SHARED): conformance models skipped")

    corpus = tempfile.mkdtemp(prefix="onnxkit-corrupt.")
    jobs = []
    if args.conformance and shared:
        jobs += conformance_jobs(bin_, shared, args)
    if args.corrupt:
        jobs += corrupt_jobs(bin_, shared, args, corpus)
    shard, shards = (int(x) for x in args.shard.split("/"))
    jobs = jobs[shard::shards]
    if args.limit:
        jobs = jobs[:args.limit]
    print(f"cli_sweep: {len(jobs)} models, {args.jobs} at a time, binary {bin_}", flush=True)

    all_findings = []
    done = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for model, findings in pool.map(sweep_model, jobs):
            done += 1
            if args.verbose or findings:
                print(f"[{done}/{len(jobs)}] {model}: {len(findings)} finding(s)", flush=True)
            elif done % 200 == 0:
                print(f"[{done}/{len(jobs)}]", flush=True)
            for f in findings:
                all_findings.append(f)
                os.makedirs(args.keep, exist_ok=True)
                shutil.copy(model, os.path.join(args.keep, f"{len(all_findings):04d}_" + os.path.basename(model)))
                print("  $ " + " ".join(f[1]) + "\n" + "\n".join("    " + l for l in f[2].splitlines()[-60:]),
                      flush=True)
    shutil.rmtree(corpus, ignore_errors=True)
    print(f"cli_sweep: {len(jobs)} models, {len(all_findings)} finding(s)"
          + (f"; inputs copied to {args.keep}" if all_findings else ""))
    return 1 if all_findings else 0


if __name__ == "__main__":
    sys.exit(main())
