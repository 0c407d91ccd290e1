#!/usr/bin/env python3
"""One graph-editing pipeline in this process, timed step by step (bench/run_gs.sh).

    /usr/bin/python3 bench/gs_pipeline.py MODEL --impl IMPL [--out OUT.onnx] [--repeats N] [--onnxkit BIN]
    /usr/bin/python3 bench/gs_pipeline.py --table RESULTS.jsonl
    /usr/bin/python3 bench/gs_pipeline.py --median RUNS.jsonl   (the median-total record)
    /usr/bin/python3 bench/gs_pipeline.py --compare A.onnx B.onnx

IMPL and its steps:

  gs               onnx-graphsurgeon: onnx.load, gs.import_onnx, toposort,
                   cleanup, gs.export_onnx, onnx.save
  onnxkit          the onnxkit way: onnxkit.load(path), gs.import_onnx(model)
                   (onnxkit.gs, in place), toposort, cleanup,
                   gs.export_model(graph) (export's rules applied to the IR, no
                   serialization), onnxkit.save
  onnxkit-dropin   the GraphSurgeon recipe with only the import changed:
                   onnx.load, gs.import_onnx(ModelProto) (serialized and read
                   by onnxkit), toposort, cleanup, gs.export_onnx (an
                   onnx.ModelProto), onnx.save
  cli              the same pipeline in C++, no interpreter: the command
                   `onnxkit edit MODEL OUT --toposort --cleanup` (load,
                   toposort, cleanup, save with export's rules) as a child
                   process; only its total is known (wall clock around the
                   child), and its peak RSS is the child's ru_maxrss

Prints one JSON line: seconds per step (the best run of --repeats in this
process, each run starting from a fresh load; later runs reuse the heap the
first one freed, so bench/run_gs.sh runs --repeats 1 in several fresh
processes and keeps the median with --median; cli: the median of --repeats
child processes), their total, the CPU seconds (user + system) of
that run, node counts, the time to import the Python modules (not in the
total), and the peak RSS of the process (ru_maxrss: the process's whole
life, interpreter included), and that peak less the RSS after the imports
("graph" memory: what the pipeline itself added).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

STEPS = ["load", "import", "toposort", "cleanup", "export", "save"]


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run_cli(binary, model_path, out_path):
    """`onnxkit edit` as a child: (wall seconds, CPU seconds, peak RSS MiB, nodes)."""
    s = time.perf_counter()
    proc = subprocess.Popen([binary, "edit", model_path, out_path, "--toposort", "--cleanup", "-q"])
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - s
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit("gs_pipeline: {} edit failed (exit {})".format(binary, proc.returncode))
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def count_nodes(path, binary):
    """Node count of a model, through `onnxkit inspect --json`."""
    out = subprocess.run([binary, "inspect", path, "--json"], check=True, capture_output=True).stdout
    return json.loads(out)["node_count"]


def run_once(impl, model_path, out_path, mods):
    t = {}
    clock = time.perf_counter
    c0 = cpu_seconds()
    if impl in ("gs", "onnxkit-dropin"):  # the same script; `gs` is onnxkit.gs for the drop-in
        onnx, gs = mods
        s = clock(); proto = onnx.load(model_path); t["load"] = clock() - s
        s = clock(); graph = gs.import_onnx(proto); t["import"] = clock() - s
        nodes_before = len(graph.nodes)
        s = clock(); graph.toposort(); t["toposort"] = clock() - s
        s = clock(); graph.cleanup(); t["cleanup"] = clock() - s
        nodes_after = len(graph.nodes)
        s = clock(); exported = gs.export_onnx(graph); t["export"] = clock() - s
        s = clock(); onnx.save(exported, out_path); t["save"] = clock() - s
    elif impl == "onnxkit":
        onnxkit, gs = mods
        s = clock(); model = onnxkit.load(model_path); t["load"] = clock() - s
        s = clock(); graph = gs.import_onnx(model); t["import"] = clock() - s
        nodes_before = len(graph.nodes)
        s = clock(); graph.toposort(); t["toposort"] = clock() - s
        s = clock(); graph.cleanup(); t["cleanup"] = clock() - s
        nodes_after = len(graph.nodes)
        s = clock(); exported = gs.export_model(graph); t["export"] = clock() - s
        s = clock(); onnxkit.save(exported, out_path); t["save"] = clock() - s
    else:
        raise SystemExit("unknown --impl " + impl)
    # Freeing the graph is part of the user's cost too (end of a script or function).
    s = clock()
    t["cpu"] = cpu_seconds() - c0
    del graph, exported
    if impl != "onnxkit":
        del proto
    else:
        del model
    t["free"] = clock() - s
    return t, nodes_before, nodes_after


def import_modules(impl):
    if impl == "gs":
        import onnx
        import onnx_graphsurgeon as gs
        return (onnx, gs), {"onnx_graphsurgeon": gs.__version__, "onnx": onnx.__version__}
    import onnxkit
    import onnxkit.gs as gs
    if impl == "onnxkit":
        return (onnxkit, gs), {}
    import onnx
    return (onnx, gs), {"onnx": onnx.__version__}


def pipeline_cli(args, out):
    runs = sorted(run_cli(args.onnxkit, args.model, out) for _ in range(args.repeats))
    wall, cpu, _ = runs[len(runs) // 2]  # the median process, as run_gs.sh takes for the others
    rec = {"model": os.path.basename(args.model), "impl": "cli",
           "steps": {k: None for k in STEPS}, "total": wall, "cpu": cpu, "free": None,
           "nodes_before": count_nodes(args.model, args.onnxkit),
           "nodes_after": count_nodes(out, args.onnxkit), "startup": 0.0,
           "rss_after_import_mib": 0.0, "peak_rss_mib": max(r[2] for r in runs),
           "repeats": args.repeats, "versions": {}, "out": out, "out_bytes": os.path.getsize(out)}
    print(json.dumps(rec))


def pipeline(args):
    out = args.out or os.path.splitext(args.model)[0] + "." + args.impl + ".out.onnx"
    if args.impl == "cli":
        return pipeline_cli(args, out)
    s = time.perf_counter()
    mods, versions = import_modules(args.impl)
    startup = time.perf_counter() - s
    rss_start = peak_rss_mib()
    runs = [run_once(args.impl, args.model, out, mods) for _ in range(args.repeats)]
    best = min(runs, key=lambda r: sum(r[0][k] for k in STEPS))
    t, before, after = best
    rec = {"model": os.path.basename(args.model), "impl": args.impl,
           "steps": {k: t[k] for k in STEPS}, "total": sum(t[k] for k in STEPS), "cpu": t["cpu"],
           "free": t["free"],
           "nodes_before": before, "nodes_after": after, "startup": startup,
           "rss_after_import_mib": rss_start, "peak_rss_mib": peak_rss_mib(),
           "repeats": args.repeats, "versions": versions, "out": out,
           "out_bytes": os.path.getsize(out)}
    print(json.dumps(rec))


# ---------------------------------------------------------------- table

def fmt_s(x):
    return "–" if x is None else ("{:.3f}".format(x) if x < 10 else "{:.1f}".format(x))


def table(path):
    recs = [json.loads(line) for line in open(path) if line.strip()]
    by = {}
    models = []
    for r in recs:
        if r["model"] not in models:
            models.append(r["model"])
        by[(r["model"], r["impl"])] = r
    impls = [i for i in ["gs", "onnxkit", "onnxkit-dropin", "cli"] if any(k[1] == i for k in by)]
    print("| model | nodes (after cleanup) | impl | " + " | ".join(STEPS) +
          " | total s | CPU s | peak RSS MiB | graph MiB | speed × | CPU speed × | memory × | graph memory × |")
    print("|---|---:|---|" + "---:|" * (len(STEPS) + 8))
    for m in models:
        ref = by.get((m, "gs"))
        for i in impls:
            r = by.get((m, i))
            if r is None:
                continue
            speed = cpu_speed = mem = gmem = "–"
            graph = r["peak_rss_mib"] - r["rss_after_import_mib"]
            if ref is not None and i != "gs":
                speed = "{:.0f}".format(ref["total"] / r["total"]) if ref["total"] / r["total"] >= 10 \
                    else "{:.1f}".format(ref["total"] / r["total"])
                if ref.get("cpu") and r.get("cpu"):
                    cpu_speed = "{:.0f}".format(ref["cpu"] / r["cpu"])
                mem = "{:.1f}".format(ref["peak_rss_mib"] / r["peak_rss_mib"])
                gmem = "{:.1f}".format((ref["peak_rss_mib"] - ref["rss_after_import_mib"]) / graph)
            print("| {} | {:,} ({:,}) | {} | {} | {} | {} | {:.0f} | {:.0f} | {} | {} | {} | {} |".format(
                m, r["nodes_before"], r["nodes_after"], i,
                " | ".join(fmt_s(r["steps"][k]) for k in STEPS), fmt_s(r["total"]),
                fmt_s(r.get("cpu")), r["peak_rss_mib"], graph, speed, cpu_speed, mem, gmem))
    print()
    print("Steps in seconds; onnxkit rows: the median of ONNXKIT_BENCH_REPEATS fresh processes, "
          "onnx-graphsurgeon: one process; CPU s = user + system seconds of that run; "
          "graph MiB = peak RSS less the RSS after the imports; speed × = onnx-graphsurgeon "
          "total / total, CPU speed × the same for CPU s (steadier on a shared machine), "
          "memory × = onnx-graphsurgeon peak RSS / peak RSS, graph memory × the "
          "same for graph MiB. cli: `onnxkit edit MODEL OUT --toposort --cleanup`, one process "
          "(no steps, no interpreter).")


def compare(a_path, b_path):
    """Same nodes (name, op, inputs, outputs, attributes), initializers and
    outputs in both files? Node order may differ (the two toposorts differ)."""
    import onnx

    def summary(path):
        g = onnx.load(path).graph
        nodes = sorted((n.name, n.op_type, tuple(n.input), tuple(n.output),
                        tuple(a.SerializeToString() for a in n.attribute)) for n in g.node)
        inits = sorted((t.name, t.SerializeToString()) for t in g.initializer)
        return nodes, inits, [o.SerializeToString() for o in g.output], [i.SerializeToString() for i in g.input]

    a, b = summary(a_path), summary(b_path)
    what = ["nodes", "initializers", "outputs", "inputs"]
    diff = [w for w, x, y in zip(what, a, b) if x != y]
    print("compare {} vs {}: {}".format(os.path.basename(a_path), os.path.basename(b_path),
                                        "same graph ({} nodes, {} initializers)".format(len(a[0]), len(a[1]))
                                        if not diff else "DIFFERENT " + ", ".join(diff)))
    return 1 if diff else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", nargs="?")
    ap.add_argument("--impl", choices=["gs", "onnxkit", "onnxkit-dropin", "cli"])
    ap.add_argument("--onnxkit", default="build/onnxkit", help="the onnxkit program (--impl cli)")
    ap.add_argument("--out", help="output file (default: next to MODEL)")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--median", metavar="RUNS.jsonl",
                    help="print the record with the median total of RUNS.jsonl (one line per fresh process)")
    ap.add_argument("--table", help="print the markdown table of a JSON-lines file of results")
    ap.add_argument("--compare", nargs=2, metavar=("A.onnx", "B.onnx"),
                    help="check that two outputs hold the same graph")
    a = ap.parse_args()
    if a.compare:
        return compare(*a.compare)
    if a.median:
        with open(a.median) as f:
            runs = sorted((json.loads(line) for line in f if line.strip()), key=lambda r: r["total"])
        rec = runs[len(runs) // 2]
        rec["processes"] = len(runs)
        rec["totals"] = [r["total"] for r in runs]
        print(json.dumps(rec))
    elif a.table:
        table(a.table)
    elif a.model and a.impl:
        pipeline(a)
    else:
        ap.error("MODEL and --impl, or --table")


if __name__ == "__main__":
    sys.exit(main())
