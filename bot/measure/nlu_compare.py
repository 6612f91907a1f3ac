"""Compare NLU pipelines on the held-out set: `make compare`.

Trains each candidate config's NLU part on data/nlu, times the training, scores intent
classification on tests/nlu/heldout.yml and prints a table (also written to
results/nlu_compare.json). config.yml is the pipeline in use; the others live in
tests/nlu/candidates/.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot import PROJECT_ROOT, save_results
from bot.measure.nlu_eval import evaluate

CANDIDATES = {
    "logistic regression (config.yml)": PROJECT_ROOT / "config.yml",
    "words only (tests/nlu/candidates/words_only.yml)": PROJECT_ROOT / "tests/nlu/candidates/words_only.yml",
}


def train_nlu(config: Path, out_dir: Path) -> float:
    """Train the NLU part of `config`; on failure, stop with the end of Rasa's output."""
    started = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.ops.serve",
            "train",
            "nlu",
            "--config",
            str(config),
            "--nlu",
            "data/nlu",
            "--out",
            str(out_dir),
            "--fixed-model-name",
            "nlu",
        ],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    if result.returncode != 0:
        sys.exit(f"Training {config} failed (exit {result.returncode}):\n{result.stdout[-4000:]}")
    return time.perf_counter() - started


def main() -> int:
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, config in CANDIDATES.items():
            out = Path(tmp) / config.stem
            seconds = train_nlu(config, out)
            result = evaluate(out / "nlu.tar.gz")
            rows[name] = {"train_seconds": round(seconds, 1), **{k: v for k, v in result.items() if k != "errors"}}
            print(
                f"{name}: macro-F1 {result['macro_f1']:.3f}, accuracy {result['accuracy']:.3f}, "
                f"fallbacks {result['fallbacks']}/{result['count']}, NLU training {seconds:.0f} s",
                flush=True,
            )
            for text, want, got in result["errors"]:
                print(f"    {want:>20} -> {got:<20} {text}")
    save_results("nlu_compare.json", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
