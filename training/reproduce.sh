#!/usr/bin/env bash
# Rebuilds the bundled model from ../shared/data in one command: every run of
# docs/model/experiments.md that the shipped file descends from, in order, each
# stopped at the step its successor started from, the word alignment between
# them, and the GGUF export. Usage: training/reproduce.sh [OUT.gguf]
#
# Resumable: run it again after an interruption; a finished stage is skipped
# and an unfinished one resumes from its checkpoint (every 5 minutes). The runs
# go to training/runs/repro-*, beside (never over) the original runs. On one CPU
# core: about 4 hours 20 minutes to r22 (245 minutes of training, 14 of word
# alignment, 3 of data preparation), then about 7 hours for the two stages that
# ran on a GPU (DEVICE=cuda: about 10 minutes on a GPU), 30 minutes for c03, back
# on the CPU, and about 13 hours for the four GPU stages after it (DEVICE=cuda:
# about 10 minutes), whose last two make s01; then two CPU runs from s01, one
# with synthetic voices (about 55 minutes each, side by side on two cores or 2
# hours on one), whose mean is s11; then the same pair again from s11 (about 70
# minutes side by side), whose mean is s14, and once more from s14 (1200 steps,
# about 45 minutes side by side); the shipped file is the mean of s14 and that
# last pair (s17), and its word model. OUT defaults to
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

# finished RUN UNTIL: true (and says so) when RUN's checkpoint has reached step UNTIL.
finished() {
  local ckpt=training/runs/$1/ckpt.pt
  [[ -f $ckpt && $(step_of "$ckpt") -ge $2 ]] || return 1
  echo "reproduce: $1 done (step $2)"
}

# stage RUN PARENT UNTIL [train.py options]: RUN starts from PARENT's checkpoint
# (PARENT "-" = from scratch, or its own checkpoint when it has one) and trains
# until step UNTIL.
stage() {
  local run=repro-$1 parent=$2 until=$3
  shift 3
  local dir=training/runs/$run
  finished "$run" "$until" && return
  if [[ $parent != - && ! -f $dir/ckpt.pt ]]; then
    mkdir -p "$dir"
    cp "training/runs/repro-$parent/ckpt.pt" "$dir/ckpt.pt"
  fi
  echo "reproduce: $run until step $until"
  "$py" training/train.py --run "$run" --threads 1 --ctc_units chars --minutes 100000 --max_steps "$until" \
    --max_batch_s 16 --eval_every 500 --eval_ar_every 1000000 "$@"
}

# r17: CTC over characters plus a phoneme CTC head on layer 2, no augmentation.
ctc=(--schedule_steps 8000 --warmup_steps 300 --ce_start_step 1000000 --augment false --phone_ctc_weight 0.5)
stage r17-no-augment-phone - 3500 "${ctc[@]}"
# Its CTC head at step 3500 times the training words for the decoder stage's crops
# (kept as ckpt-3500.pt, so that a rerun after an interruption aligns with it too).
r17=training/runs/repro-r17-no-augment-phone
[[ -f $r17/ckpt-3500.pt ]] || cp "$r17/ckpt.pt" "$r17/ckpt-3500.pt"
words=training/data/train.words.jsonl
if [[ ! -f $words ]]; then
  "$py" training/align_words.py "$r17/ckpt-3500.pt" --out "$words"
fi
stage r17-no-augment-phone - 6500 "${ctc[@]}"

# The decoder stage: cross-entropy, guided attention on layers 3-5, window 1024,
# word crops, silence and noise clips, the phoneme head kept; a warm restart.
decoder=(--restart_step 6500 --lr 1e-3 --warmup_steps 100 --ce_start_step 6500 --guide_weight 0.5
  --guide_layers 3,4,5 --window 1024 --crop_prob 0.5 --augment_prob 0 --phone_ctc_weight 0.5)
# r19: a 4000-step cosine; it ran for 50 minutes, to step 13764.
stage r19-decoder-batch16 r17-no-augment-phone 13764 "${decoder[@]}" --schedule_steps 4000
# r21: the same cosine stretched to 16000 steps (a second warm restart).
stage r21-decoder-longer r19-decoder-batch16 22500 "${decoder[@]}" --schedule_steps 16000
# r22: a third warm restart, lr 6e-4, a 10000-step cosine.
stage r22-third-restart r21-decoder-longer 32500 "${decoder[@]}" --restart_step 22500 --lr 6e-4 \
  --schedule_steps 10000 --eval_every 1000
# The GPU stages (run on a lent GPU, training/gpu_runs/*.txt): fresh optimizers at
# 240 s of audio a step, on the three sets that travelled to the GPU machine coded
# as Opus at 16 kbit/s (gpu_pack.py), decoded again here so that the model hears
# what it heard there. DEVICE=cuda runs them on a GPU here (minutes); on one CPU
# core they take about 7 hours more.
device=${DEVICE:-cpu}
opus=training/data-opus
if [[ ! -f $opus/train.jsonl ]]; then
  "$py" training/gpu_pack.py data training/data training/runs/repro-opus-pack --codec opus --parts 1 --dev 60
  "$py" training/gpu_pack.py undata training/runs/repro-opus-pack "$opus"
fi
# fresh_stage RUN PARENT UNTIL DATA DEVICE [train.py options]: RUN starts from PARENT's
# weights with a fresh optimizer at step 0 (as the device calls did), or resumes its
# own checkpoint; r22's losses. (The originals started from float16 copies of their
# parents, the form weights travel in; here the parents stay float32.)
fresh_stage() {
  local run=repro-$1 parent=training/runs/repro-$2/ckpt.pt until=$3 data=$4 dev=$5
  shift 5
  finished "$run" "$until" && return
  echo "reproduce: $run until step $until on $dev"
  "$py" training/train.py --run "$run" --device "$dev" --threads 1 --data_dir "$data" --init_ckpt "$parent" \
    --minutes 100000 --max_steps "$until" --ctc_units chars --window 1024 --ce_start_step 0 \
    --guide_weight 0.5 --guide_layers 3,4,5 --crop_prob 0.5 --phone_ctc_weight 0.5 --eval_ar_every 1000000 "$@"
}
gpu=(--max_batch_s 240 --eval_every 400 --n_eval_ctc 60)
# g03: twice g02's learning rate; the device call's 7 minutes ended at step 1871.
fresh_stage g03-batch240-lr2e-3 r22-third-restart 1871 "$opus" "$device" "${gpu[@]}" --lr 2e-3 \
  --warmup_steps 100 --schedule_steps 1500 --augment_prob 0
# g06: a warm restart from g03 with half the clips augmented; 2.7 minutes, 640 steps.
fresh_stage g06-restart-augment-half g03-batch240-lr2e-3 640 "$opus" "$device" "${gpu[@]}" --lr 1e-3 \
  --warmup_steps 50 --schedule_steps 700 --augment_prob 0.5
# c03: back on one CPU core, all five sets at 16 bits, 64 s a step; about 30 minutes.
fresh_stage c03-cpu-from-g06 g06-restart-augment-half 1500 training/data cpu --max_batch_s 64 --eval_every 500 \
  --lr 3e-4 --warmup_steps 50 --schedule_steps 1500 --augment_prob 0.5
# The second GPU session: all five sets as Opus at 12 kbit/s, and the Spanish
# references for the translation task (apertium, training/make_translations.py).
[[ -f training/data/text_pairs.es.jsonl ]] || nice "$py" training/make_translations.py
opus5=training/data-opus5
if [[ ! -f $opus5/train.jsonl ]]; then
  "$py" training/gpu_pack.py data training/data training/runs/repro-opus5-pack --codec opus --parts 1 --dev 60 \
    --sets librispeech-mini,an4,commonvoice-sample,ljspeech-part,arctic-kathleen --bitrate 12000
  "$py" training/gpu_pack.py undata training/runs/repro-opus5-pack "$opus5"
fi
# g08 and g11 (training/gpu_runs/g08.txt): an 1800-step cosine that the device
# call's 7 minutes cut off at steps 1448 and 1447; g11 adds the translation task.
five=(--lr 1e-3 --warmup_steps 100 --schedule_steps 1800 --augment_prob 0.5)
translate=(--translate_prob 0.1 --text_pair_prob 0.05)
fresh_stage g08-five-sets c03-cpu-from-g06 1448 "$opus5" "$device" "${gpu[@]}" "${five[@]}"
fresh_stage g11-translate-tenth c03-cpu-from-g06 1447 "$opus5" "$device" "${gpu[@]}" "${five[@]}" "${translate[@]}"
# g12 and g13 (training/gpu_runs/g12.txt): each decays its parent on a 650-step cosine.
decay=(--lr 5e-4 --warmup_steps 20 --schedule_steps 650 --augment_prob 0.5 --eval_every 300)
fresh_stage g12-decay-from-g08 g08-five-sets 700 "$opus5" "$device" "${gpu[@]}" "${decay[@]}"
fresh_stage g13-decay-from-g11 g11-translate-tenth 700 "$opus5" "$device" "${gpu[@]}" "${decay[@]}" "${translate[@]}"
# s01: the mean of the two (a model soup).
s01=training/runs/repro-s01-soup-g12-g13
[[ -f $s01/ckpt.pt ]] || "$py" training/average_ckpts.py $s01/ckpt.pt training/runs/repro-g12-decay-from-g08/ckpt.pt \
  training/runs/repro-g13-decay-from-g11/ckpt.pt
# c07 and y01 (session 14): 2000 CPU steps of 64 s from s01, y01 with 1.5 hours of
# synthetic voices reading train text (make_synthetic.py) mixed in. The originals
# started from s01 as exported (Q8_0, through warm_start.py) with their CTC and
# phoneme heads trained again on the frozen model (h01, 300 steps); here s01's own
# float32 weights and heads.
[[ -f training/data/synth_train.jsonl ]] || nice "$py" training/make_synthetic.py --hours 1.5 --seed 1
cpu=(--max_batch_s 64 --eval_every 500 --lr 3e-4 --warmup_steps 50 --schedule_steps 2000 --augment_prob 0.5)
fresh_stage c07-cpu-from-s01 s01-soup-g12-g13 2000 training/data cpu "${cpu[@]}"
synth=(--extra_train_splits synth_train --set_weights
  "librispeech-mini=1,an4=1,commonvoice-sample=2,ljspeech-part=0.5,arctic-kathleen=0.35,synthetic-espeak=0.5,synthetic-festival=0.5")
fresh_stage y01-synthetic-voices s01-soup-g12-g13 2000 training/data cpu "${cpu[@]}" "${synth[@]}"
# s11: their mean.
s11=training/runs/repro-s11-soup-c07-y01
[[ -f $s11/ckpt.pt ]] || "$py" training/average_ckpts.py $s11/ckpt.pt training/runs/repro-c07-cpu-from-s01/ckpt.pt \
  training/runs/repro-y01-synthetic-voices/ckpt.pt
# c08 and y02 (session 15): the same two runs from s11, seed 2.
fresh_stage c08-cpu-from-s11 s11-soup-c07-y01 2000 training/data cpu "${cpu[@]}" --seed 2
fresh_stage y02-synthetic-from-s11 s11-soup-c07-y01 2000 training/data cpu "${cpu[@]}" --seed 2 "${synth[@]}"
# s14: their mean.
s14=training/runs/repro-s14-soup-c08-y02
[[ -f $s14/ckpt.pt ]] || "$py" training/average_ckpts.py $s14/ckpt.pt training/runs/repro-c08-cpu-from-s11/ckpt.pt \
  training/runs/repro-y02-synthetic-from-s11/ckpt.pt
# c09 and y03 (session 15): the pair once more from s14, seed 3, 1200 steps.
short=(--schedule_steps 1200 --eval_every 600 --seed 3)
fresh_stage c09-cpu-from-s14 s14-soup-c08-y02 1200 training/data cpu "${cpu[@]}" "${short[@]}"
fresh_stage y03-synthetic-from-s14 s14-soup-c08-y02 1200 training/data cpu "${cpu[@]}" "${short[@]}" "${synth[@]}"
# s17: the mean of s14 and the two, the shipped file.
last=training/runs/repro-s17-soup-s14-c09-y03
"$py" training/average_ckpts.py $last/ckpt.pt $s14/ckpt.pt training/runs/repro-c09-cpu-from-s14/ckpt.pt \
  training/runs/repro-y03-synthetic-from-s14/ckpt.pt
"$py" training/export_gguf.py $last/ckpt.pt \
  --tokenizer training/data/tokenizer-1024.json --type q8_0 --single "$out" --name earshot-default \
  --window-seconds 4 --ctc-head
# The word model beside it (experiment logs d09, d10), from Debian's text packages
# and the train transcripts: earshot-words.arpa.gz in OUT's folder (the
# engine fuses it by default only beside a file named earshot-default.gguf).
words="$(dirname "$out")/earshot-words.arpa"
nice "$py" training/build_word_lm.py --vocab 20000 --min_count2 4 --min_count3 4 --out "$words"
gzip -9 -n -f "$words"
echo "reproduce: wrote $out and $words.gz; score them with: $py tools/eval_engine.py --gguf $out" \
  "--decode \"--lm $words.gz\""
