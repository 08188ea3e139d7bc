#!/usr/bin/env bash
# Four train_csc.py runs (all with --fgm) side by side on one GPU machine from Models/csc, three for $MINUTES of
# wall time and one for half of it (a shorter schedule, annealed), with the data carried in a folder ($CARRY,
# default .gpu; Training/README.md, "GPU runs", says how it is made). Checkpoints (float16, 10.5 MB each: the
# four last ones and two mid-run snapshots, under the tool's 64 MiB) and one tar of the logs go to $OUT; score
# them on a CPU with soup_check.py. A run that fails leaves the others running (a GPU lease is too short to
# start again). SET=seeds instead runs the first recipe four times (seeds 51-54), all for $MINUTES.
#
#   MINUTES=7.5 bash Training/gpu_csc_runs.sh            # on the device machine; DEVICE=cpu for a smoke test
#   SET=seeds MINUTES=3.4 bash Training/gpu_csc_runs.sh  # right after it, on the still-warm machine
set -u
CARRY=${CARRY:-.gpu}
OUT=${OUT:-/tmp/gpu_csc_out}
MINUTES=${MINUTES:-7.5}
DEVICE=${DEVICE:-cuda}
WORKERS=${WORKERS:-3}
SET=${SET:-mixed}
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
if [ "$SET" = seeds ]; then  # one recipe four times, for a soup
    for seed in 51 52 53 54; do run "$seed" --lr 1e-4 --head-lr 3e-4 --fgm 1.0; done
else
    run 41 --lr 1e-4 --head-lr 3e-4 --fgm 1.0 --snapshot-every "$half"
    run 42 --lr 1e-4 --head-lr 3e-4 --fgm 1.0
    run 43 --lr 5e-5 --head-lr 1.5e-4 --fgm 1.0 --snapshot-every "$half"
    run 44 --lr 1e-4 --head-lr 3e-4 --fgm 1.0 --minutes "$half"
fi

status=0
for p in "${pids[@]}"; do
    wait "$p" || { echo "run with pid $p failed"; status=1; }
done

for f in "$WORK"/g*.log; do
    echo "== $f"
    grep -v -i warn "$f" | grep -E "step [0-9]*000/|trained|snapshot|Error|error|Traceback" | tail -25
done
tar -C "$WORK" -czf "$OUT/logs.tar.gz" $(cd "$WORK" && ls g*.log)
ls -la "$OUT"
exit $status
