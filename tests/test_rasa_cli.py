"""Rasa's own checks on the training data and the trained model (models/career.tar.gz)."""

import os
import subprocess

from bot import PROJECT_ROOT

RASA = str(PROJECT_ROOT / ".venv" / "bin" / "rasa")
MODEL = PROJECT_ROOT / "models" / "career.tar.gz"
ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}


def rasa(*args, timeout=600):
    return subprocess.run([RASA, *args], cwd=PROJECT_ROOT, env=ENV, capture_output=True, text=True, timeout=timeout)


def test_training_data_is_valid():
    result = rasa(
        "data",
        "validate",
        "--fail-on-warnings",
        "--config",
        "config.yml",
        "--domain",
        "domain.yml",
        "--data",
        "data/nlu",
        "data/rules.yml",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_model_was_trained():
    assert MODEL.exists(), "run `make train` (make test does it first)"


def test_test_stories_pass_without_prediction_errors(tmp_path):
    result = rasa(
        "test",
        "core",
        "--model",
        str(MODEL),
        "--stories",
        "tests/test_stories.yml",
        "--endpoints",
        "endpoints.yml",
        "--fail-on-prediction-errors",
        "--out",
        str(tmp_path / "core"),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
