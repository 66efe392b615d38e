"""Speed and memory of the default model's shape, without its weights.

usage: python bench/llm_shape.py --vocab ggml-vocab-llama-spm.gguf [--out DIR] [--busy N]

TinyLlama-1.1B-Chat (the default model) cannot be downloaded on every machine we
build on. Its speed does not depend on the values of its weights, only on its shape
and quantization, so this writes a random-weight GGUF with TinyLlama-1.1B-Chat
v1.0's exact shape (22 blocks, n_embd 2048, n_ff 5632, 32 heads / 4 KV heads), its
tokenizer (the Llama SentencePiece vocabulary, 32,000 tokens) and its chat template,
has llama.cpp quantize it to Q4_K_M (the default file's type; ~668 MB), and runs
the daemon's scoring code on it: load time, few-shot prompt evaluation, RSS, and
latency per unknown command for 1, 2 and "auto" threads. Its labels are noise:
accuracy needs the real weights (``shellguard model pull``, then bench/llm.py).

The vocabulary ships in llama.cpp's sources as ``models/ggml-vocab-llama-spm.gguf``
(vocabulary only, no weights), for example inside the llama-cpp-python sdist::

    pip download --no-deps --no-binary :all: llama-cpp-python==0.3.36
    tar xzf llama_cpp_python-0.3.36.tar.gz --wildcards '*/models/ggml-vocab-llama-spm.gguf'

Needs the ``llm`` and ``test`` extras (llama-cpp-python, gguf), 3 GB of free disk
for a few minutes, and about 2 minutes to write and quantize. Prints numbers.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from shellguard.llm.tinymodel import Shape, write_llama  # noqa: E402

#: TinyLlama-1.1B-Chat v1.0's chat template (the Zephyr one), as its GGUF carries it.
TINYLLAMA_TEMPLATE = (
    "{% for message in messages %}\n{% if message['role'] == 'user' %}\n"
    "{{ '<|user|>\n' + message['content'] + eos_token }}\n"
    "{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n"
    "{% elif message['role'] == 'assistant' %}\n"
    "{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n"
    "{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n"
    "{% endfor %}"
)
#: TinyLlama-1.1B-Chat v1.0.
SHAPE = Shape(n_embd=2048, n_ff=5632, blocks=22, heads=32, kv_heads=4, context=2048)


def _vocab(path: Path) -> list[tuple[bytes, float, int]]:
    from gguf import GGUFReader

    reader = GGUFReader(str(path))

    def field(name: str) -> list:
        f = reader.fields[name]
        return [f.parts[i] for i in f.data]

    return list(zip([bytes(p) for p in field("tokenizer.ggml.tokens")],
                    [float(p[0]) for p in field("tokenizer.ggml.scores")],
                    [int(p[0]) for p in field("tokenizer.ggml.token_type")], strict=True))


def quantize(f16: Path, out: Path) -> None:
    """Q4_K_M by llama.cpp's own quantizer (the default file's type)."""
    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_K_M
    params.nthread = os.cpu_count() or 1
    if llama_cpp.llama_model_quantize(str(f16).encode(), str(out).encode(),
                                      ctypes.byref(params)) != 0:
        raise SystemExit("llama.cpp could not quantize the model")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vocab", required=True, type=Path,
                    help="ggml-vocab-llama-spm.gguf from llama.cpp's models/ directory")
    ap.add_argument("--out", type=Path, default=Path("/tmp"), help="where the model is written")
    ap.add_argument("--busy", type=int, default=0, help="busy-loop processes during the latency run")
    args = ap.parse_args()
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    model = args.out / "tinyllama-1.1b-chat-shaped-random.Q4_K_M.gguf"
    if not model.is_file():
        f16 = args.out / "tinyllama-1.1b-chat-shaped-random.F16.gguf"
        t0 = time.perf_counter()
        write_llama(f16, _vocab(args.vocab), SHAPE, "F16", chat_template=TINYLLAMA_TEMPLATE,
                    name="tinyllama-1.1b-chat-shaped-random")
        t1 = time.perf_counter()
        quantize(f16, model)
        f16.unlink()
        print(f"wrote F16 in {t1 - t0:.0f} s, quantized to Q4_K_M in "
              f"{time.perf_counter() - t1:.0f} s")
    print(f"model: {model} ({model.stat().st_size:,} bytes; the real file: 668,788,096)")

    from llm import corpus, latency_only, rss_mb, stratified

    from shellguard.llm.scoring import Scorer

    rss0 = rss_mb()
    scorer = Scorer(model, threads=0, prefix_cache=False)
    info = scorer.info()
    print(f"cold start: load {info['load_s']:.2f} s, few-shot prompt ({info['prefix_tokens']} "
          f"tokens, template {info['template']}, labels {info['form']}) {info['prefix_s']:.1f} s; "
          f"RSS +{rss_mb() - rss0:.0f} MB; load average {os.getloadavg()[0]:.1f}")
    scorer.close()
    Scorer(model, threads=0).close()  # saves the evaluated prompt
    t0 = time.perf_counter()
    scorer = Scorer(model, threads=0)
    print(f"warm start (prompt state read back: {scorer.prefix_from_cache}): ready in "
          f"{time.perf_counter() - t0:.2f} s")
    scorer.close()
    return latency_only(model, [r["command"] for r in stratified(corpus(), 60)], args.busy)


if __name__ == "__main__":
    raise SystemExit(main())
