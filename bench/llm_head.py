"""Experiment: a small classifier head on the model's hidden state instead of label logits.

usage: python bench/llm_head.py [--model PATH] [--train N]

The few-shot prefix stays in the KV cache as in production; for each command the
last position's hidden state (``llama_get_embeddings_ith``) becomes a feature vector.
A multinomial logistic regression (numpy, L2) is trained on corpus lines the rules
decide (labelled commands, but not the ones the model would see) and tested on the
lines the rules do not decide, against the verb heuristic and the label-logit path.
Prints numbers; the head is not shipped (it would have to be trained per model).
"""

from __future__ import annotations

import argparse
import glob
import json
import random
import statistics
import sys
import time
from pathlib import Path

import llama_cpp
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from llm import confusion, find_model  # noqa: E402

from shellguard.classify import Classifier  # noqa: E402
from shellguard.llm.scoring import LABELS, Scorer  # noqa: E402

NAMES = [c.name for c in LABELS]


def load_rows() -> tuple[list[dict], list[dict]]:
    """(lines the rules decide, lines the heuristic decides) of tests/corpus."""
    clf = Classifier()
    ruled, heur = [], []
    for path in sorted(glob.glob(str(ROOT / "tests" / "corpus" / "*.jsonl"))):
        for line in Path(path).read_text().splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            v = clf.classify(item["command"], "/nonexistent-bench-dir")
            item["heuristic"] = v.crud.name
            (heur if v.source == "heuristic" else ruled).append(item)
    return ruled, heur


def features(scorer: Scorer, commands: list[str]) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """(hidden states, calibrated label probabilities, ms) for each command."""
    n_embd = scorer.llm.n_embd()
    hidden, probs, ms = [], [], []
    for cmd in commands:
        t = time.perf_counter()
        s = scorer.score(cmd)
        ptr = llama_cpp.llama_get_embeddings_ith(scorer.llm.ctx, -1)
        hidden.append(np.ctypeslib.as_array(ptr, shape=(n_embd,)).copy())
        probs.append(s.probs)
        ms.append((time.perf_counter() - t) * 1000)
    return np.array(hidden), np.array(probs), ms


def train(x: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 600,
          lr: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    w = np.zeros((x.shape[1], 4))
    b = np.zeros(4)
    onehot = np.eye(4)[y]
    for _ in range(steps):
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) / len(x)
        w -= lr * (x.T @ g + l2 * w)
        b -= lr * g.sum(axis=0)
    return w, b


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--train", type=int, default=800)
    args = ap.parse_args()
    model = find_model(args.model)
    if model is None:
        print("no model")
        return 0
    ruled, heur = load_rows()
    rng = random.Random(3)
    train_rows = rng.sample(ruled, min(args.train, len(ruled)))
    print(f"model {model.name}; train on {len(train_rows)} rule-decided lines, test on "
          f"{len(heur)} heuristic-decided lines")
    scorer = Scorer(model, threads=2)
    llama_cpp.llama_set_embeddings(scorer.llm.ctx, True)
    xtr, ptr_, _ = features(scorer, [r["command"] for r in train_rows])
    xte, pte, ms = features(scorer, [r["command"] for r in heur])
    ytr = np.array([NAMES.index(r["class"]) for r in train_rows])
    yte = np.array([NAMES.index(r["class"]) for r in heur])
    mu, sd = xtr.mean(axis=0), xtr.std(axis=0) + 1e-6
    gold = [r["class"] for r in heur]
    heur_pred = [r["heuristic"] for r in heur]
    logit_pred = [NAMES[i] for i in pte.argmax(axis=1)]
    print(f"per command (score + hidden state) median {statistics.median(ms):.1f} ms")
    print(f"verb heuristic: {np.mean([a == b for a, b in zip(gold, heur_pred, strict=True)]):.1%}")
    print(f"label logits (calibrated): {np.mean(pte.argmax(axis=1) == yte):.1%}")
    for l2 in (1e-3, 1e-2, 1e-1):
        w, b = train((xtr - mu) / sd, ytr, l2=l2)
        pred = ((xte - mu) / sd @ w + b).argmax(axis=1)
        train_acc = np.mean(((xtr - mu) / sd @ w + b).argmax(axis=1) == ytr)
        print(f"head on hidden state, l2={l2}: test {np.mean(pred == yte):.1%} "
              f"(train {train_acc:.1%})")
        if l2 == 1e-2:
            head_pred = [NAMES[i] for i in pred]
    print("\nhead (l2=0.01):")
    print(confusion(gold, head_pred))
    print("\nlabel logits:")
    print(confusion(gold, logit_pred))
    scorer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
