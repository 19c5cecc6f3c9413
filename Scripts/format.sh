#!/usr/bin/env bash
# Lints the Swift sources with swift-format and the project's .swift-format (4 spaces, 120 columns).
# `Scripts/format.sh --fix` rewrites the files in place instead.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--fix" ]; then
    swift format format --in-place --parallel --recursive Sources Tests Benchmarks/Benchmarks
else
    swift format lint --strict --parallel --recursive Sources Tests Benchmarks/Benchmarks
fi
