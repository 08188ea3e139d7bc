#!/usr/bin/env bash
# Four train_csc.py runs side by side on one GPU machine, each for $MINUTES of wall time from Models/csc, with
# the data carried in a folder ($CARRY, default .gpu; Training/README.md, "GPU runs", says how it is made).
# Checkpoints (float16) and one tar of the logs go to $OUT; score them on a CPU with soup_check.py.
#
#   MINUTES=7.5 bash Training/gpu_csc_runs.sh          # on the device machine; DEVICE=cpu for a smoke test
set -u
CARRY=${CARRY:-.gpu}
OUT=${OUT:-/tmp/gpu_csc_out}
MINUTES=${MINUTES:-7.5}
DEVICE=${DEVICE:-cuda}
WORKERS=${WORKERS:-3}
WORK=$(mktemp -d)
mkdir -p "$OUT"

python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$WORK/site" \
    "$CARRY"/whl/*.whl || exit 1
export PYTHONPATH=$WORK/site
tar -C "$WORK" -xzf "$CARRY/data.tar.gz" && tar -C "$WORK" -xzf "$CARRY/corpus.tar.gz" || exit 1
export BERTD_DATA=$WORK/data LTP_TINY=$CARRY/ltp PYCORRECTOR_WHL=$CARRY/pyc.zip OMP_WAIT_POLICY=PASSIVE
python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__,
      'device', torch.cuda.get_device_name() if torch.cuda.is_available() else 'cpu')" || exit 1

common=(--init-from Models/csc --steps 100000000 --minutes "$MINUTES" --half-checkpoints --device "$DEVICE"
        --workers "$WORKERS" --batch 256 --warmup 0.02 --threads 1 --eval-every 0 --error-model learner --out ""
        --extra-clean "$WORK/199801.txt,$WORK/pos.txt,$WORK/neg.txt")
half=$(python3 -c "print($MINUTES / 2)")
pids=()
run() {  # seed, then the run's own options
    local seed=$1; shift
    python3 Training/train_csc.py "${common[@]}" --seed "$seed" --ckpt "$OUT/g$seed.pt" "$@" \
        >"$WORK/g$seed.log" 2>&1 &
    pids+=($!)
}
run 41 --lr 1e-4 --head-lr 3e-4 --snapshot-every "$half"
run 42 --lr 1e-4 --head-lr 3e-4 --snapshot-every "$half" --fgm 1.0
run 43 --lr 2e-4 --head-lr 6e-4 --snapshot-every "$half"
run 44 --lr 1e-4 --head-lr 3e-4 --real-repeat 4

# a run that dies while the others train stops them all at once (cheap to fix and run again)
status=0
running=("${pids[@]}")
while [ ${#running[@]} -gt 0 ]; do
    still=()
    for p in "${running[@]}"; do
        if kill -0 "$p" 2>/dev/null; then still+=("$p"); else wait "$p" || status=1; fi
    done
    running=("${still[@]}")
    if [ "$status" != 0 ]; then
        echo "a run failed; stopping the others"; kill "${running[@]}" 2>/dev/null; wait; break
    fi
    sleep 5
done

for f in "$WORK"/g*.log; do
    echo "== $f"
    grep -v -i warn "$f" | grep -E "step [0-9]*000/|trained|snapshot|Error|error|Traceback" | tail -25
done
tar -C "$WORK" -czf "$OUT/logs.tar.gz" $(cd "$WORK" && ls g*.log)
ls -la "$OUT"
exit $status
