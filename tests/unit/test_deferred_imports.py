"""expectations._deferred: scipy.stats and altair are imported on first use, and work as themselves when used."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

# In a fresh interpreter: this test process has long imported both (other tests use GX freely).
PROBE = textwrap.dedent("""
    import json, sys
    from datetime import date
    sys.path[:0] = ["tests"]
    from expectations import events
    from expectations._deferred import loaded
    from netra.contracts.decode import decode
    from support import report_filed

    bad = report_filed()
    bad["payload"]["filed_on"] = "1999-12-31"
    batch = [decode(json.dumps(e).encode(), topic=None).event for e in (report_filed(), bad)]
    reasons = events.validate_batch(batch, today=date(2025, 6, 30))
    out = {"after_validation": {"scipy.stats": loaded("scipy.stats"), "altair": loaded("altair")},
           "reasons": reasons}

    import great_expectations as gx
    import pandas as pd
    from scipy import stats
    out["entropy"] = float(stats.entropy([0.5, 0.5]))
    out["stats_is_real"] = sys.modules["scipy.stats"].__class__.__name__ == "module"
    import altair as alt
    out["chart"] = alt.Chart(pd.DataFrame({"x": [1]})).mark_bar().to_dict()["mark"]["type"]
    # GX's own use of both: the expectation whose module imports them, validated and rendered
    context = gx.get_context(mode="ephemeral")
    batch = context.data_sources.add_pandas("p").add_dataframe_asset("a").add_batch_definition_whole_dataframe("w")
    kl = gx.expectations.ExpectColumnKLDivergenceToBeLessThan(
        column="x", partition_object={"values": [1, 2], "weights": [0.5, 0.5]}, threshold=0.6)
    result = batch.get_batch(batch_parameters={"dataframe": pd.DataFrame({"x": [1, 2, 1, 2]})}).validate(kl)
    out["kl_success"] = bool(result.success)
    print(json.dumps(out))
""")


def test_validation_leaves_them_unloaded_and_their_first_use_loads_the_real_modules():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=300, check=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["after_validation"] == {"scipy.stats": False, "altair": False}, "GX ran without them"
    assert out["reasons"][0] == [] and any(r.startswith("date.out_of_range") for r in out["reasons"][1])
    assert abs(out["entropy"] - 0.6931471805599453) < 1e-12 and out["stats_is_real"]
    assert out["chart"] == "bar"
    assert out["kl_success"] is True
