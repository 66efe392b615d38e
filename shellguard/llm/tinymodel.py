"""A tiny random-weight llama-architecture GGUF: for tests and for ``doctor``'s build check.

It runs the real llama.cpp path (load, tokenize, evaluate, logits) in milliseconds.
Its answers mean nothing; its value is that it exercises the same code as a real
model. The Q8_0 variant takes ggml's quantized kernels, which is where a build
with AMX kernels dies with SIGILL on virtualised CPUs (llm-field-notes.md §1.1).

Two things the vocabulary must have (llm-field-notes.md §4): the 256 ``<0xXX>``
byte tokens, or tokenizing a character outside the vocabulary (``\\n``, ``é``)
aborts the whole process from C++; and ``head_count_kv`` because the model uses GQA.
Needs the ``gguf`` package (part of the ``llm`` extra) and numpy.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["write_tiny_llama", "write_llama", "Shape", "Vocab", "CHATML_TEMPLATE", "LABEL_WORDS"]

#: A ChatML template like SmolLM2's, so tests exercise the chat-template path.
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

#: Whole words in the vocabulary, so labels and common text get word tokens.
LABEL_WORDS = ("READ", "CREATE", "UPDATE", "DELETE", "Read", "Create", "Update", "Delete",
               "read", "create", "update", "delete", "Command", "Label", "user", "assistant",
               "system")


#: A vocabulary: (token text, score, token type) per token, ids in order.
Vocab = list[tuple[str | bytes, float, int]]


def _vocab(chat: bool) -> Vocab:
    import gguf

    t = gguf.TokenType
    toks = [("<unk>", 0.0, t.UNKNOWN), ("<s>", 0.0, t.CONTROL), ("</s>", 0.0, t.CONTROL)]
    if chat:
        toks += [("<|im_start|>", 0.0, t.CONTROL), ("<|im_end|>", 0.0, t.CONTROL)]
    toks += [(f"<0x{b:02X}>", 0.0, t.BYTE) for b in range(256)]
    toks += [("\u2581", -1.0, t.NORMAL)]
    toks += [(chr(c), -2.0, t.NORMAL) for c in range(33, 127)]
    words: list[str] = []
    for word in LABEL_WORDS:
        words += [word, "\u2581" + word]
    # SPM merges only through vocabulary pieces: add every prefix of each word.
    pieces: dict[str, None] = {}
    for word in words:
        for end in range(2, len(word) + 1):
            pieces.setdefault(word[:end], None)
    toks += [(p, -0.5 + 0.01 * len(p), t.NORMAL) for p in pieces]
    return toks


@dataclass(frozen=True)
class Shape:
    """The hyperparameters of a llama-architecture model."""

    n_embd: int
    n_ff: int
    blocks: int
    heads: int
    kv_heads: int
    context: int = 1024


TINY = {"F32": Shape(64, 128, 2, 4, 2), "Q8_0": Shape(256, 512, 2, 4, 2)}


def write_tiny_llama(path: str | os.PathLike[str], quant: str = "F32", seed: int = 0,
                     chat_template: str | None = CHATML_TEMPLATE) -> Path:
    """Write a random-weight llama GGUF (F32: ~0.6 MB; Q8_0: ~2 MB) and return its path.

    ``chat_template=None`` writes a model without a template (the plain few-shot format).
    """
    if quant not in TINY:
        raise ValueError(f"quant must be F32 or Q8_0, not {quant!r}")
    return write_llama(path, _vocab(chat_template is not None), TINY[quant], quant,
                       chat_template=chat_template, seed=seed, name="shellguard-tiny-random")


def write_llama(path: str | os.PathLike[str], vocab: Vocab, shape: Shape, tensor_type: str,
                chat_template: str | None = None, seed: int = 0,
                name: str = "shellguard-random") -> Path:
    """A random-weight llama GGUF of any shape; 2-D weights as F32, F16 or Q8_0.

    Written one tensor at a time, then moved into place. Token ids 0, 1, 2 are
    <unk>, <s>, </s>.
    """
    import gguf
    import numpy as np

    if tensor_type not in ("F32", "F16", "Q8_0"):
        raise ValueError(f"tensor_type must be F32, F16 or Q8_0, not {tensor_type!r}")
    nv, ne, nff = len(vocab), shape.n_embd, shape.n_ff
    nh, nkv = shape.heads, shape.kv_heads
    hd = ne // nh
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    w = gguf.GGUFWriter(str(tmp), "llama")
    w.add_name(name)
    w.add_context_length(shape.context)
    w.add_embedding_length(ne)
    w.add_block_count(shape.blocks)
    w.add_feed_forward_length(nff)
    w.add_head_count(nh)
    w.add_head_count_kv(nkv)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_dimension_count(hd)
    w.add_rope_freq_base(1e4)
    if tensor_type == "F16":
        w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    w.add_tokenizer_model("llama")
    w.add_token_list([t[0].encode() if isinstance(t[0], str) else t[0] for t in vocab])
    w.add_token_scores([t[1] for t in vocab])
    w.add_token_types([t[2] for t in vocab])
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)
    w.add_add_bos_token(True)
    if chat_template is not None:
        w.add_chat_template(chat_template)
    rng = np.random.default_rng(seed)
    qtype = gguf.GGMLQuantizationType.Q8_0

    def weight(*dims: int):  # type: ignore[no-untyped-def]
        return (rng.standard_normal(dims) * 0.02).astype(np.float32)

    def add(name: str, array) -> None:  # type: ignore[no-untyped-def]
        if array.ndim == 2 and tensor_type == "Q8_0":
            w.add_tensor(name, gguf.quants.quantize(array, qtype), raw_dtype=qtype)
        elif array.ndim == 2 and tensor_type == "F16":
            w.add_tensor(name, array.astype(np.float16))
        else:
            w.add_tensor(name, array)

    ones = np.ones(ne, np.float32)
    add("token_embd.weight", weight(nv, ne))
    for i in range(shape.blocks):
        p = f"blk.{i}."
        add(p + "attn_norm.weight", ones)
        add(p + "attn_q.weight", weight(nh * hd, ne))
        add(p + "attn_k.weight", weight(nkv * hd, ne))
        add(p + "attn_v.weight", weight(nkv * hd, ne))
        add(p + "attn_output.weight", weight(ne, nh * hd))
        add(p + "ffn_norm.weight", ones)
        add(p + "ffn_gate.weight", weight(nff, ne))
        add(p + "ffn_up.weight", weight(nff, ne))
        add(p + "ffn_down.weight", weight(ne, nff))
    add("output_norm.weight", ones)
    add("output.weight", weight(nv, ne))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    os.replace(tmp, path)
    return path
