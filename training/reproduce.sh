#!/usr/bin/env bash
# Rebuilds the bundled model from ../shared/data in one command: every run of
# docs/model/experiments.md that the shipped file descends from, in order, each
# stopped at the step its successor started from, then the word alignment and
# the GGUF export. Usage: [DEVICE=cuda] training/reproduce.sh [OUT.gguf]
#
# Resumable: run it again after an interruption; a finished stage is skipped
# and an unfinished one resumes from its checkpoint (every 5 minutes). The runs
# go to training/runs/repro-*, beside (never over) the original runs. Time on
# this machine kind: about 5 hours 40 minutes of one core up to r12 (the model
# card's 312 CPU training minutes, 8 of word alignment, the data preparation),
# then g01: 8 minutes on a GPU (DEVICE=cuda) or about 7 hours here; OUT defaults to
# training/runs/repro-earshot-default.gguf, so the shipped file is not replaced.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-training/runs/repro-earshot-default.gguf}
py=/usr/bin/python3  # Debian's torch lives with the system Python, not pyenv's
export OMP_NUM_THREADS=1

scripts/install-deps
[[ -f training/data/train.jsonl ]] || nice "$py" training/prepare_data.py

step_of() {
  "$py" -c 'import sys, torch; print(torch.load(sys.argv[1], map_location="cpu")["step"])' "$1"
}

# stage RUN PARENT UNTIL [train.py options]: RUN starts from PARENT's checkpoint
# (PARENT "-" = from scratch) and trains until step UNTIL.
stage() {
  local run=repro-$1 parent=$2 until=$3
  shift 3
  local dir=training/runs/$run
  if [[ -f $dir/ckpt.pt && $(step_of "$dir/ckpt.pt") -ge $until ]]; then
    echo "reproduce: $run done (step $until)"
    return
  fi
  if [[ $parent != - && ! -f $dir/ckpt.pt ]]; then
    mkdir -p "$dir"
    cp "training/runs/repro-$parent/ckpt.pt" "$dir/ckpt.pt"
  fi
  echo "reproduce: $run until step $until"
  "$py" training/train.py --run "$run" --threads 1 --ctc_units chars --minutes 100000 --max_steps "$until" \
    --max_batch_s 16 --warmup_steps 300 --eval_every 500 --eval_ar_every 1000000 "$@"
}

# r03: CTC over characters alone.
stage r03-ctc-chars - 6500 --schedule_steps 8000 --ce_start_step 1000000
# r04: + the decoder's cross-entropy.
stage r04-ce-after-ctc r03-ctc-chars 7669 --schedule_steps 16000 --ce_start_step 6575
# r05 (text dropout) is a dead end of its own, but its CTC head timed the words.
stage r05-text-dropout-05 r04-ce-after-ctc 8522 --schedule_steps 16000 --ce_start_step 6575 --text_dropout 0.5
# r06: + guided attention.
stage r06-guided-attention r04-ce-after-ctc 9193 --schedule_steps 16000 --ce_start_step 6575 --guide_weight 0.5
words=training/data/train.words.jsonl
if [[ ! -f $words ]]; then
  "$py" training/align_words.py training/runs/repro-r05-text-dropout-05/ckpt.pt --out "$words"
fi
guided=(--schedule_steps 16000 --ce_start_step 6575 --guide_weight 0.5 --crop_prob 0.5)
# r07: + word crops.
stage r07-guided-word-crops r06-guided-attention 10268 "${guided[@]}"
# r08: guided heads whose values are their own, window 1024, to the shipped step.
stage r08-guided-own-values r07-guided-word-crops 21394 "${guided[@]}" --window 1024 --guide_layers 3,4,5

# r12: a warm restart of the schedule; only its first 1645 steps lead to the shipped file.
stage r12-warm-restart r08-guided-own-values 23039 "${guided[@]}" --window 1024 --guide_layers 3,4,5 \
  --lr 6e-4 --restart_step 21394 --schedule_steps 8000

# fork RUN PARENT UNTIL [train.py options]: RUN starts from PARENT's weights with a
# fresh optimizer and schedule (--init_ckpt) and trains until step UNTIL.
fork() {
  local run=repro-$1 parent=training/runs/repro-$2/ckpt.pt until=$3
  shift 3
  local dir=training/runs/$run init=()
  if [[ -f $dir/ckpt.pt && $(step_of "$dir/ckpt.pt") -ge $until ]]; then
    echo "reproduce: $run done (step $until)"
    return
  fi
  [[ -f $dir/ckpt.pt ]] || init=(--init_ckpt "$parent")
  echo "reproduce: $run until step $until"
  "$py" training/train.py --run "$run" "${init[@]}" --ctc_units chars --window 1024 --ce_start_step 0 \
    --guide_weight 0.5 --guide_layers 3,4,5 --crop_prob 0.5 --max_steps "$until" --minutes 100000 \
    --eval_ar_every 1000000 "$@"
}

# g01: 240 s of audio a step from r12's weights, on the data that travelled to the
# GPU machine: three sets, mu-law coded (gpu_pack.py). DEVICE=cuda on a GPU
# machine: about 8 minutes; on this CPU about 7 hours of one core.
if [[ ! -f training/data-g01/train.jsonl ]]; then
  "$py" training/gpu_pack.py data training/data training/data-g01-pack --parts 1 --dev 60
  "$py" training/gpu_pack.py undata training/data-g01-pack training/data-g01
fi
fork g01-gpu-batch240 r12-warm-restart 2428 --device "${DEVICE:-cpu}" --threads 2 --data_dir training/data-g01 \
  --max_batch_s 240 --lr 1e-3 --warmup_steps 100 --schedule_steps 1800 --eval_every 200 --n_eval_ctc 60
g01=training/runs/repro-g01-gpu-batch240

"$py" training/export_gguf.py $g01/ckpt.pt \
  --tokenizer training/data/tokenizer-1024.json --type q8_0 --single "$out" --name earshot-default
echo "reproduce: wrote $out; score it with: $py tools/eval_engine.py --gguf $out"
