"""The chain's own per-sample work on the target: the source of dsp_model/budget.py's
chain constants that no kernel benchmark gives.

    PYTHONPATH=. python benchmarks/bench_target_chain_glue.py

Each row runs a small synthetic QuantizedChain through ss_chain_process on
the qemu Cortex-M4 (firmware_export/target/chain.py, 12,000 frames of seeded
noise, block 64, exact instruction counts) and prints what one element adds
to the base chain (one path, delay 0, no common filter, one one-tap feed, one
driver without sections, 32-bit word, passive upmix), in instructions per
stereo frame. Needs arm-none-eabi-gcc and qemu-system-arm.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from device_profiles import load_profile  # noqa: E402
from firmware_export.quantize import QCascade, QDriver, QPath, QuantizedChain, QVirtualizer  # noqa: E402
from firmware_export.quantize_upmix import upmix_tables  # noqa: E402
from firmware_export.tables import chain_to_blob  # noqa: E402
from firmware_export.target.chain import build_chain, run_chain  # noqa: E402
from firmware_export.target.measure import measure_upmix  # noqa: E402

ONE_TAP = np.array([1 << 29], np.int32)
NONE = np.zeros(0, np.int32)


def driver(i: int, sections: int = 0, kernel: int = 0, delay: int = 0) -> QDriver:
    c = np.repeat(np.array([[1 << 28, 0, 0, 0, 0]], np.int32), sections, 0)
    return QDriver(f"d{i}", 0, c, np.ones(sections, np.int32),
                   np.full(sections, kernel, np.int32), np.zeros(sections, np.int32),
                   1 << 30, 0, delay)


def path(i: int, source: int = 0, delay: int = 0, common=NONE, ratio=(ONE_TAP,)) -> QPath:
    return QPath(f"p{i}", source, delay, common, 0, tuple(ratio), (0,) * len(ratio))


def chain(paths, drivers, **kw) -> QuantizedChain:
    return replace(QuantizedChain("glue", 48000, "cmsis-q31", 64, 32, False, 0, tuple(paths),
                                  tuple(drivers)), **kw)


def taps(n: int, seed: int = 1) -> np.ndarray:
    t = np.random.default_rng(seed).integers(-2**26, 2**26, n).astype(np.int32)
    t[0] = t[-1] = 1 << 20  # no zero ends to trim
    return t


def cascade(n: int) -> QCascade:
    c = np.repeat(np.array([[1 << 28, 0, 0, 0, 0]], np.int32), n, 0)
    return QCascade(c, np.ones(n, np.int32), np.zeros(n, np.int32), np.zeros(n, np.int32))


def main() -> int:
    elf = build_chain().elf
    x = (np.random.default_rng(7).standard_normal((12000, 2)) * 2.0**28).astype(np.int32)

    def cost(q: QuantizedChain) -> float:
        return run_chain(chain_to_blob(q), x, block=64, elf=elf).instructions_per_frame

    base = cost(chain([path(0)], [driver(0)]))
    feeds = {k: cost(chain([path(i, source=i % 3) for i in range(k)], [driver(0)]))
             for k in range(2, 7)}
    fir2 = {k: cost(chain([path(i, source=i % 3, ratio=(taps(2, i),)) for i in range(k)],
                          [driver(0)])) for k in range(1, 5)}
    rows = {
        "a driver fed by its own path (DRIVER + PATH)":
            cost(chain([path(0, ratio=(ONE_TAP, NONE)), path(1, 1, ratio=(NONE, ONE_TAP))],
                       [driver(0), driver(1)])),
        "a path feeding nothing (PATH)": cost(chain([path(0), path(1, 1, ratio=(NONE,))],
                                                     [driver(0)])),
        "path delay 37 (PATH_DELAY_EXTRA)": cost(chain([path(0, delay=37)], [driver(0)])),
        "path delay 200 (PATH_DELAY_EXTRA)": cost(chain([path(0, delay=200)], [driver(0)])),
        "one-tap common filter (SCALE)": cost(chain([path(0, common=ONE_TAP)], [driver(0)])),
        "one-tap feed after 40 zeros (DELAY)":
            cost(chain([path(0, ratio=(np.concatenate([ONE_TAP, np.zeros(40, np.int32)]),))],
                       [driver(0)])),
        "driver delay 10 (DELAY_IN_PLACE)": cost(chain([path(0)], [driver(0, delay=10)])),
        "common FIR 128 taps (fir_q31)": cost(chain([path(0, common=taps(128))], [driver(0)])),
        "driver: 4 DF1 sections": cost(chain([path(0)], [driver(0, 4, 0)])),
        "driver: 4 32x64 sections": cost(chain([path(0)], [driver(0, 4, 1)])),
        "virtualizer, delay 15, 1 + 2 sections (VIRTUALIZER_GLUE + 6 sections)":
            cost(chain([path(0, source=3)], [driver(0)],
                       virtualizer=QVirtualizer(15, 0, cascade(1), cascade(2)))),
        "24-bit word (DAC_WORD)": cost(chain([path(0)], [driver(0)], output_word=24)),
        "24-bit word, dither (DAC_DITHER)": cost(chain([path(0)], [driver(0)], output_word=24,
                                                       dither=True)),
    }
    print(f"chain glue on the target, instructions per stereo frame; base chain {base:.2f}")
    for label, v in rows.items():
        print(f"  {label:72s} {v - base:+8.2f}")
    print("  one-tap feeds into one driver, the k-th over k-1 (each with its path):")
    print("    " + ", ".join(f"{k}: {feeds[k] - (feeds.get(k - 1) or base):+.2f}"
                             for k in feeds))
    print("  2-tap FIR feeds into one driver, the k-th over k-1 (each with its path):")
    print("    " + ", ".join(f"{k}: {fir2[k] - (fir2.get(k - 1) or base):+.2f}" for k in fir2))
    # the passive upmix: the standalone adaptive upmix minus what it adds to the chain
    p = load_profile("compact2")
    t = upmix_tables(p.upmix, p.sample_rate)
    adaptive = cost(chain([path(0)], [driver(0)], upmix=1, upmix_tables=t))
    alone = measure_upmix(t, x, profile=False).per_sample
    print(f"  passive upmix (PASSIVE_UPMIX): upmix alone {alone:.2f} - (adaptive chain "
          f"{adaptive:.2f} - base) = {alone - (adaptive - base):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
