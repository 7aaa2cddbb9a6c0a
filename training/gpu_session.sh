#!/bin/bash
# One device call on a lent GPU machine: unpack the data and the weights that
# travelled with the call, train every run of RUNS_FILE side by side from those
# weights (fresh optimizers) for MINUTES, and leave in $OUT what comes back: one
# RUN.tar per run (its weights in float16, log.jsonl, console output).
#
#   training/gpu_session.sh PACK WEIGHTS MINUTES RUNS_FILE [train.py options for every run]
#
# RUNS_FILE: one run a line, "NAME [its own train.py options]"; '#' starts a comment.
# A run whose options hold --from_scratch starts from fresh weights instead of
# WEIGHTS; WEIGHTS "-" carries none (then every run must be from scratch).
# The runs share the GPU: this model leaves most of it idle, and each run's data
# loading takes a CPU core of its own, so three runs cost about the time of one.
# PACK is a `gpu_pack.py data --codec opus --parts 1` folder and WEIGHTS a
# `gpu_pack.py weights --half` prefix, both git-ignored and named in the call's
# carry (with the repository they must stay under 64 MiB). A session has 15
# minutes of device time in all, the machine's start included: MINUTES 7 with a
# timeout_s of 570 leaves room for the unpacking (about a minute) and the end.
# At most 8 files come back, each under 16 MiB: three or four runs a call; a run
# whose tar is larger (a wider model) comes back in pieces, RUN.tar.part-aa, -ab...
# (`cat RUN.tar.part-* | tar -x`).
# Back here: `tar -xf FILES_AT/RUN.tar`, `gpu_pack.py unweights RUN/weights CKPT`,
# then tools/eval_engine.py.
# A rehearsal here: OUT=/tmp/x DEVICE=cpu PYTHON=/usr/bin/python3 training/gpu_session.sh ...
set -euo pipefail
pack=${1:?data pack folder}; weights=${2:?weights prefix}; minutes=${3:?minutes}; runs_file=${4:?runs file}
shift 4
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:?the device call sets OUT}
data=/tmp/earshot-data
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=${OMP_NUM_THREADS:-3}
py=${PYTHON:-python3}  # there, the python3 on PATH holds PyTorch
device=${DEVICE:-cuda}

{ nvidia-smi -L || true; "$py" -c 'import torch; print("torch", torch.__version__)'; } > "$out/machine.txt" 2>&1
start=$(date +%s)
"$py" "$here/gpu_pack.py" undata "$pack" "$data"
[[ "$weights" == - ]] || "$py" "$here/gpu_pack.py" unweights "$weights" /tmp/earshot-init.pt
echo "unpacked in $(( $(date +%s) - start )) s"

runs=()
while read -r run options; do
  [[ -z "$run" || "$run" == \#* ]] && continue
  options=" ${options%%#*} "
  init=(--init_ckpt /tmp/earshot-init.pt)
  if [[ "$options" == *" --from_scratch "* ]]; then
    init=()
    options=${options/ --from_scratch / }
  elif [[ "$weights" == - ]]; then
    echo "$run: no weights travelled; give it --from_scratch" >&2
    exit 2
  fi
  # shellcheck disable=SC2086  # each line's options are words for train.py
  "$py" "$here/train.py" --run "$run" --device "$device" --data_dir "$data" "${init[@]}" \
    --minutes "$minutes" --threads "$OMP_NUM_THREADS" "$@" $options > "/tmp/$run.stdout.log" 2>&1 &
  runs+=("$run:$!")
done < "$runs_file"

failed=0
for entry in "${runs[@]}"; do
  run=${entry%%:*}
  wait "${entry##*:}" || { echo "$run: train.py failed"; failed=1; }
  echo "== $run"; grep -v '"step"' "/tmp/$run.stdout.log" | tail -n 8 | cut -c1-600
  keep=/tmp/back/$run
  mkdir -p "$keep"
  cp "/tmp/$run.stdout.log" "$keep/stdout.log"
  if [[ -f "$here/runs/$run/ckpt.pt" ]]; then
    cp "$here/runs/$run/log.jsonl" "$keep/log.jsonl"
    "$py" "$here/gpu_pack.py" weights "$here/runs/$run/ckpt.pt" "$keep/weights" --half
  fi
  tar -C /tmp/back -cf "$out/$run.tar" "$run"
  if (( $(stat -c %s "$out/$run.tar") > 15 * 1024 * 1024 )); then
    split -b 15M "$out/$run.tar" "$out/$run.tar.part-"
    rm "$out/$run.tar"
  fi
done
ls -la "$out"
exit "$failed"
