"""Rasa's own checks on the training data and the trained model (models/career.tar.gz)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import PROJECT_ROOT

# Rasa's own `rasa` script needs TensorFlow, which the install leaves out (bot.rasa_ext.left_out).
RASA = [sys.executable, "-m", "bot.ops.serve"]
MODEL = PROJECT_ROOT / "models" / "career.tar.gz"
ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
VALIDATE = ["data", "validate", "--fail-on-warnings", "--config", "config.yml", "--domain", "domain.yml"]
VALIDATE += ["--data", "data/nlu", "data/rules.yml"]
TEST_STORIES = ["test", "core", "--model", str(MODEL), "--stories", "tests/test_stories.yml"]
TEST_STORIES += ["--endpoints", "endpoints.yml", "--fail-on-prediction-errors", "--no-plot"]  # no matplotlib


class Rasa:
    """`rasa ARGS...` started in `folder` (its output in rasa.log there; --out is `folder`)."""

    def __init__(self, folder: Path, args: list[str]):
        self.log = folder / "rasa.log"
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                [*RASA, *args], cwd=PROJECT_ROOT, env=ENV, stdout=log, stderr=subprocess.STDOUT
            )

    def result(self, timeout: float = 600) -> tuple[int, str]:
        """Its exit code, once it has ended, and the end of what it printed."""
        code = self.process.wait(timeout=timeout)
        return code, self.log.read_text(errors="replace")[-6000:]

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def checks(tmp_path_factory):
    """Both of Rasa's checks, started at once (each keeps a core busy for 7-20 s); what a
    test left running is killed at the end."""
    started = {}
    try:
        started["data"] = Rasa(tmp_path_factory.mktemp("validate"), VALIDATE)
        folder = tmp_path_factory.mktemp("core")
        started["stories"] = Rasa(folder, TEST_STORIES + ["--out", str(folder)])
        yield started
    finally:
        for check in started.values():
            check.kill()


@pytest.mark.servers
def test_training_data_is_valid(checks):
    code, output = checks["data"].result()
    assert code == 0, output


def test_model_was_trained():
    assert MODEL.exists(), "run `make train` (make test does it first)"


@pytest.mark.servers
def test_test_stories_pass_without_prediction_errors(checks):
    code, output = checks["stories"].result()
    assert code == 0, output
