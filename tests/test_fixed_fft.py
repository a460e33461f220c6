"""dsp_model.fixed.fft (the CMSIS-DSP arm_cfft_q31 model) against the cmsisdsp
package's arm_cfft_q31, bit for bit; its tables; its scaling against numpy."""

from __future__ import annotations

import numpy as np
import pytest

from dsp_model.fixed.fft import (
    CFFT_SIZES,
    arm_cfft_init_q31,
    arm_cfft_q31,
    cfft_q31_fast,
    cfft_q31_fast_tables,
    cmsis_tables,
    natural_order,
)

dsp = pytest.importorskip("cmsisdsp")

I32_MIN, I32_MAX = -(2**31), 2**31 - 1


def _stimuli(n: int) -> dict[str, np.ndarray]:
    """int32 (2 n,) interleaved complex inputs, by category (seeded)."""
    rng = np.random.default_rng(n)
    t = np.arange(n)
    out = {
        "random full scale": rng.integers(I32_MIN, I32_MAX + 1, 2 * n, dtype=np.int64),
        "random -40 dBFS": rng.integers(-(2**24), 2**24, 2 * n, dtype=np.int64),
        "all INT32_MIN": np.full(2 * n, I32_MIN, np.int64),
        "all INT32_MAX": np.full(2 * n, I32_MAX, np.int64),
        "alternating +-FS": np.where(np.arange(2 * n) % 4 < 2, I32_MAX, I32_MIN),
        "impulse at 0": np.zeros(2 * n, np.int64),
        "impulse at 3, imaginary": np.zeros(2 * n, np.int64),
        "small values": rng.integers(-20, 21, 2 * n, dtype=np.int64),
    }
    out["impulse at 0"][0] = I32_MAX
    out["impulse at 3, imaginary"][7] = I32_MIN
    for k in (1, n // 3, n // 2):  # complex exponentials and a real sine, near full scale
        ph = 2 * np.pi * k * t / n
        z = np.stack([np.cos(ph), np.sin(ph)], 1).ravel()
        out[f"exp bin {k}"] = np.round(z * (2**31 - 2**20))
        out[f"real sine bin {k}"] = np.round(np.stack([np.sin(ph + 0.3), 0 * ph], 1).ravel() *
                                             (2**31 - 1))
    return {k: np.asarray(v, np.int64).astype(np.int32) for k, v in out.items()}


@pytest.mark.parametrize("n", CFFT_SIZES)
@pytest.mark.parametrize("ifft", [0, 1])
@pytest.mark.parametrize("bitrev", [0, 1])
def test_cfft_q31_bit_exact_with_cmsisdsp(n, ifft, bitrev):
    s = dsp.arm_cfft_instance_q31()
    assert dsp.arm_cfft_init_q31(s, n) == 0
    inst = arm_cfft_init_q31(n)
    for name, x in _stimuli(n).items():
        ref = dsp.arm_cfft_q31(s, x.copy(), ifft, bitrev)
        got = x.copy()
        arm_cfft_q31(inst, got, ifft, bitrev)
        if not np.array_equal(got, ref):
            i = int(np.nonzero(got != ref)[0][0])
            pytest.fail(f"N={n} ifft={ifft} bitrev={bitrev} {name}: word {i} "
                        f"model {got[i]} cmsisdsp {ref[i]}")


def test_cfft_q31_guard_words_untouched():
    n = 1024
    inst = arm_cfft_init_q31(n)
    buf = np.full(2 * n + 8, 12345, np.int32)
    buf[:2 * n] = _stimuli(n)["random full scale"]
    arm_cfft_q31(inst, buf, 0, 1)
    assert np.all(buf[2 * n:] == 12345)


@pytest.mark.parametrize("n", CFFT_SIZES)
def test_cfft_q31_scaling_against_numpy(n):
    """Forward = DFT / N, inverse = unnormalised inverse DFT / N, to a few
    LSB of the output. Measured (seeded full-scale random): rms 2.2-2.3 LSB
    at 1024/4096 (radix 4), 4.6-5.1 at 512/2048 (radix 4-by-2: the final << 1
    doubles it); the largest error is at bin 0 (16-35 LSB), the truncating
    shifts' bias."""
    inst = arm_cfft_init_q31(n)
    x = _stimuli(n)["random full scale"]
    z = x[0::2].astype(float) + 1j * x[1::2]
    for ifft, ref in ((0, np.fft.fft(z) / n), (1, np.fft.ifft(z))):
        got = x.copy()
        arm_cfft_q31(inst, got, ifft, 1)
        err = np.abs(got[0::2] + 1j * got[1::2] - ref)
        assert err.max() < 40, (n, ifft, err.max())
        assert np.sqrt(np.mean(err**2)) < (3 if n in (1024, 4096) else 6)


@pytest.mark.parametrize("n", CFFT_SIZES)
def test_cmsis_tables(n):
    """The vendored twiddles are cos, sin of 2 pi i / N in Q31 to 1 LSB (CMSIS's
    generator rounds a few down); the swap table is a permutation made of
    disjoint pairs of complex words."""
    tw, rev = cmsis_tables(n)
    assert tw.shape == (3 * n // 2,) and tw.dtype == np.int32
    ang = 2 * np.pi * np.arange(3 * n // 4) / n
    exact = np.stack([np.cos(ang), np.sin(ang)], 1).ravel() * 2.0**31
    assert np.abs(tw - np.minimum(exact, I32_MAX)).max() <= 1.0
    words = rev.astype(np.int64) >> 2
    assert np.all(rev % 8 == 0) and words.max() < 2 * n
    assert len(np.unique(words)) == len(words)  # each word moved once: disjoint swaps


def test_unsupported_length_refused():
    with pytest.raises(ValueError, match="not modelled"):
        arm_cfft_init_q31(8192)


@pytest.mark.parametrize("n", CFFT_SIZES)
@pytest.mark.parametrize("ifft", [0, 1])
def test_cfft_q31_fast_matches_the_model(n, ifft):
    """cfft_q31_fast (separate re/im, stages reordered, bit reversal through
    table row 0) equals the arm_cfft_q31 model, forward and inverse, on every
    stimulus."""
    inst = arm_cfft_init_q31(n)
    tab = cfft_q31_fast_tables(inst)
    for name, x in _stimuli(n).items():
        ref = x.copy()
        arm_cfft_q31(inst, ref, ifft, 1)
        re, im = x[0::2].copy(), x[1::2].copy()
        cfft_q31_fast(tab, re, im, ifft)
        pos = tab[0]
        assert np.array_equal(re[pos], ref[0::2]) and np.array_equal(im[pos], ref[1::2]), name


@pytest.mark.parametrize("n", CFFT_SIZES)
def test_natural_order(n):
    """natural_order (16 x 16 register blocks at 4096, the gather otherwise)
    puts cfft_q31_fast's output in natural order: bin k from position tab[0, k]."""
    tab = cfft_q31_fast_tables(arm_cfft_init_q31(n))
    rng = np.random.default_rng(n)
    re, im = (rng.integers(I32_MIN, I32_MAX + 1, n).astype(np.int32) for _ in range(2))
    nre, nim = np.zeros(n, np.int32), np.zeros(n, np.int32)
    natural_order(tab, re, im, nre, nim)
    assert np.array_equal(nre, re[tab[0]]) and np.array_equal(nim, im[tab[0]])


# ------------------------------------------------------------------ the vendored C
def _xorshift_words(seed: int, count: int, shift: int) -> np.ndarray:
    """main_fft.c's inputs: (int32) x_i >> shift, x_i the xorshift32 states."""
    out = np.empty(count, np.int64)
    x = seed & 0xFFFFFFFF
    for i in range(count):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        out[i] = (x - (1 << 32) if x >> 31 else x) >> shift
    return out.astype(np.int32)


def test_vendored_c_on_the_host_matches_the_model(tmp_path):
    """ss_cfft_q31 (the vendored CMSIS sources, built as every host build of
    the runtime links them) equals the model on every stimulus, both ways."""
    import ctypes as ct

    from firmware_export._cbuild import build_shared, cmsis_fft_objects

    lib = ct.CDLL(str(build_shared(cmsis_fft_objects(tmp_path), tmp_path)))
    lib.ss_cfft_q31.argtypes = [ct.c_uint32, ct.c_void_p, ct.c_int]
    for n in CFFT_SIZES:
        inst = arm_cfft_init_q31(n)
        for name, x in _stimuli(n).items():
            for inv in (0, 1):
                want = x.copy()
                arm_cfft_q31(inst, want, inv, 1)
                got = np.concatenate([x, np.full(4, 7, np.int32)])
                lib.ss_cfft_q31(n, got.ctypes.data_as(ct.c_void_p), inv)
                assert np.array_equal(got[:2 * n], want), (n, name, inv)
                assert np.all(got[2 * n:] == 7)


def test_vendored_c_on_the_target_matches_the_model():
    """src/main_fft.c on the emulated Cortex-M4: the CRC-32 of each output
    equals the model's on the same xorshift32 inputs (n = 256 .. 4096, both
    directions, full scale and with a guard bit)."""
    import re
    import zlib

    from firmware_export.target import build
    from firmware_export.target.measure import run_fft

    if build.missing_tools():
        pytest.skip(f"TARGET TOOLCHAIN MISSING: {build.missing_tools()}")
    lines = re.findall(r"^CRC n=(\d+) inv=(\d) shift=(\d) crc=(\d+)$", run_fft(), re.M)
    assert len(lines) == 4 * len(CFFT_SIZES)
    for n, inv, shift, crc in ((int(a), int(b), int(c), int(d)) for a, b, c, d in lines):
        x = _xorshift_words(0x12345678 + n + inv, 2 * n, shift)
        arm_cfft_q31(arm_cfft_init_q31(n), x, inv, 1)
        assert zlib.crc32(x.astype("<i4").tobytes()) == crc, (n, inv, shift)
