#!/usr/bin/env bash
# Runs the whole benchmark: speed (bench_copy.py) then quality (quality.py, all semantic modes side
# by side, and the Netflix catalog with semantic=auto). Figures go to bench/results/ (gitignored):
# copy.json, quality.json, catalog_flags.csv, and the printed reports copy.txt and quality.txt.
# Takes about 3 minutes on 2 CPU cores. Usage: bench/run_all.sh   (or: make bench)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
mkdir -p bench/results
"$PY" bench/bench_copy.py --out bench/results/copy.json | tee bench/results/copy.txt
"$PY" bench/quality.py --semantic all --out bench/results/quality.json \
    | tee bench/results/quality.txt
"$PY" bench/bench_images.py --out bench/results/images.json | tee bench/results/images.txt
