#!/usr/bin/env bash
# Builds the Docker image and runs it the ways the README says, against the Discord API emulator.
# Run by hand (about 6 minutes; not part of .ci/run):   bash scripts/docker-check.sh
#   1. prepares Docker (../shared/tools/docker-env.sh, where it exists) and builds the image `newsbot`;
#   2. a bind-mounted data directory owned by another uid than the image's 10001: `ask` with --user
#      answers with sources and leaves an index owned by that uid; without --user it fails in one line;
#      an empty data directory gets the bundled digests; `run` without a token fails in one line;
#   3. `newsbot run` in a container against the emulator on the host's loopback reports healthy,
#      and stops cleanly;
#   4. `docker compose config` needs no DISCORD_TOKEN; `docker compose run --rm newsbot index` writes
#      the index as NEWSBOT_UID;
#   5. cleans up, prints PASS/FAIL lines and a summary, exits 1 on any failure.
# The containers run --read-only with a tmpfs /tmp: the image writes nowhere but /app/data and /tmp.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

IMAGE=newsbot
QUESTION="What did Meta release in April?"
DOCKER_ENV="${DOCKER_ENV:-$repo/../shared/tools/docker-env.sh}"
HEALTH_TIMEOUT="${HEALTH_TIMEOUT:-180}"

passed=0
failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
show() { sed 's/^/    | /' "$@"; }  # indented output of a failed step

work=$(mktemp -d)
container="newsbot-check-$$"
emulator_pid=""
compose=()
project="$work/project"
cleanup() {
    docker rm -f "$container" >/dev/null 2>&1
    if [ ${#compose[@]} -gt 0 ] && [ -d "$project" ]; then
        "${compose[@]}" -f compose.yaml -p "$container" --project-directory "$project" down >/dev/null 2>&1
    fi
    if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null; fi
    rm -rf "$work"
}
trap cleanup EXIT

# The data directories belong to a uid other than the image's 10001, like a host user's ./data.
if [ "$(id -u)" = 0 ]; then owner=4242:4242; else owner="$(id -u):$(id -g)"; fi
uid=${owner%%:*}
new_data() {  # new_data NAME [digests]: a data directory owned by $owner, with the fixture digests or empty
    local dir="$work/$1"
    mkdir -p "$dir"
    if [ "${2:-}" = digests ]; then
        mkdir "$dir/digests" && cp tests/fixtures/digests/* "$dir/digests/"
    fi
    chmod -R a+rX "$dir" && chown -R "$owner" "$dir"
    echo "$dir"
}
one_line_no_traceback() {  # FILE PATTERN: exactly one line on stderr, matching, and no traceback
    [ "$(wc -l <"$1")" -eq 1 ] && grep -q -- "$2" "$1" && ! grep -q Traceback "$1"
}
# The read-only root and tmpfs /tmp prove the image writes nowhere else than /app/data and /tmp.
run_image() { docker run --rm --read-only --tmpfs /tmp "$@"; }

# 1. Docker and the image.
build=(docker build -t "$IMAGE" .)
if [ -f "$DOCKER_ENV" ]; then
    bash "$DOCKER_ENV" 2>"$work/env.log"
    status=$?
    cat "$work/env.log" >&2
    if [ $status -ne 0 ]; then
        fail "docker-env.sh exited $status"
        exit 1
    fi
    # its last line: "docker-env: ready: docker build ... -t newsbot ."
    printed=$(sed -n 's/^docker-env: ready: //p' "$work/env.log" | tail -1)
    if [ -n "$printed" ]; then read -r -a build <<<"$printed"; fi
fi
echo "building: ${build[*]}"
started=$SECONDS
if "${build[@]}" >"$work/build.log" 2>&1; then
    pass "image built in $((SECONDS - started)) s, $(docker image ls "$IMAGE" --format '{{.Size}}' | head -1)"
else
    tail -30 "$work/build.log" | show
    fail "docker build (log above)"
    echo "docker-check: $passed passed, $failed failed"
    exit 1
fi
if [ "$(docker image inspect -f '{{.Config.User}}' "$IMAGE")" = "10001:10001" ]; then
    pass "the image runs as USER 10001:10001 by default"
else
    fail "the image's USER is $(docker image inspect -f '{{.Config.User}}' "$IMAGE"), not 10001:10001"
fi

# 2. A bind-mounted ./data owned by the host user.
data=$(new_data data digests)
if run_image --user "$owner" -v "$data:/app/data" "$IMAGE" ask "$QUESTION" >"$work/ask.out" 2>"$work/ask.err" \
    && grep -q "^Sources:" "$work/ask.out" && grep -q "^\[1\] " "$work/ask.out"; then
    pass "ask with --user $owner answers with sources"
else
    show "$work/ask.out" "$work/ask.err"
    fail "ask with --user $owner"
fi
if [ -d "$data/index" ] && [ "$(stat -c %u "$data/index")" = "$uid" ] && [ -z "$(find "$data/index" ! -uid "$uid")" ]; then
    pass "the index was created in the data directory, owned by uid $uid"
else
    ls -lanR "$data" | head -20 | show
    fail "no index owned by uid $uid in the data directory"
fi

if [ "$uid" != 10001 ]; then
    run_image -v "$data:/app/data" "$IMAGE" ask "$QUESTION" >"$work/denied.out" 2>"$work/denied.err"
    status=$?
    if [ $status -ne 0 ] && one_line_no_traceback "$work/denied.err" "cannot write /app/data (owned by uid $uid, running as uid 10001)"; then
        pass "without --user: exit $status and one line: $(cat "$work/denied.err")"
    else
        show "$work/denied.out" "$work/denied.err"
        fail "without --user: exit $status, expected a one-line 'cannot write' error"
    fi
fi

if run_image -v "$data:/app/data" "$IMAGE" --help >"$work/help.out" 2>&1 && grep -q "usage: newsbot" "$work/help.out"; then
    pass "--help needs no write check"
else
    show "$work/help.out"
    fail "--help"
fi

empty=$(new_data empty)
if run_image --user "$owner" -v "$empty:/app/data" "$IMAGE" index >"$work/seed.out" 2>"$work/seed.err" \
    && grep -q "had no digests/: copied the 3 bundled digests" "$work/seed.err" \
    && [ "$(stat -c %u "$empty/digests")" = "$uid" ] && grep -q "^Indexed 3 digests" "$work/seed.out"; then
    pass "an empty data directory gets the bundled digests (owned by uid $uid) and is indexed"
else
    show "$work/seed.out" "$work/seed.err"
    fail "an empty data directory"
fi

run_image --user "$owner" -v "$data:/app/data" "$IMAGE" run >"$work/notoken.out" 2>"$work/notoken.err"
status=$?
if [ $status -ne 0 ] && one_line_no_traceback "$work/notoken.err" "no Discord token"; then
    pass "run without DISCORD_TOKEN: exit $status and one line: $(cat "$work/notoken.err")"
else
    show "$work/notoken.out" "$work/notoken.err"
    fail "run without DISCORD_TOKEN: exit $status, expected a one-line error"
fi
# No mount at all: the image's own /app/data volume, as uid 10001, is seeded and gets as far as the token.
run_image "$IMAGE" run >"$work/volume.out" 2>"$work/volume.err"
status=$?
if [ $status -ne 0 ] && grep -q "had no digests/: copied the 3 bundled digests" "$work/volume.err" \
    && tail -1 "$work/volume.err" | grep -q "no Discord token" && ! grep -q Traceback "$work/volume.err"; then
    pass "no mount, default uid: the image's volume gets the bundled digests, then the one-line token error"
else
    show "$work/volume.out" "$work/volume.err"
    fail "no mount, default uid"
fi

# 3. The bot against the Discord API emulator on the host's loopback.
PYTHONPATH=tests .venv/bin/python -m discord_emulator >"$work/emulator.out" 2>&1 &
emulator_pid=$!
for _ in $(seq 50); do
    grep -q "^api_base_url=" "$work/emulator.out" && break
    sleep 0.2
done
token=$(sed -n 's/^token=//p' "$work/emulator.out")
api=$(sed -n 's/^api_base_url=//p' "$work/emulator.out")
if [ -z "$api" ]; then
    show "$work/emulator.out"
    fail "the Discord API emulator did not start"
else
    echo "emulator: $api"
    docker run -d --name "$container" --network host --read-only --tmpfs /tmp --user "$owner" \
        -e DISCORD_TOKEN="$token" -e NEWSBOT_DISCORD_API_BASE_URL="$api" -v "$data:/app/data" "$IMAGE" run >/dev/null
    started=$SECONDS
    healthy=0
    while [ $((SECONDS - started)) -lt "$HEALTH_TIMEOUT" ]; do
        if docker exec "$container" newsbot health >"$work/health.out" 2>&1; then
            healthy=1
            break
        fi
        [ "$(docker inspect -f '{{.State.Running}}' "$container" 2>/dev/null)" = true ] || break
        sleep 3
    done
    if [ $healthy = 1 ]; then
        pass "newsbot run connected to the emulator: 'newsbot health' says $(cat "$work/health.out") after $((SECONDS - started)) s"
        docker stop -t 20 "$container" >/dev/null
        code=$(docker inspect -f '{{.State.ExitCode}}' "$container")
        if [ "$code" = 0 ]; then pass "docker stop: the bot closed cleanly (exit 0)"; else fail "docker stop: exit $code"; fi
    else
        docker logs --tail 40 "$container" 2>&1 | show
        show "$work/health.out"
        fail "newsbot run did not report healthy within $HEALTH_TIMEOUT s (container logs above)"
    fi
fi

# 4. Compose: the v2 plugin where installed, else Debian's docker-compose (v1).
if docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
elif command -v docker-compose >/dev/null; then
    compose=(docker-compose)
elif [ "$(id -u)" = 0 ] && apt-get install -y -qq docker-compose >/dev/null 2>&1; then
    compose=(docker-compose)
fi
if [ ${#compose[@]} -eq 0 ]; then
    fail "no docker compose (install the compose plugin or Debian's docker-compose)"
else
    if env -u DISCORD_TOKEN "${compose[@]}" config >"$work/compose.out" 2>&1; then
        pass "${compose[*]} config succeeds without DISCORD_TOKEN"
    else
        show "$work/compose.out"
        fail "${compose[*]} config without DISCORD_TOKEN"
    fi
    # compose.yaml's ./data, relative to another project directory: a fresh data directory
    mkdir -p "$project" && chmod 755 "$project"
    mv "$(new_data compose digests)" "$project/data"
    if env -u DISCORD_TOKEN NEWSBOT_UID="${owner%%:*}" NEWSBOT_GID="${owner##*:}" \
        "${compose[@]}" -f compose.yaml -p "$container" --project-directory "$project" run --rm -T newsbot index \
        >"$work/compose-run.out" 2>&1 \
        && grep -q "^Indexed 3 digests" "$work/compose-run.out" && [ "$(stat -c %u "$project/data/index")" = "$uid" ]; then
        pass "${compose[*]} run --rm newsbot index as NEWSBOT_UID=$uid: $(grep "^Indexed" "$work/compose-run.out")"
    else
        show "$work/compose-run.out"
        fail "${compose[*]} run --rm newsbot index"
    fi
fi

echo "docker-check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
