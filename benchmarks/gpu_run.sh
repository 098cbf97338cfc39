#!/bin/bash
# One device run on a GPU machine with no network (its own torch and transformers):
# the sheet parser with the MiniLM encoder fully fine-tuned on the GPU, GeoQuery's MiniLM
# recipe beside it, then training and decoding throughput, GPU and CPU side by side.
# Results land in $OUT. Prepare here first (the working tree travels, at most 64 MiB):
#   python -m benchmarks.gpu_pack pack .gpu/minilm      # 45 MB: leave bundled models behind
#   pip download --no-deps --only-binary=:all: --python-version 3.12 \
#       --platform manylinux2014_x86_64 -d .whl lark sqlglot openpyxl et_xmlfile
# and carry .gpu and .whl.
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=4 MINUTES=${MINUTES:-4}
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD
ln -sfn ../environments parseinstr/environments
ln -sfn ../grammars parseinstr/grammars
nvidia-smi -L
python3 -m benchmarks.gpu_pack restore /tmp/minilm --source .gpu/minilm || exit 1
(
    timeout 400 python3 -m benchmarks.bench_parser --encoders /tmp/minilm --minutes "$MINUTES" \
        --synthetic 3000 --synthetic-ratio 0.6 --epochs 80 --patience 12 --eval-every 2 --half \
        --output-split spaces --beams 5 --results parser_minilm_full_gpu --out /tmp/geo_gpu \
        > "$OUT/geo.log" 2>&1
    cp benchmarks/results/parser_minilm_full_gpu.json "$OUT/"
) &
timeout 420 python3 -m benchmarks.bench_sheet --device cuda --minutes "$MINUTES" --train 3000 \
    --copy-slots --encoder /tmp/minilm --results sheet_parser_minilm_full_gpu \
    --out /tmp/sheet_gpu > "$OUT/sheet.log" 2>&1
tail -25 "$OUT/sheet.log"
cp benchmarks/results/sheet_parser_minilm_full_gpu.json "$OUT/"
wait
tail -12 "$OUT/geo.log"
timeout 140 python3 -m benchmarks.bench_throughput --devices cuda,cpu --epochs 2 \
    --model /tmp/sheet_gpu/model --task sheet --data /tmp/sheet_gpu/test.jsonl --n 96 \
    --repeats 2 --results throughput_gpu --out /tmp/bt > "$OUT/throughput.log" 2>&1
tail -25 "$OUT/throughput.log"
cp benchmarks/results/throughput_gpu.json "$OUT/"
