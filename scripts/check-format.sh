#!/usr/bin/env bash
# Check, without changing anything, that the C/C++ sources are clang-formatted:
# lists the files that are not and exits 1; exits 2 when clang-format is missing.
# The file list and the rules live in scripts/format.sh (which fixes them).
exec bash "$(dirname "${BASH_SOURCE[0]}")/format.sh" --check "$@"
