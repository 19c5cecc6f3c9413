# Sourced by the comparison scripts: describes the machine and sets `pin` to the command that pins a process to
# core 0 (empty when taskset is missing), so that both engines of a comparison run on the same core.
model="$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)"
cores="$(nproc 2>/dev/null || echo '?')"
echo "machine: ${model:-unknown CPU}, ${cores} cores ($(uname -sm))"
pin=()
if command -v taskset >/dev/null 2>&1; then
    pin=(taskset -c 0)
    echo "pinning: both engines on core 0 (taskset -c 0)"
else
    echo "pinning: taskset not found, engines run unpinned"
fi
echo
