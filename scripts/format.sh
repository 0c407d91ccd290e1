#!/usr/bin/env bash
# Format onnxkit's C and C++ sources in place with clang-format (.clang-format).
#
#   scripts/format.sh            format every file below
#   scripts/format.sh --check    change nothing; list the files that are not
#                                formatted and exit 1 (scripts/check-format.sh)
#
# Files: *.cpp, *.h and *.c under src/ include/ tests/cpp/ tests/fuzz/ examples/
# bench/, tracked or new (git ignores build outputs). CLANG_FORMAT picks the
# binary (default clang-format); exit 2 when it is not installed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

check=0
case ${1:-} in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

clang_format=${CLANG_FORMAT:-clang-format}
if ! command -v "$clang_format" >/dev/null 2>&1; then
  echo "format: $clang_format is not installed (apt-get install clang-format)" >&2
  exit 2
fi

# Tracked files plus untracked ones that are not ignored, so a new file is
# checked before its first commit; deleted-but-tracked files are dropped.
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- \
  'src/*.cpp' 'src/*.h' 'include/*.h' 'tests/cpp/*.cpp' 'tests/cpp/*.h' \
  'tests/fuzz/*.cpp' 'examples/*.cpp' 'examples/*.h' 'examples/*.c' \
  'bench/*.cpp' 'bench/*.h' | sort -u | while read -r f; do [[ -f $f ]] && echo "$f"; done)
if ((${#files[@]} == 0)); then
  echo "format: no C/C++ files found" >&2
  exit 2
fi

if ((check == 0)); then
  "$clang_format" -i "${files[@]}"
  echo "format: formatted ${#files[@]} files with $("$clang_format" --version)"
  exit 0
fi

bad=()
for f in "${files[@]}"; do
  "$clang_format" --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
  printf '%s\n' "${bad[@]}"
  echo "format: ${#bad[@]} of ${#files[@]} files are not clang-formatted; run scripts/format.sh" >&2
  exit 1
fi
echo "format: all ${#files[@]} files clang-formatted ($("$clang_format" --version))"
