#!/usr/bin/env python3
# The peers bertd's EngineBenchmark is compared with: PyTorch (torch.inference_mode) and, when it can be
# exported, ONNX Runtime, on the same shapes, random weights and thread counts.
#
# Pinned versions: torch==2.13.0+cpu transformers==4.57.6 onnxruntime==1.32.0 onnx==1.23.2
# Usage: engine_peer.py [--shape base|small] [--tokens 128] [--batch 1] [--threads 1,2] [--runs 10] [--mlm] [--ort]
#                       [--int8]
# Prints `result engine=... median_ms=... gflops=...` lines in EngineBenchmark's format.
# --int8 runs each peer's own dynamic quantization of the Linear layers to 8 bits (torch.ao quantize_dynamic,
# qint8; onnxruntime.quantization.quantize_dynamic, QInt8 weights), as bertd --precision int8 does.
import argparse
import os
import statistics
import sys
import tempfile
import time

import torch
from transformers import BertConfig, BertForMaskedLM, BertModel


def config(shape):
    layers, hidden, heads, intermediate = (4, 312, 12, 1200) if shape == "small" else (12, 768, 12, 3072)
    return BertConfig(vocab_size=21128, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                      intermediate_size=intermediate, max_position_embeddings=512)


def flops(c, tokens, batch, mlm):
    h, i, n = c.hidden_size, c.intermediate_size, tokens
    total = c.num_hidden_layers * (2 * n * (4 * h * h + 2 * h * i) + 4 * n * n * h)
    if mlm:
        total += 2 * n * (h * h + h * c.vocab_size)
    return total * batch


def median_ms(run, runs):
    for _ in range(2):
        run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times), min(times)


def report(engine, args, threads, times, work):
    head = "mlm" if args.mlm else "encoder"
    engine += "-int8" if args.int8 else ""
    ms, best = times
    print(f"result engine={engine} shape={args.shape} head={head} batch={args.batch} tokens={args.tokens} "
          f"threads={threads} median_ms={ms:.2f} min_ms={best:.2f} gflops={work / ms / 1e6:.1f}", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shape", default="base")
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--mlm", action="store_true")
    parser.add_argument("--ort", action="store_true")
    parser.add_argument("--int8", action="store_true", help="dynamic 8-bit quantization of the Linear layers")
    parser.add_argument("--onnx-cache", default=None, help="folder to keep exported models in between runs")
    args = parser.parse_args()
    threads = [int(t) for t in args.threads.split(",")]

    torch.manual_seed(0)
    c = config(args.shape)
    model = (BertForMaskedLM(c) if args.mlm else BertModel(c)).eval()
    exported = model
    if args.int8:
        model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    ids = torch.randint(1000, 21000, (args.batch, args.tokens))
    mask = torch.ones_like(ids)
    work = flops(c, args.tokens, args.batch, args.mlm)

    for t in threads:
        torch.set_num_threads(t)
        with torch.inference_mode():
            ms = median_ms(lambda: model(input_ids=ids, attention_mask=mask), args.runs)
        report("pytorch", args, t, ms, work)

    if not args.ort:
        return
    try:
        import onnxruntime as ort
        folder = args.onnx_cache or tempfile.mkdtemp(prefix="bertd-bench-")
        os.makedirs(folder, exist_ok=True)
        # Same seed, same weights: an export of this shape and head can be reused by later rounds.
        path = os.path.join(folder, f"{args.shape}-{'mlm' if args.mlm else 'encoder'}.onnx")
        if not os.path.exists(path):
            with torch.inference_mode():
                torch.onnx.export(exported, (ids, mask), path, input_names=["input_ids", "attention_mask"],
                                  output_names=["out"], opset_version=17, dynamo=False,
                                  dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                                "attention_mask": {0: "batch", 1: "tokens"}})
        if args.int8:
            from onnxruntime.quantization import QuantType, quantize_dynamic
            quantized = path.replace(".onnx", ".int8.onnx")
            if not os.path.exists(quantized):
                quantize_dynamic(path, quantized, weight_type=QuantType.QInt8)
            path = quantized
    except Exception as error:  # the exporter needs extra packages on some torch versions
        print(f"onnxruntime: skipped ({type(error).__name__}: {error})", file=sys.stderr)
        return
    feeds = {"input_ids": ids.numpy(), "attention_mask": mask.numpy()}
    for t in threads:
        options = ort.SessionOptions()
        options.intra_op_num_threads = t
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        ms = median_ms(lambda: session.run(None, feeds), args.runs)
        report("onnxruntime", args, t, ms, work)


if __name__ == "__main__":
    main()
