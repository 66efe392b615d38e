"""The ``[llm]`` table of the config file: defaults, checks, and what ``shellguard config`` shows.

```toml
[llm]
enabled = true                 # false: unknown commands get the verb heuristic only
model = "tinyllama-1.1b-chat"  # a built-in name or one under [llm.models.NAME]
# path = "~/models/my.gguf"    # or a local GGUF used in place (optional sha256)
# url = "https://..."          # or a GGUF by URL, with
# sha256 = "64 hex digits"
inference_timeout_ms = 2000    # past this the heuristic's answer (ask) stands
threads = "auto"               # per command: "auto" (all free cores, up to 4) or a number
confidence = 0.6               # below: the heuristic's class stays, the model's guess is shown
read_confidence = 0.9          # at or above (and allow_read): the model may let READ pass
allow_read = false             # false | "known" (programs the rules know) | true
idle_unload_s = 900            # the model daemon exits after this long without a request
calibrate = true               # contextual calibration of the label probabilities

[llm.models.my-model]          # more models by name
url = "https://example.org/my-model.Q4_K_M.gguf"
sha256 = "..."
size = 123456789               # optional
```
Problems become one line naming the key; the default stays in force.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["LlmSettings", "DEFAULTS", "KEYS"]

DEFAULTS: dict[str, object] = {
    "enabled": True,
    "model": "tinyllama-1.1b-chat",
    "inference_timeout_ms": 2000,
    "threads": "auto",
    "confidence": 0.6,
    "read_confidence": 0.9,
    "allow_read": False,
    "idle_unload_s": 900,
    "calibrate": True,
}
#: Every key the [llm] table may hold (config.py's _LLM_KEYS must list them).
KEYS = frozenset(DEFAULTS) | {"models", "path", "url", "sha256"}


@dataclass
class LlmSettings:
    enabled: bool = True
    inference_timeout_ms: int = 2000
    threads: int = 0  # 0: "auto"
    confidence: float = 0.6
    read_confidence: float = 0.9
    allow_read: bool | str = False
    idle_unload_s: int = 900
    calibrate: bool = True
    raw: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_table(cls, table: dict | None) -> LlmSettings:
        table = dict(table or {})
        s = cls(raw=table)

        def bad(key: str, want: str) -> None:
            s.problems.append(f"'llm.{key}' must be {want} (got {table[key]!r}); "
                              f"using {DEFAULTS[key]!r}")

        if "enabled" in table:
            if isinstance(table["enabled"], bool):
                s.enabled = table["enabled"]
            else:
                bad("enabled", "true or false")
        if "calibrate" in table:
            if isinstance(table["calibrate"], bool):
                s.calibrate = table["calibrate"]
            else:
                bad("calibrate", "true or false")
        for key, lo, hi in (("inference_timeout_ms", 10, 600_000), ("idle_unload_s", 5, 7 * 86400)):
            if key in table:
                v = table[key]
                if isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi:
                    setattr(s, key, v)
                else:
                    bad(key, f"a whole number from {lo} to {hi}")
        if "threads" in table:
            v = table["threads"]
            if v == "auto":
                s.threads = 0
            elif isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 256:
                s.threads = v
            else:
                bad("threads", 'a whole number from 1 to 256, or "auto"')
        for key in ("confidence", "read_confidence"):
            if key in table:
                v = table[key]
                if isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 1:
                    setattr(s, key, float(v))
                else:
                    bad(key, "a number from 0 to 1")
        if "allow_read" in table:
            v = table["allow_read"]
            if isinstance(v, bool) or v == "known":
                s.allow_read = v
            else:
                bad("allow_read", 'false, "known" or true')
        return s

    def effective(self) -> list[tuple[str, object, bool]]:
        """(key, value, set in the file) for every setting, for ``shellguard config``."""
        from shellguard.llm import catalog

        rows: list[tuple[str, object, bool]] = [("enabled", self.enabled, "enabled" in self.raw)]
        try:
            catalog.configured(self.raw)
        except catalog.CatalogError as exc:
            self.problems.append(str(exc))
        if "model" in self.raw or not ("path" in self.raw or "url" in self.raw):
            rows.append(("model", self.raw.get("model", DEFAULTS["model"]), "model" in self.raw))
        for key in ("path", "url", "sha256"):
            if key in self.raw:
                rows.append((key, self.raw[key], True))
        for key in ("inference_timeout_ms", "threads", "confidence", "read_confidence",
                    "allow_read", "idle_unload_s", "calibrate"):
            value = getattr(self, key)
            rows.append((key, "auto" if key == "threads" and value == 0 else value,
                         key in self.raw))
        return rows


def config_lines(config) -> list[str]:  # type: ignore[no-untyped-def]
    """The ``[llm]`` part of ``shellguard config``: each setting, its value and its source.

    Problems found here are added to ``config.problems``.
    """
    settings = LlmSettings.from_table(config.llm)
    rows = settings.effective()
    lines = ["[llm]"]
    for key, value, from_file in rows:
        shown = ("true" if value else "false") if isinstance(value, bool) else repr(value)
        if isinstance(value, str):
            shown = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        lines.append(f"{key} = {shown}    # {config.source('llm.' + key) if from_file else 'default'}")
    models = config.llm.get("models")
    if isinstance(models, dict):
        for name, entry in models.items():
            lines.append(f"# [llm.models.{name}] = {entry!r}    # {config.source('llm.models')}")
    config.problems.extend(settings.problems)
    return lines
