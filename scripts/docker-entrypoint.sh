#!/bin/sh
# The Docker image's entry point: `docker run newsbot COMMAND ...` runs `newsbot COMMAND ...` after two
# first-run checks, for the commands that write to the data directory (run, index, ask, eval):
#   - the data directory and its index/ can be written by the uid the container runs as; if not,
#     one line names the path, its owner and the fix (run as the owner), and it exits 1;
#   - a data directory without digests/ (an empty bind mount or volume) gets a copy of the digests
#     bundled in the image, owned by the container's uid, and one line says so.
# Other commands (health, model, --help) start at once.
set -eu

data="${NEWSBOT_DATA_DIR:-/app/data}"
bundled=/app/bundled/digests
command=""
help=0
next_is_data=0
for arg in "$@"; do  # the command is the first word that is not an option; --data may come anywhere
    if [ "$next_is_data" = 1 ]; then
        data="$arg"
        next_is_data=0
        continue
    fi
    case "$arg" in
        --data) next_is_data=1 ;;
        --data=*) data="${arg#--data=}" ;;
        -h | --help) help=1 ;;
        -*) ;;
        *) if [ -z "$command" ]; then command="$arg"; fi ;;
    esac
done

case "$help$command" in
    0run | 0index | 0ask | 0eval) ;;
    *) exec newsbot "$@" ;;
esac

uid=$(id -u)
cannot_write() {
    owner=$(stat -c %u "$1" 2>/dev/null || echo unknown)
    echo "newsbot: cannot write $1 (owned by uid $owner, running as uid $uid): run with" \
        "--user \"\$(id -u):\$(id -g)\" (docker run) or set NEWSBOT_UID/NEWSBOT_GID in .env (docker compose)" >&2
    exit 1
}
writable() { [ -d "$1" ] && [ -w "$1" ] && [ -x "$1" ]; }

if [ ! -e "$data" ]; then
    mkdir -p "$data" 2>/dev/null || cannot_write "$(dirname "$data")"
fi
writable "$data" || cannot_write "$data"
index="${NEWSBOT_INDEX_DIR:-$data/index}"
if [ -e "$index" ]; then  # left by an earlier run under another uid?
    writable "$index" || cannot_write "$index"
    stranger=$(find "$index" -maxdepth 2 ! -writable -print -quit 2>/dev/null || true)
    if [ -n "$stranger" ]; then cannot_write "$stranger"; fi
fi

if [ ! -e "$data/digests" ] && [ -d "$bundled" ]; then
    cp -R "$bundled" "$data/digests"
    echo "newsbot: $data had no digests/: copied the $(ls "$data/digests" | wc -l) bundled digests there" \
        "(mount a directory holding digests/ to use your own)" >&2
elif [ "$command" = run ] && [ -d "$data/digests" ] && ! writable "$data/digests"; then
    echo "newsbot: warning: $data/digests is not writable by uid $uid: /digest add and /digest remove will fail" >&2
fi

exec newsbot "$@"
