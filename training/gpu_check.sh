#!/bin/bash
# The checks that need a GPU machine with transformers (none of them runs in CI):
#   1. check_transformers.py: model.py against transformers' Gemma 4 unified model;
#   2. train.py --device cuda: a short run of the shipped recipe's losses on the GPU,
#      at the CPU runs' batch size and at a GPU-sized batch, for the throughput.
# Usage: training/gpu_check.sh DATA_DIR OUT_DIR [SECONDS_PER_RUN]
# DATA_DIR is a prepare_data.py folder (a subset travels more easily than all of it).
set -u
data=${1:?data folder}; out=${2:?output folder}; seconds=${3:-75}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
export PYTHONUNBUFFERED=1
py=${PYTHON:-python3}
device=${DEVICE:-cuda}  # DEVICE=cpu tries the script on a machine without a GPU

nvidia-smi -L 2>&1 | tee "$out/machine.txt"
"$py" -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)' \
    2>&1 | tee -a "$out/machine.txt"

timeout 240 "$py" "$here/check_transformers.py" --json "$out/transformers_check.json" \
    > "$out/transformers_check.log" 2>&1
echo "transformers check: exit $?"; tail -n 30 "$out/transformers_check.log"

minutes=$(awk "BEGIN { print $seconds / 60 }")
recipe=(--device "$device" --data_dir "$data" --ctc_units chars --window 1024 --ce_start_step 100
        --guide_weight 0.5 --guide_layers 3,4,5 --crop_prob 0.5 --eval_every 300 --n_eval_ctc 15
        --eval_ar_every 300 --n_eval_ar 3 --log_every 25 --minutes "$minutes")
for batch in ${BATCHES:-16 240}; do
    run="gpu-check-batch$batch"
    rm -rf "$here/runs/$run"
    timeout $((seconds + 120)) "$py" "$here/train.py" --run "$run" --max_batch_s "$batch" "${recipe[@]}" \
        > "$out/$run.log" 2>&1
    echo "train.py batch ${batch} s: exit $?"
    grep -v '"event": "start"' "$out/$run.log" | tail -n 6 | cut -c1-400
done
