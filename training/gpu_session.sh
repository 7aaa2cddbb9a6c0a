#!/bin/bash
# One device call on a lent GPU machine: unpack the data and the weights that
# travelled with the call, train for MINUTES from those weights (fresh optimizer),
# and leave in $OUT what comes back: the weights (two files under the 16 MiB a
# returned file may have), the run's log and its console output.
#
#   training/gpu_session.sh RUN PACK WEIGHTS MINUTES [train.py options]
#
# PACK is a `gpu_pack.py data --codec opus --parts 1` folder and WEIGHTS a
# `gpu_pack.py weights --half` prefix, both git-ignored and named in the call's
# carry (with the repository they must stay under 64 MiB). A session has 15
# minutes of device time in all, the machine's start included: MINUTES 6 with a
# timeout_s of 540 leaves room for the unpacking (about a minute) and the end.
# Back here: `gpu_pack.py unweights FILES_AT/RUN CKPT`, then tools/eval_engine.py.
# A rehearsal here: OUT=/tmp/x DEVICE=cpu PYTHON=/usr/bin/python3 training/gpu_session.sh ...
set -euo pipefail
run=${1:?run name}; pack=${2:?data pack folder}; weights=${3:?weights prefix}; minutes=${4:?minutes}
shift 4
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:?the device call sets OUT}
data=/tmp/earshot-data
export PYTHONUNBUFFERED=1
py=${PYTHON:-python3}  # there, the python3 on PATH holds PyTorch
device=${DEVICE:-cuda}

{ nvidia-smi -L || true; "$py" -c 'import torch; print("torch", torch.__version__)'; } > "$out/machine.txt" 2>&1
start=$(date +%s)
"$py" "$here/gpu_pack.py" undata "$pack" "$data"
"$py" "$here/gpu_pack.py" unweights "$weights" /tmp/earshot-init.pt
echo "unpacked in $(( $(date +%s) - start )) s"

set +e
"$py" "$here/train.py" --run "$run" --device "$device" --data_dir "$data" --init_ckpt /tmp/earshot-init.pt \
  --minutes "$minutes" "$@" 2>&1 | tee "$out/$run.stdout.log" | grep -v '"step"' | tail -n 40
status=${PIPESTATUS[0]}
set -e
cp "$here/runs/$run/log.jsonl" "$out/$run.log.jsonl"
"$py" "$here/gpu_pack.py" weights "$here/runs/$run/ckpt.pt" "$out/$run"
ls -la "$out"
exit "$status"
