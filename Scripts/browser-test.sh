#!/usr/bin/env bash
# Runs Scripts/browser-test.py against a live `evident serve`:
#
#     Scripts/browser-test.sh EVIDENT_BINARY INDEX_DIR [--screenshot PATH] [more browser-test.py options]
#
# Steps: skip (exit 0) when Chromium or chromedriver is missing (`make setup-browser` installs Debian's chromium
# and chromium-driver), or fail then when BROWSER_TEST_REQUIRED is set (as `make test` sets it); create Scripts/.venv-browser with Selenium from PyPI unless it has it already; start
# `EVIDENT_BINARY serve INDEX_DIR --port PORT` on a free loopback port, logging to a temporary file; wait up to
# SERVER_START_TIMEOUT seconds for GET /health to answer 200 (printing the log and failing if the server exits);
# run the test; stop the server (SIGTERM, then SIGKILL after 10 s) whatever happens. Exits with the test's status.
#
# Environment:
#   EVIDENT_SERVE_COMMAND  a command to start instead of `EVIDENT_BINARY serve INDEX_DIR --port PORT` (then
#                          EVIDENT_BINARY and INDEX_DIR may be left out). It runs under `bash -c "exec …"` with
#                          PORT exported, so it must be one simple command listening on 127.0.0.1:$PORT, e.g.
#                          EVIDENT_SERVE_COMMAND='python3 /tmp/mock_server.py --port $PORT'
#   SERVER_START_TIMEOUT   seconds to wait for /health (default 60)
#   CHROMIUM, CHROMEDRIVER the browser and its driver (default: found on PATH)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv-browser"
python="$venv/bin/python"
start_timeout="${SERVER_START_TIMEOUT:-60}"

die() { echo "browser-test: $*" >&2; exit 1; }

chromium="${CHROMIUM:-$(command -v chromium || true)}"
chromedriver="${CHROMEDRIVER:-$(command -v chromedriver || true)}"
if [[ -z "$chromium" || -z "$chromedriver" ]]; then
    # `make test` installs Chromium first and sets BROWSER_TEST_REQUIRED: there, a missing browser is a failure.
    [[ -z "${BROWSER_TEST_REQUIRED:-}" ]] || die "Chromium or chromedriver is missing (make setup-browser installs them)"
    echo "browser test skipped: Chromium is not installed (make setup-browser installs it)"
    exit 0
fi

positional=()
test_options=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --*=*) test_options+=("$1"); shift ;;
        --*) [[ $# -ge 2 ]] || die "$1 needs a value"; test_options+=("$1" "$2"); shift 2 ;;
        *) positional+=("$1"); shift ;;
    esac
done
if [[ -z "${EVIDENT_SERVE_COMMAND:-}" ]]; then
    [[ ${#positional[@]} -eq 2 ]] || die "usage: Scripts/browser-test.sh EVIDENT_BINARY INDEX_DIR [--screenshot PATH]"
    binary="${positional[0]}"
    index="${positional[1]}"
    [[ -x "$binary" ]] || die "$binary is not an executable (build evident first)"
    [[ -d "$index" ]] || die "$index is not a directory (create an index with evident index first)"
fi

# --- Selenium ------------------------------------------------------------------------------------------------
command -v python3 >/dev/null 2>&1 || die "python3 not found on PATH"
if ! "$python" -c "import selenium" >/dev/null 2>&1; then
    echo "browser-test: installing Selenium into $venv" >&2
    [[ -x "$python" ]] || python3 -m venv "$venv"
    "$python" -m pip install --disable-pip-version-check --quiet "selenium>=4.11,<5"
fi

# --- server --------------------------------------------------------------------------------------------------
PORT="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export PORT
url="http://127.0.0.1:$PORT"
log="$(mktemp -t evident-serve.XXXXXX.log)"
server_pid=""

stop_server() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$server_pid" 2>/dev/null; then
            echo "browser-test: the server ignored SIGTERM for 10 s; killing it" >&2
            kill -KILL "$server_pid" 2>/dev/null || true
        fi
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=""
    rm -f "$log"
}
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -n "${EVIDENT_SERVE_COMMAND:-}" ]]; then
    echo "browser-test: starting $EVIDENT_SERVE_COMMAND (PORT=$PORT)" >&2
    bash -c "exec $EVIDENT_SERVE_COMMAND" >"$log" 2>&1 &
else
    echo "browser-test: starting $binary serve $index --port $PORT" >&2
    "$binary" serve "$index" --port "$PORT" >"$log" 2>&1 &
fi
server_pid=$!

health_status() {
    "$python" - "$url/health" <<'EOF'
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=2) as response:
        print(response.status)
except Exception:
    print(0)
EOF
}

deadline=$((SECONDS + start_timeout))
until [[ "$(health_status)" == 200 ]]; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        wait "$server_pid" && status=0 || status=$?
        server_pid=""
        echo "browser-test: the server exited (status $status) before answering $url/health; its log:" >&2
        cat "$log" >&2
        exit 1
    fi
    if ((SECONDS >= deadline)); then
        echo "browser-test: $url/health did not answer 200 within $start_timeout s; the server's log:" >&2
        cat "$log" >&2
        exit 1
    fi
    sleep 0.5
done
echo "browser-test: server ready at $url" >&2

# --- test ----------------------------------------------------------------------------------------------------
status=0
"$python" "$here/browser-test.py" --url "$url" --chromium "$chromium" --chromedriver "$chromedriver" \
    ${test_options[@]+"${test_options[@]}"} || status=$?
if [[ $status -ne 0 ]]; then
    echo "browser-test: the server's log:" >&2
    cat "$log" >&2
fi
exit "$status"
