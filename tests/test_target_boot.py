"""Emulated Cortex-M4 target: build, boot under qemu, UART, instruction counter.

Needs arm-none-eabi-gcc and qemu-system-arm (.ci/run installs them); without
them every test here is skipped with the reason in the summary (-rs).
"""

from __future__ import annotations

import re
import warnings

import pytest

from firmware_export.target import build, run
from firmware_export.target.measure import measure

MISSING = build.missing_tools()
if MISSING:
    warnings.warn(f"target tests skipped: {MISSING}", stacklevel=1)
pytestmark = pytest.mark.skipif(MISSING is not None, reason=f"TARGET TOOLCHAIN MISSING: {MISSING}")


@pytest.fixture(scope="module")
def hello():
    return build.build("hello", cmsis=False)


def test_hello_boots_and_exits_cleanly(hello):
    result = run.run(hello.elf, timeout=30).check()
    assert "hello from soundstage target (cortex-m4, mps2-an386)" in result.text
    # .data copied from its load address, .bss zeroed by the startup code
    assert "data=5eed1234 bss=00000000" in result.text
    assert result.text.rstrip().endswith("bye")


def test_build_is_cached(hello):
    again = build.build("hello", cmsis=False)
    assert again.elf == hello.elf
    assert again.elf.stat().st_mtime == hello.elf.stat().st_mtime


def test_systick_counts_instructions_exactly(hello):
    """ic_spin(n) runs 2n instructions: 100000 more iterations cost 5000 ticks of 40
    (give or take the one tick of quantization at either end)."""
    text = run.run(hello.elf, timeout=30).check().text
    ticks = [int(t) for t in re.findall(r"spin n=\d+ ticks=(\d+)", text)]
    assert len(ticks) == 2
    assert abs(ticks[1] - ticks[0] - 2 * 100000 // 40) <= 1


def test_runs_are_deterministic(hello):
    first = run.run(hello.elf, timeout=30).check()
    second = run.run(hello.elf, timeout=30).check()
    assert first.uart == second.uart


def test_calibration_and_cmsis_reference_counts():
    """The bench firmware reproduces the figures ../shared/DESIGN.md quotes."""
    m = measure()
    assert m.instructions_per_tick == pytest.approx(40.0, abs=1e-9)
    assert m.get("arm_biquad_cascade_df1_q31").per_sample_per_unit == pytest.approx(14.2, abs=0.05)
    assert m.get("arm_biquad_cas_df1_32x64_q31").per_sample_per_unit == pytest.approx(57.1, abs=0.1)
    assert m.get("arm_fir_q31").per_sample_per_unit == pytest.approx(2.38, abs=0.01)
    # the _fast_ variants are slower with GCC 12, not faster
    assert (m.get("arm_biquad_cascade_df1_fast_q31").per_sample_per_unit
            > m.get("arm_biquad_cascade_df1_q31").per_sample_per_unit)
    assert m.get("arm_fir_fast_q31").per_sample_per_unit > m.get("arm_fir_q31").per_sample_per_unit


def test_pty_mode_reports_its_terminal(hello):
    with run.Qemu(hello.elf) as q:
        assert re.fullmatch(r"/dev/pts/\d+", q.pty)
