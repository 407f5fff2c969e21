"""The benchmark's path on the real "Accounts Receivable" data set (../shared/samples/ar_latepayment), at one
cut-off: imported through the normal imports, trained on what was known the day before 1 July 2013, it ranks the
invoices open and not yet due on that day better than the customer-mean baseline."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.samples]
BENCH = Path(__file__).resolve().parents[3] / "bench" / "prediction_bench.py"


def bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("prediction_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_model_beats_the_baseline_at_the_july_cut_off(org, samples_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    source = samples_dir / "ar_latepayment" / "WA_Fn-UseC_-Accounts-Receivable.csv"
    b = bench()
    loaded = b.load(org, source, tmp_path, disputes=False)
    assert (loaded["invoices"], loaded["payments"], loaded["disputes"]) == (2466, 2466, 0)
    result = b.score(org, source, date(2013, 7, 1))
    assert (result["model"], result["scored"], result["late"]) == ("logistic_regression", 69, 32)
    assert result["auc"] >= 0.88 and result["auc"] > result["baseline_auc"]
    assert result["brier"] < 0.25
    assert result["validation"]["validated_on"] > 0
