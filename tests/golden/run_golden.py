#!/usr/bin/python3
"""Golden-file tests of the `onnxkit` command line.

Usage: run_golden.py --onnxkit BIN --golden-dir DIR [--update] [-k SUBSTRING] [-v]

Each case is a pair of files in DIR:

  NAME.cmd   the command to run, on one line, plus comment lines:
               # any text                     a comment
               # setup: COMMAND               run first (in order); must exit 0
               # exit: N                      expected exit status (default 0)
  NAME.out   the expected standard output
  NAME.err   optional: the expected standard error (compared only when present;
             written by --update when the case expects a non-zero exit status)

Commands are split like a POSIX shell would (shlex, no shell runs), then these
placeholders are replaced in every word:
  {onnxkit}  the binary under test       {tmp}     a fresh empty folder per case
  {golden}   the golden folder (for checked-in input files)

Before comparison the output is normalised so that it does not depend on the
machine: the case's temporary folder becomes {tmp}, the golden folder
{golden}, and the binary's version (from `onnxkit --version`) {version}.

--update rewrites the expected files from the actual output (review the diff).
Exit status: 0 when every case passes, 1 otherwise, 2 on bad usage.
"""
import argparse
import difflib
import os
import shlex
import subprocess
import sys
import tempfile

TIMEOUT_S = 120


class Case:
    def __init__(self, path):
        self.path = path
        self.name = os.path.splitext(os.path.basename(path))[0]
        self.setup = []
        self.command = None
        self.exit = 0
        with open(path, encoding="utf-8") as f:
            for lineno, raw in enumerate(f, 1):
                line = raw.strip()
                if not line:
                    continue
                if line.startswith("#"):
                    body = line[1:].strip()
                    if body.startswith("setup:"):
                        self.setup.append(body[len("setup:"):].strip())
                    elif body.startswith("exit:"):
                        self.exit = int(body[len("exit:"):].strip())
                    continue
                if self.command is not None:
                    raise ValueError(f"{path}:{lineno}: more than one command line")
                self.command = line
        if self.command is None:
            raise ValueError(f"{path}: no command line")

    def expected_path(self, ext):
        return os.path.splitext(self.path)[0] + ext


def expand(command, values):
    words = shlex.split(command)
    out = []
    for w in words:
        for key, value in values.items():
            w = w.replace("{" + key + "}", value)
        out.append(w)
    return out


def normalise(text, replacements):
    for actual, placeholder in replacements:
        if actual:
            text = text.replace(actual, placeholder)
    return text


def run(words, cwd):
    env = dict(os.environ, LC_ALL="C", LANG="C")
    return subprocess.run(words, cwd=cwd, env=env, capture_output=True, timeout=TIMEOUT_S)


def decode(data):
    return data.decode("utf-8", errors="replace")


def diff(expected, actual, label):
    return "".join(difflib.unified_diff(
        expected.splitlines(keepends=True), actual.splitlines(keepends=True),
        fromfile=f"{label} (expected)", tofile=f"{label} (actual)"))


def run_case(case, binary, golden_dir, version, update):
    """Returns a list of problems (empty: passed)."""
    with tempfile.TemporaryDirectory(prefix=f"onnxkit-golden-{case.name}-") as tmp:
        tmp = os.path.realpath(tmp)
        values = {"onnxkit": binary, "tmp": tmp, "golden": golden_dir}
        replacements = [(tmp, "{tmp}"), (golden_dir, "{golden}"), (binary, "{onnxkit}"),
                        (version, "{version}")]
        for setup in case.setup:
            p = run(expand(setup, values), tmp)
            if p.returncode != 0:
                return [f"setup `{setup}` exited {p.returncode}:\n{decode(p.stderr)}"]
        p = run(expand(case.command, values), tmp)
        stdout = normalise(decode(p.stdout), replacements)
        stderr = normalise(decode(p.stderr), replacements)

    problems = []
    if p.returncode != case.exit:
        problems.append(f"exit status {p.returncode}, expected {case.exit}; stderr:\n{stderr}")
    out_path, err_path = case.expected_path(".out"), case.expected_path(".err")
    if update:
        if not problems:
            with open(out_path, "w", encoding="utf-8") as f:
                f.write(stdout)
            if case.exit != 0 or os.path.exists(err_path):
                with open(err_path, "w", encoding="utf-8") as f:
                    f.write(stderr)
        return problems
    checks = [(out_path, stdout, "stdout")]
    if os.path.exists(err_path):
        checks.append((err_path, stderr, "stderr"))
    for path, actual, label in checks:
        if not os.path.exists(path):
            problems.append(f"{os.path.basename(path)} is missing; run with --update to create it")
            continue
        with open(path, encoding="utf-8") as f:
            expected = f.read()
        if expected != actual:
            problems.append(diff(expected, actual, f"{case.name} {label}"))
    return problems


def binary_version(binary):
    p = subprocess.run([binary, "--version"], capture_output=True, timeout=TIMEOUT_S)
    words = decode(p.stdout).split()
    return words[-1] if p.returncode == 0 and words else None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--onnxkit", required=True, help="the onnxkit binary to test")
    ap.add_argument("--golden-dir", required=True, help="folder of NAME.cmd / NAME.out files")
    ap.add_argument("--update", action="store_true", help="rewrite the expected files")
    ap.add_argument("-k", dest="pattern", default="", help="only cases whose name contains this")
    ap.add_argument("-v", "--verbose", action="store_true", help="name every case as it runs")
    args = ap.parse_args(argv)

    binary = os.path.realpath(args.onnxkit)
    golden_dir = os.path.realpath(args.golden_dir)
    if not os.access(binary, os.X_OK):
        print(f"run_golden: {args.onnxkit} is not an executable", file=sys.stderr)
        return 2
    version = binary_version(binary)
    if not version:
        print(f"run_golden: `{args.onnxkit} --version` failed", file=sys.stderr)
        return 2

    names = sorted(n for n in os.listdir(golden_dir) if n.endswith(".cmd"))
    cases = [Case(os.path.join(golden_dir, n)) for n in names]
    cases = [c for c in cases if args.pattern in c.name]
    if not cases:
        print("run_golden: no cases", file=sys.stderr)
        return 1

    failed = []
    for case in cases:
        try:
            problems = run_case(case, binary, golden_dir, version, args.update)
        except (OSError, subprocess.SubprocessError, ValueError) as e:
            problems = [str(e)]
        if problems:
            failed.append(case.name)
            print(f"FAIL {case.name}")
            for problem in problems:
                print(problem if problem.endswith("\n") else problem + "\n", end="")
        elif args.verbose or args.update:
            print(f"{'updated' if args.update else 'ok'}   {case.name}")
    print(f"golden: {len(cases) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
