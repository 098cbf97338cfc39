#!/bin/bash
# One device run on a GPU machine with no network (its own torch and transformers):
# the sheet parser with the MiniLM encoder fully fine-tuned on the GPU over 18,000 generated
# tasks (the held-out phrasings of bench_sheet), then, with SPEED_LIMIT above 0, training and
# batched decoding throughput of that model, GPU and CPU side by side. Results land in $OUT.
# Sized from the first run on an H200 (2026-12-04): at batch 16 a step took 56 ms (2 epochs
# in 3.5 min), and the test evaluation (400 tasks, four decodings) needs over 140 s there, so
# the default batch is 64 and the sheet run's limit leaves about 4 minutes after training.
# Prepare here first (the working tree travels, at most 64 MiB):
#   python -m benchmarks.gpu_pack pack .gpu/minilm      # 45 MB
#   git rev-parse --short HEAD > .gpu/COMMIT
#   move environments/models/*/model.safetensors out of the tree for the run (39 MB; the
#   tracked files would exceed 64 MiB with the encoder) and back after it
#   pip download --no-deps --only-binary=:all: --python-version 3.12 \
#       --platform manylinux2014_x86_64 -d .whl lark sqlglot openpyxl et_xmlfile
# and carry .gpu and .whl. DEVICE, TRAIN, MINUTES and the timeouts can be set for a dry run
# on a CPU (DEVICE=cpu TRAIN=300 MINUTES=0.2 OUT=/tmp/out bash benchmarks/gpu_run.sh).
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=${OMP_NUM_THREADS:-4}
DEVICE=${DEVICE:-cuda} TRAIN=${TRAIN:-18000} MINUTES=${MINUTES:-4} BATCH=${BATCH:-64}
SHEET_LIMIT=${SHEET_LIMIT:-540} SPEED_LIMIT=${SPEED_LIMIT:-0}
# The tree may travel with no .git or a stale one (the first H200 run read an older HEAD):
# .gpu/COMMIT names the commit it was sent at, for the results' provenance.
[ -f .gpu/COMMIT ] && export PARSEINSTR_COMMIT=$(cat .gpu/COMMIT)
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD
ln -sfn ../environments parseinstr/environments
ln -sfn ../grammars parseinstr/grammars
nvidia-smi -L 2>/dev/null || echo "no nvidia-smi"
python3 -m benchmarks.gpu_pack restore /tmp/minilm --source .gpu/minilm || exit 1
date -u +"sheet start %H:%M:%S"
timeout "$SHEET_LIMIT" python3 -m benchmarks.bench_sheet --device "$DEVICE" --minutes "$MINUTES" \
    --train "$TRAIN" --batch-size "$BATCH" --copy-slots --encoder /tmp/minilm --precision bf16 \
    --results sheet_parser_minilm_full_gpu_train$TRAIN --out /tmp/sheet_gpu \
    > "$OUT/sheet.log" 2>&1
echo "sheet rc $?"
tail -12 "$OUT/sheet.log"
cp benchmarks/results/sheet_parser_minilm_full_gpu_train$TRAIN.json "$OUT/"
cp /tmp/sheet_gpu/model/model_card.json "$OUT/sheet_model_card.json"
if [ "$SPEED_LIMIT" -gt 0 ]; then
    date -u +"throughput start %H:%M:%S"
    timeout "$SPEED_LIMIT" python3 -m benchmarks.bench_throughput --devices "$DEVICE,cpu" \
        --epochs 4 --model /tmp/sheet_gpu/model --task sheet --data /tmp/sheet_gpu/test.jsonl \
        --n 32 --batches 1,32 --repeats 1 --results throughput_gpu --out /tmp/bt \
        > "$OUT/throughput.log" 2>&1
    echo "throughput rc $?"
    tail -16 "$OUT/throughput.log"
    cp benchmarks/results/throughput_gpu.json "$OUT/"
fi
date -u +"end %H:%M:%S"
