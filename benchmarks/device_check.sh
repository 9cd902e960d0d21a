#!/usr/bin/env bash
# Everything this project wants from a lent GPU machine, in one call (see benchmarks/README.md):
#
#   1. the CUDA tests (tests/verify/test_torch_backend.py, test_torch_own_terms.py), which skip without a GPU;
#   2. benchmarks/bench_batched.py --device cuda (a search round batched against one run at a time);
#   3. as much of the GPU gap study (docs/gap.md, n = 512 ... 8192) as STUDY_SECONDS allow: it is
#      stopped with SIGTERM, which leaves a consistent store, and the next call resumes it from
#      examples/gap-two-layer-gpu/runs.jsonl (copy $OUT/runs.jsonl there after each call).
#
# On the device machine, from the repository root:   bash benchmarks/device_check.sh [STUDY_SECONDS]
# Results go under $OUT (the device tool's folder that comes back), at most 8 files.
# The machine's image has torch, numpy, click, sympy, mpmath, hypothesis and pytest; the project
# itself is installed there without dependencies and without the network.
set -uo pipefail
STUDY_SECONDS=${1:-240}
OUT=${OUT:-/tmp/device-check}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
PY=${PYTHON:-python3}

{
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
    "$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
    "$PY" -m pip install -q --no-deps --no-build-isolation -e . && echo "installed overparam-bounds (no deps)"
} > "$OUT/machine.txt" 2>&1

"$PY" -m pytest -q -rs -p no:cacheprovider tests/verify/test_torch_backend.py tests/verify/test_torch_own_terms.py \
    > "$OUT/cuda-tests.txt" 2>&1
echo "cuda tests: exit $?" >> "$OUT/machine.txt"

"$PY" benchmarks/bench_batched.py --device cuda --json "$OUT/bench_batched_cuda.json" > "$OUT/bench_batched_cuda.txt" 2>&1
"$PY" benchmarks/bench_batched.py --device cuda --n 2048 --widths 64,128,256,512,1024,2048 --steps 500 \
    --json "$OUT/bench_batched_cuda_2048.json" >> "$OUT/bench_batched_cuda.txt" 2>&1
echo "bench_batched: exit $?" >> "$OUT/machine.txt"

STUDY=examples/gap-two-layer-gpu
mkdir -p "$STUDY"
timeout -s TERM "$STUDY_SECONDS" "$PY" -m bounds gap --setting two-layer --n 512,1024,2048,4096,8192 --d 10 --seeds 3 \
    --device cuda --workers 1 --criterion interpolation,kernel,rate --criterion-max-n kernel=512 --criterion-max-n rate=1024 \
    --out "$STUDY" --format json > "$OUT/gap.json" 2> "$OUT/gap-log.txt"
echo "gap study: exit $? (124 or 143: stopped at the time budget; rerun to resume)" >> "$OUT/machine.txt"
cp "$STUDY/runs.jsonl" "$OUT/runs.jsonl" 2>/dev/null || true
