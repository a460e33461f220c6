"""Fixed-point adaptive upmix (upmix mode 1): helpers vs their spec, the C twin
(firmware_export/runtime/ss_upmix.c) vs the numba model bit for bit, and the
fixed point vs the float upmix (dsp_model/upmix.py) within tolerance.

Bit-exact tests compare two independent implementations (numba Python and C,
built with the strict flags, also with the portable -U__GNUC__ paths of
ss_ops.h). Tolerance tests hold the fixed-point output to the float `Upmix`
run on the same (int32 / 2^31) input, and the upmix's own figures (the leaks
of tests/test_upmix.py) to the float ones.
"""

from __future__ import annotations

import ctypes as ct
import functools
import itertools
from dataclasses import replace

import numpy as np
import pytest
import upmix_family as fam
import upmix_instruments as ui
import upmix_stimuli as stim

from device_profiles import load_profile
from dsp_model.fixed.fft import arm_cfft_init_q31
from dsp_model.fixed.upmix import (
    DECISION_CONSTANTS,
    FixedUpmix,
    bitlen64,
    inverse_cfft_len,
    irfft_q31,
    merge_q31,
    rfft2_q31,
)
from dsp_model.upmix import Upmix
from dsp_model.upmix_metrics import energy_ratio_db, sir_db
from firmware_export._cbuild import RUNTIME_DIR, build_shared, cmsis_fft_objects
from firmware_export.quantize_upmix import q31, upmix_tables

# the fixed-point upmix implements the shipped "inphase" decision (dsp_model/upmix.py): the
# shipped profiles' settings are its float reference
PROFILE = load_profile("studio5")
FS = PROFILE.sample_rate
SKIP = FS
T_FULL = upmix_tables(PROFILE)  # fft 4096, hop 256, synthesis 1024 (the bundled setting)
# a small setting so block size 1 and many splits stay quick (same code paths)
T_SMALL = upmix_tables(replace(PROFILE.upmix, fft_size=512, hop=64, synthesis_size=256), FS)
I32_MIN, I32_MAX = -(1 << 31), (1 << 31) - 1
GUARD = 0x5A5A5A5A


def db(err, ref) -> float:
    """10 log10(sum |err|^2 / sum |ref|^2), complex or real."""
    return float(10 * np.log10(np.sum(np.abs(err) ** 2) / np.sum(np.abs(ref) ** 2)))


def to_q31(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x * 2.0**31), I32_MIN, I32_MAX).astype(np.int32)


@functools.cache
def stimulus(name: str) -> stim.Stimulus:
    return getattr(stim, name)()


# ------------------------------------------------------------------ C build
@pytest.fixture(scope="session", params=["gnuc", "portable"])
def clib(request, tmp_path_factory):
    d = tmp_path_factory.mktemp("ss_upmix")
    flags = [] if request.param == "gnuc" else ["-U__GNUC__"]
    lib = ct.CDLL(str(build_shared([RUNTIME_DIR / "ss_upmix.c", *cmsis_fft_objects(d)], d,
                                   flags)))
    lib.upmix_q31_sizeof.restype = ct.c_uint32
    lib.upmix_q31_init.restype = ct.c_int
    lib.upmix_q31_init.argtypes = [ct.c_void_p] + [ct.c_uint32] * 4 + [ct.c_void_p] * 7
    lib.upmix_q31.argtypes = [ct.c_void_p] * 5 + [ct.c_uint32]
    return lib


def _p(a: np.ndarray):
    return a.ctypes.data_as(ct.c_void_p)


def decision_f32(t) -> np.ndarray:
    """The table's decision constants as the C's float[SS_UPMIX_DECISION_WORDS]."""
    return np.array([getattr(t, k) for k in DECISION_CONSTANTS], np.float32).view(np.uint32)


class CUpmix:
    """The C upmix through ctypes: `process(int32 (n, 2)) -> int32 (n, 3)`, with
    guard words after each output row and after the pools."""

    def __init__(self, lib, t):
        self.lib = lib
        n32, n64 = ct.c_uint32(), ct.c_uint32()
        lib.upmix_q31_mem_words(t.fft_size, t.synthesis_size, t.hop, t.pool, ct.byref(n32),
                                ct.byref(n64))
        self.n32, self.n64 = n32.value, n64.value
        self.m32 = np.full(self.n32 + 4, GUARD, np.int32)
        self.m64 = np.full(self.n64 + 4, GUARD, np.int64)
        self.inst = ct.create_string_buffer(lib.upmix_q31_sizeof())
        self.tabs = [np.ascontiguousarray(a, np.int32) for a in
                     (t.analysis_window, t.synthesis_window, t.twiddle_cos, t.twiddle_sin)]
        self.dec = decision_f32(t)
        rc = lib.upmix_q31_init(self.inst, t.fft_size, t.synthesis_size, t.hop, t.pool,
                                _p(self.dec), *[_p(a) for a in self.tabs], _p(self.m32),
                                _p(self.m64))
        assert rc == 0

    def process(self, x: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(x, np.int32)
        n = len(x)
        out = np.full((3, n + 2), GUARD, np.int32)
        self.lib.upmix_q31(self.inst, _p(x), _p(out[0]), _p(out[1]), _p(out[2]), n)
        assert np.all(out[:, n:] == GUARD), "C wrote past the output block"
        assert np.all(self.m32[self.n32:] == GUARD) and np.all(self.m64[self.n64:] == GUARD)
        return np.ascontiguousarray(out[:, :n].T)


# ------------------------------------------------------------------ helpers vs spec
rng = np.random.default_rng(20)
E64 = [0, 1, 2, 3, (1 << 31) - 1, 1 << 31, (1 << 32) - 1, 1 << 32, (1 << 62) - 1, 1 << 62,
       (1 << 63) - 1]


def test_bitlen64_matches_int_bit_length():
    vals = E64 + [int(v) for v in rng.integers(0, (1 << 63) - 1, 300, dtype=np.int64)]
    vals += [1 << k for k in range(63)] + [(1 << k) - 1 for k in range(1, 64)]
    for v in vals:
        assert bitlen64(v) == v.bit_length(), v


# ------------------------------------------------------------------ FFT vs numpy
def _rfft2(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """rfft2_q31 of two int32 frames: their bins (complex, k = 0..N/2)."""
    n = len(x)
    buf = np.zeros(2 * n, np.int32)
    buf[0::2], buf[1::2] = x, y
    dst = np.zeros(2 * n, np.int32)
    rfft2_q31(arm_cfft_init_q31(n), buf, dst)
    return buf[:n + 2:2] + 1j * buf[1:n + 2:2], dst[:n + 2:2] + 1j * dst[1:n + 2:2]


@pytest.mark.parametrize("n", [512, 1024, 2048, 4096])
def test_rfft2_irfft_q31_vs_numpy(n):
    """Two real frames through one complex CMSIS FFT: X / N, Y / N within
    -110 dB of numpy (-12 dBFS noise frames); the unscaled inverse real FFT
    back to the frame (2^g / (N/2), arm_cfft_q31's inverse of N/2 points after
    the block exponent g) within -100 dB (noise frames: -105..-110)."""
    r = np.random.default_rng(n)
    x = to_q31(r.standard_normal(n) * 0.25)
    y = to_q31(r.standard_normal(n) * 0.25)
    gx, gy = _rfft2(x, y)
    for got, v in ((gx, x), (gy, y)):
        ref = np.fft.rfft(v.astype(np.float64)) / n
        assert db(got - ref, ref) < -110.0
        assert got[0].imag == 0 and got[-1].imag == 0  # DC and Nyquist are real
    k = np.arange(n // 2 + 1)
    cos, sin = q31(np.cos(2 * np.pi * k / n)), q31(np.sin(2 * np.pi * k / n))
    src = np.zeros(n + 2, np.int32)
    src[0::2], src[1::2] = gx.real, gx.imag
    for m in {n // 2, inverse_cfft_len(n)}:  # CMSIS's n/2 points, and the split's twice n/4
        back = np.zeros(n + 2, np.int32)
        g = irfft_q31(arm_cfft_init_q31(m), src, back, cos, sin, 60)
        assert db(back[:n] * (n / 2) / 2.0**g - x, x.astype(np.float64)) < -100.0


def test_rfft2_q31_full_scale_square():
    """+-FS squares (M = S = the square, the upmix's L = R with one guard bit):
    no wrap, within -110 dB of numpy."""
    n = 512
    x = np.where(np.arange(n) % 64 < 32, 1 << 30, -(1 << 30)).astype(np.int32)
    gx, gy = _rfft2(x, x)
    ref = np.fft.rfft(x.astype(np.float64)) / n
    assert db(gx - ref, ref) < -110.0 and db(gy - ref, ref) < -110.0


# ------------------------------------------------------------------ C vs Python, bit-exact
def _seeded(kind: str, n: int, seed: int) -> np.ndarray:
    r = np.random.default_rng(seed)
    if kind == "music":
        s = stimulus("music_mix").lr
        return to_q31(s[48_000:48_000 + n])
    if kind == "full_scale_noise":
        return r.integers(I32_MIN, I32_MAX, (n, 2), endpoint=True, dtype=np.int64).astype(
            np.int32)
    if kind == "square":
        v = np.where(np.arange(n) % 96 < 48, I32_MAX, I32_MIN).astype(np.int32)
        return np.stack([v, v if seed % 2 else -v.astype(np.int64).clip(I32_MIN, I32_MAX)],
                        axis=1).astype(np.int32)
    if kind == "panned_noise":  # sources at random pans, quiet and loud stretches
        g = r.uniform(-1, 1, (n // 1000 + 1, 2)).repeat(1000, axis=0)[:n]
        lvl = 10 ** (r.uniform(-4, 0, (n // 3000 + 1, 1)).repeat(3000, axis=0)[:n] / 1)
        return to_q31(0.3 * lvl * g * r.standard_normal((n, 1)))
    if kind == "silence":
        return np.zeros((n, 2), np.int32)
    raise ValueError(kind)


# four bands of x0 on the 257 bins of T_SMALL (each first bin, 1 / x0^2), one of them empty
BANDS = dict(kx=np.float32(0.17**-2), k1=6.0, kx1=np.float32(0.23**-2), k2=40.0,
             kx2=np.float32(0.2**-2), k3=40.0, kx3=np.float32(0.3**-2))


@pytest.mark.parametrize("bands", [False, True], ids=["one_x0", "bands"])
@pytest.mark.parametrize("mag", [1.0, 0.0])  # D's votes weighted by |z| (studio5), |z|^2
@pytest.mark.parametrize("kind", ["music", "full_scale_noise", "square", "panned_noise",
                                  "silence"])
def test_c_matches_python_small_setting(clib, kind, mag, bands):
    t = replace(T_SMALL, mag=mag, **(BANDS if bands else {}))
    x = _seeded(kind, 12_000, 1)
    y = FixedUpmix(t).process(x)
    assert np.array_equal(CUpmix(clib, t).process(x), y)
    assert np.array_equal(FixedUpmix(t, reference=True).process(x), y)


@pytest.mark.parametrize("value", [I32_MIN, I32_MAX, -I32_MAX])
def test_c_matches_python_extreme_twiddles(clib, value):
    """Inverse twiddles no quantizer writes (a damaged table the blob parser
    accepts): every other cos and sin at the int32 edges, INT32_MIN included
    (the C's two-SMLAL product needs -s and takes the exact int64 form
    there); C, fast and reference paths equal on full-scale noise and squares."""
    tc = np.asarray(T_SMALL.twiddle_cos, np.int32).copy()
    ts = np.asarray(T_SMALL.twiddle_sin, np.int32).copy()
    tc[1::2] = value
    ts[::2] = value
    t = replace(T_SMALL, twiddle_cos=tc, twiddle_sin=ts)
    for kind in ("full_scale_noise", "square"):
        x = _seeded(kind, 3_000, 2)
        y = FixedUpmix(t).process(x)
        assert np.array_equal(CUpmix(clib, t).process(x), y)
        assert np.array_equal(FixedUpmix(t, reference=True).process(x), y)


@pytest.mark.parametrize("block", [1, 7, 64, 4096])
def test_c_and_python_block_sizes(clib, block):
    """Any block size, both languages, equal to one whole-signal Python call."""
    t = T_SMALL if block == 1 else T_FULL
    x = _seeded("panned_noise", 5_000 if block == 1 else 20_000, block)
    whole = FixedUpmix(t).process(x)
    py, c = FixedUpmix(t), CUpmix(clib, t)
    parts_py = np.concatenate([py.process(x[i:i + block]) for i in range(0, len(x), block)])
    parts_c = np.concatenate([c.process(x[i:i + block]) for i in range(0, len(x), block)])
    assert np.array_equal(parts_py, whole)
    assert np.array_equal(parts_c, whole)


def test_c_and_python_split_points(clib):
    t = T_FULL
    x = _seeded("music", 30_000, 0)
    whole = CUpmix(clib, t).process(x)
    cuts = [0, 1, 2, 255, 256, 257, 1023, 1024, 4096, 4097, 9999, 17_000, 30_000]
    py, c = FixedUpmix(t), CUpmix(clib, t)
    for a, b in itertools.pairwise(cuts):
        assert np.array_equal(py.process(x[a:b]), whole[a:b]), (a, b)
        assert np.array_equal(c.process(x[a:b]), whole[a:b]), (a, b)
    assert np.array_equal(FixedUpmix(t).process(x), whole)


def test_quantize_refuses_other_decisions():
    """The fixed point implements "inphase" (slope 1.5, pooled magnitudes) only."""
    with pytest.raises(ValueError, match="'ratio' has no fixed-point form"):
        upmix_tables(replace(PROFILE.upmix, decision="ratio"), FS)
    with pytest.raises(ValueError, match="pool 40 must be"):
        FixedUpmix(replace(T_SMALL, pool=40))


def test_c_init_refuses_bad_sizes(clib):
    inst = ct.create_string_buffer(clib.upmix_q31_sizeof())
    z = np.zeros(1 << 16, np.int32)
    z64 = np.zeros(1 << 16, np.int64)
    ok = np.zeros(len(DECISION_CONSTANTS), np.uint32)
    for n, ls, h, p in [(500, 256, 64, 16), (512, 1024, 64, 16), (512, 256, 96, 16),
                        (512, 64, 64, 16), (512, 256, 64, 0), (16, 16, 4, 8),
                        (512, 256, 64, 33)]:
        assert clib.upmix_q31_init(inst, n, ls, h, p, _p(ok), *[_p(z)] * 4, _p(z),
                                   _p(z64)) == -1
    assert clib.upmix_q31_init(inst, 512, 256, 64, 16, _p(ok), *[_p(z)] * 4, _p(z),
                               _p(z64)) == 0
    for i in range(len(DECISION_CONSTANTS)):  # every decision constant finite and >= 0
        for bad in (-1.0, -1e-45, -0.0, np.inf, np.nan):
            c = ok.copy()
            c[i] = np.float32(bad).view(np.uint32)
            assert clib.upmix_q31_init(inst, 512, 256, 64, 16, _p(c), *[_p(z)] * 4, _p(z),
                                       _p(z64)) == -1, (i, bad)
    for mag, rc in ((1.0, 0), (0.5, -1), (2.0, -1)):  # mag is a flag: 0.0 or 1.0
        c = ok.copy()
        c[DECISION_CONSTANTS.index("mag")] = np.float32(mag).view(np.uint32)
        assert clib.upmix_q31_init(inst, 512, 256, 64, 16, _p(c), *[_p(z)] * 4, _p(z),
                                   _p(z64)) == rc, mag
    with pytest.raises(ValueError, match="mag"):
        FixedUpmix(replace(T_SMALL, mag=0.5))
    for firsts, rc in (((0, 0, 257), 0), ((5, 5, 5), 0), ((3, 2, 9), -1), ((0, 0, 258), -1),
                       ((1.5, 2, 3), -1)):  # bands: integers, in order, <= N/2 + 1
        c = ok.copy()
        for name, k in zip(("k1", "k2", "k3"), firsts, strict=True):
            c[DECISION_CONSTANTS.index(name)] = np.float32(k).view(np.uint32)
        assert clib.upmix_q31_init(inst, 512, 256, 64, 16, _p(c), *[_p(z)] * 4, _p(z),
                                   _p(z64)) == rc, firsts
        if rc:
            with pytest.raises(ValueError, match="band first bins"):
                FixedUpmix(replace(T_SMALL, **dict(zip(("k1", "k2", "k3"), firsts, strict=True))))
    for kh, rc in ((64, 0), (0, 0), (65, -1), (2.5, -1)):  # the hold's bins: an integer <= N/8
        c = ok.copy()
        c[DECISION_CONSTANTS.index("kh")] = np.float32(kh).view(np.uint32)
        assert clib.upmix_q31_init(inst, 512, 256, 64, 16, _p(c), *[_p(z)] * 4, _p(z),
                                   _p(z64)) == rc, kh
        if rc:
            with pytest.raises(ValueError, match="hold bins kh"):
                FixedUpmix(replace(T_SMALL, kh=kh))
    for name, v, rc in (("ka", 1.0, 0), ("kd", 1.0, 0), ("ka", 1.01, -1), ("kd", 2.0, -1)):
        c = ok.copy()  # the steering's rise and fall factor: at most 1
        c[DECISION_CONSTANTS.index(name)] = np.float32(v).view(np.uint32)
        assert clib.upmix_q31_init(inst, 512, 256, 64, 16, _p(c), *[_p(z)] * 4, _p(z),
                                   _p(z64)) == rc, (name, v)
        if rc:
            with pytest.raises(ValueError, match="steering ka"):
                FixedUpmix(replace(T_SMALL, **{name: v}))


def test_silence_after_loud_decays_through_subnormals_alike(clib):
    """The float statistics of a loud passage decay in silence (a_long: about
    -0.023 dB per frame) into the binary32 subnormals and to zero: Python
    (both paths) and C keep equal output and state all the way (x86 SSE, numba
    and the M4's FPU all have IEEE gradual underflow; nothing flushes)."""
    t = T_SMALL
    n, ls, h = t.fft_size, t.synthesis_size, t.hop
    nb = n // 2 + 1
    x = _seeded("panned_noise", 30 * h, 5)
    x = np.concatenate([x, np.zeros((n + ls, 2), np.int32)])  # the frames hold silence only
    py, ref, c = FixedUpmix(t), FixedUpmix(t, reference=True), CUpmix(clib, t)
    for u in (py, ref, c):
        u.process(x)
    # the statistics near the bottom of the normal range, then more silence
    base = 2 * ((ls - 1) + n) + 2 * n + n + 2 + ls + h + nb  # pw, z after dl, hist, fr, ola,
    small = np.float32(2.0**-120)  # ready, wdir (CUpmix's int32 pool)
    for u in (py, ref):
        u.inst.pw[:] = small
        u.inst.zst[:] = small
    c.m32[base:base + 5 * nb] = np.full(5 * nb, small, np.float32).view(np.int32)
    silence = np.zeros((400 * h, 2), np.int32)
    out = py.process(silence)
    assert np.array_equal(ref.process(silence), out)
    assert np.array_equal(c.process(silence), out)
    assert not np.any(out)
    state = c.m32[base:base + 5 * nb].view(np.float32)
    assert np.array_equal(state, np.concatenate([py.inst.pw.ravel(), py.inst.zst.ravel()]))
    assert np.any((state > 0) & (state < np.finfo(np.float32).tiny))  # subnormals reached


UBSAN_DRIVER = r"""
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include "ss_upmix.h"
static uint32_t xs = 0x2545F491u;
static uint32_t rnd(void) { xs ^= xs << 13; xs ^= xs >> 17; xs ^= xs << 5; return xs; }
int main(int argc, char **argv)
{
    FILE *f = fopen(argv[1], "rb");
    static int32_t buf[1 << 16];
    size_t got = fread(buf, 4, sizeof buf / 4, f);
    uint32_t n = buf[0], ls = buf[1], h = buf[2], p = buf[3], n32, n64, kind, t;
    upmix_q31_inst S;
    int32_t *m32, in[2 * 1000], l[1000], r[1000], c[1000];
    int64_t *m64;
    int32_t *wa = buf + 4 + SS_UPMIX_DECISION_WORDS, *ws = wa + n, *tc = ws + ls;
    int32_t *tsn = tc + n / 2 + 1;
    (void)got;
    upmix_q31_mem_words(n, ls, h, p, &n32, &n64);
    m32 = malloc(4 * n32); m64 = malloc(8 * n64);
    if (upmix_q31_init(&S, n, ls, h, p, (const uint32_t *)buf + 4, wa, ws, tc, tsn, m32, m64))
        return 2;
    for (kind = 0; kind < 6; kind++) {
        for (t = 0; t < 60; t++) {
            uint32_t i;
            for (i = 0; i < 1000; i++) {
                int32_t a = (int32_t)rnd(), b = (int32_t)rnd();
                if (kind == 1) { a = (i / 48) % 2 ? INT32_MAX : INT32_MIN; b = a; }
                if (kind == 2) {
                    a = (i / 48) % 2 ? INT32_MAX : INT32_MIN;
                    b = a == INT32_MAX ? INT32_MIN : INT32_MAX;
                }
                if (kind == 3) { a = INT32_MIN; b = INT32_MIN; }
                if (kind == 4) { a = (int32_t)(rnd() % 3) - 1; b = 0; }
                if (kind == 5) { a = INT32_MIN; b = INT32_MAX; }
                in[2 * i] = a; in[2 * i + 1] = b;
            }
            upmix_q31(&S, in, l, r, c, 1000);
        }
    }
    free(m32);
    free(m64);
    printf("ok %d\n", c[999]);
    return 0;
}
"""


@pytest.mark.parametrize("t", [T_SMALL, T_FULL], ids=["512", "4096"])
def test_c_no_undefined_behaviour_on_extreme_inputs(tmp_path, t):
    """ss_upmix.c under -fsanitize=undefined,address: full-scale noise,
    +-full-scale squares in and out of phase, INT32_MIN on both sides, 1-LSB
    noise, L = INT32_MIN with R = INT32_MAX; no signed overflow, no bad shift,
    no out-of-bounds access (numba wraps silently, C would not)."""
    import shutil
    import subprocess

    if shutil.which("gcc") is None:
        pytest.skip("gcc not found")
    hdr = np.concatenate([np.array([t.fft_size, t.synthesis_size, t.hop, t.pool], np.int32),
                          decision_f32(t).view(np.int32)])
    np.concatenate([hdr, t.analysis_window, t.synthesis_window, t.twiddle_cos,
                    t.twiddle_sin]).astype("<i4").tofile(tmp_path / "tables.bin")
    (tmp_path / "drv.c").write_text(UBSAN_DRIVER)
    exe = tmp_path / "drv"
    r = subprocess.run(["gcc", "-std=c99", "-O1", "-g", "-fsanitize=undefined,address",
                        "-fno-sanitize-recover=all", f"-I{RUNTIME_DIR}", str(tmp_path / "drv.c"),
                        str(RUNTIME_DIR / "ss_upmix.c"),
                        *map(str, cmsis_fft_objects(tmp_path)), "-o", str(exe), "-lm"],
                       capture_output=True, text=True)
    if r.returncode != 0 and "sanitize" in r.stderr:
        pytest.skip(f"sanitizers unavailable: {r.stderr.strip().splitlines()[-1]}")
    assert r.returncode == 0, r.stderr
    run = subprocess.run([str(exe), str(tmp_path / "tables.bin")], capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0 and run.stdout.startswith("ok"), run.stderr[-2000:]


# ------------------------------------------------------------------ fixed vs float
@functools.cache
def fixed_and_float(name: str):
    s = stimulus(name)
    x = to_q31(s.lr)
    return x, FixedUpmix(T_FULL).process(x), Upmix(PROFILE).process(x / 2.0**31)


@pytest.mark.parametrize("name", ["center_only", "hard_left", "stationary", "music_mix"])
def test_fixed_close_to_float(name, clib):
    """Every output vs the float upmix on the same input: error-to-signal (re the
    input's mean channel energy) below -60 dB; the C output is the Python one."""
    x, yq, yf = fixed_and_float(name)
    if name == "music_mix":
        assert np.array_equal(CUpmix(clib, T_FULL).process(x), yq)
    ref = x.reshape(-1) / 2.0**31 / np.sqrt(2)  # mean channel energy
    for ch in range(3):
        err = yq[:, ch] / 2.0**31 - yf[:, ch]
        assert db(err, ref) < -60.0, ch


def test_budget_setting_close_to_float(clib):
    """fft 2048 / hop 512 (synthesis window peaks at exactly 1.0, saturated in
    Q31): still bit-exact C vs Python and within -60 dB of the float upmix."""
    settings = replace(PROFILE.upmix, fft_size=2048, hop=512, synthesis_size=1024,
                       smoothing_ms=10.0)
    t = upmix_tables(settings, FS)
    x = to_q31(stimulus("music_mix").lr[: 4 * FS])
    yq = FixedUpmix(t).process(x)
    assert np.array_equal(CUpmix(clib, t).process(x), yq)
    yf = Upmix(settings, FS).process(x / 2.0**31)
    for ch in range(3):
        err = yq[:, ch] / 2.0**31 - yf[:, ch]
        assert db(err, x.reshape(-1) / 2.0**31 / np.sqrt(2)) < -60.0, ch


# ------------------------------------------------------------------ fast path vs the spec
def _fast_stimuli(n: int) -> dict[str, np.ndarray]:
    r = np.random.default_rng(7)
    full = r.integers(I32_MIN, I32_MAX, (n, 2), endpoint=True, dtype=np.int64).astype(np.int32)
    left = full[:, 0]
    ext = r.choice(np.array([I32_MIN, I32_MAX, 0, -1, 1], np.int64), (n, 2))
    lvl = 10.0 ** r.uniform(-9.5, 0, (n // 700 + 1, 2)).repeat(700, axis=0)[:n]
    mixed = np.clip(np.round(r.standard_normal((n, 2)) * lvl * 2.0**30), I32_MIN, I32_MAX)
    runs = r.choice(np.array([I32_MIN, I32_MAX, 0], np.int64), (n // 300 + 1, 2)).repeat(300, 0)
    return {
        "full_scale_random": full,
        "silence": np.zeros((n, 2), np.int32),
        "hard_left": np.stack([left, np.zeros(n, np.int32)], axis=1),
        "anti_phase": np.stack([left, np.clip(-left.astype(np.int64), I32_MIN, I32_MAX)],
                               axis=1).astype(np.int32),
        "extremes": ext.astype(np.int32),
        "extreme_runs": runs[:n].astype(np.int32),
        "int32_min": np.full((n, 2), I32_MIN, np.int32),
        "levels_-190_to_0_dB": mixed.astype(np.int32),
        "silence_then_full": np.concatenate([np.zeros((n // 2, 2), np.int32), full[n // 2:]]),
    }


@pytest.mark.parametrize("setting", ["512/64", "studio5"])
@pytest.mark.parametrize("name", list(_fast_stimuli(16)))
def test_fast_path_matches_reference_bit_exact(name, setting):
    """`_frame` (vectorized) against `_frame_reference` (the readable spec):
    several hundred frames, every output word and the carried state equal."""
    t = T_SMALL if setting == "512/64" else T_FULL
    frames = 400 if setting == "512/64" else 300
    x = _fast_stimuli(frames * t.hop + t.fft_size)[name]
    fast, ref = FixedUpmix(t), FixedUpmix(t, reference=True)
    assert np.array_equal(fast.process(x), ref.process(x))
    for field in ("st", "hist", "ola", "ready", "pw", "zst"):
        assert np.array_equal(getattr(fast.inst, field), getattr(ref.inst, field)), field


def test_fast_path_block_splits_match_reference():
    """Odd block sizes (frames inside and across blocks) through both paths."""
    x = _fast_stimuli(60_000)["levels_-190_to_0_dB"]
    fast, ref = FixedUpmix(T_FULL), FixedUpmix(T_FULL, reference=True)
    whole = ref.process(x)
    cuts = np.cumsum(np.random.default_rng(3).integers(1, 3000, 60))
    cuts = [0] + [int(c) for c in cuts if c < len(x)] + [len(x)]
    parts = np.concatenate([fast.process(x[a:b]) for a, b in itertools.pairwise(cuts)])
    assert np.array_equal(parts, whole)


@pytest.mark.parametrize("field,value", [("kx", 1e30), ("kx", 0.0), ("mu", 0.0), ("mu", 1.0),
                                         ("a_short", 0.0), ("a_long", 1.0), ("lo2", 1e30),
                                         ("inv", 1e30)])
def test_fast_path_extreme_constants_match_reference(field, value, clib):
    """Constants at the ends of their ranges (no quantized table has them):
    same output from both paths and the C (infinities inside w_dir and lam
    are IEEE in all three)."""
    t = replace(T_SMALL, **{field: value})
    x = _fast_stimuli(60 * t.hop)["levels_-190_to_0_dB"]
    out = FixedUpmix(t).process(x)
    assert np.array_equal(out, FixedUpmix(t, reference=True).process(x))
    assert np.array_equal(out, CUpmix(clib, t).process(x))


@pytest.mark.parametrize("field", DECISION_CONSTANTS)
@pytest.mark.parametrize("value", [-1.0, -0.0, float("inf"), float("nan")])
def test_init_refuses_bad_constants(field, value):
    with pytest.raises(ValueError, match=field):
        FixedUpmix(replace(T_SMALL, **{field: value}))


def test_anti_phase_center_at_the_noise_floor():
    """L = -R: M = 0, but the one complex FFT of M + i S truncates (floors)
    asymmetrically, so S leaks into the M bins by a few LSB (the radix-2 real
    FFTs before #23 gave C = 0 exactly): C below -130 dB re the input
    (measured -133.0 dB, |C| <= 238 LSB), and L' + C, R' + C are the delayed
    input exactly."""
    x, yq, _ = fixed_and_float("anti_phase")
    assert db(yq[:, 2] / 2.0**31, x.reshape(-1) / 2.0**31 / np.sqrt(2)) < -130.0
    lat = T_FULL.latency
    back = yq[lat:, :2].astype(np.int64) + yq[lat:, 2:3]
    assert np.array_equal(back, x[:-lat])


def test_center_only_goes_to_c():
    x, yq, yf = fixed_and_float("center_only")
    s = stimulus("center_only")
    lat = T_FULL.latency
    for ch in (0, 1):
        assert energy_ratio_db(yq[:, ch] / 2.0**31, s.lr[:, ch], skip=SKIP) < -40.0
    assert energy_ratio_db(yq[lat:, 2] / 2.0**31, s.lr[:-lat, 0], skip=SKIP) == \
        pytest.approx(0.0, abs=0.05)


def test_hard_left_leak_matches_float():
    _, yq, yf = fixed_and_float("hard_left")
    s = stimulus("hard_left")
    leak_q = energy_ratio_db(yq[:, 2] / 2.0**31, s.lr[:, 0], skip=SKIP)
    leak_f = energy_ratio_db(yf[:, 2], s.lr[:, 0], skip=SKIP)
    assert leak_q < -40.0
    assert leak_q == pytest.approx(leak_f, abs=3.0)


def test_silence_gives_zero():
    x = np.zeros((3 * T_FULL.fft_size, 2), np.int32)
    assert not np.any(FixedUpmix(T_FULL).process(x))


# the upmix family's fast subset: stationary (c), time-panned (f), reverberant (g), a music
# mix (d), tune seeds; the instrument mixes (h) need FluidSynth and are slow
FAMILY_FAST = [m for m in fam.family(instruments=False) if m.seed in (4, 5, 11, 21)]
FAMILY_H = [m for m in fam.family() if m.key == "h" and m.seed == ui.TUNE_SEEDS[0]]


# The fixed point's accuracy against the float: the
# inverse is arm_cfft_q31 of N/2 points, which scales by 1/(N/2) as it goes; its input is
# normalised by a block exponent, but a peaky spectrum (a tone, a music mix's bass) leaves
# the output frame ~2^31 / (N/2) of range and CMSIS's truncation noise on it. Measured at
# studio5 (4096/512): family mixes -116.6..-124.3 dB (-130.7..-135.1 with the unscaled
# radix-2 inverse it replaced), 0 dBFS sweep L = R -117.9 (-143.8); compact2 (2048/512,
# radix 4 without the radix-4-by-2's last doubling) sweep L = R -127.4. The issue's bar is
# -100 dB per driver (validate); these tests hold -110.
OWN_BAR_DB = -110.0


def _family_check(mix: fam.Mix) -> None:
    s = mix.make()
    x = to_q31(s.lr)
    yq = FixedUpmix(T_FULL).process(x)
    yf = Upmix(PROFILE).process(x / 2.0**31)
    ref = x.reshape(-1) / 2.0**31 / np.sqrt(2)
    for ch in range(3):
        assert db(yq[:, ch] / 2.0**31 - yf[:, ch], ref) < OWN_BAR_DB, ch
    lat = T_FULL.latency
    sir_q = sir_db(yq[:, 2] / 2.0**31, s.center, delay=lat, skip=SKIP)
    sir_f = sir_db(yf[:, 2], s.center, delay=lat, skip=SKIP)
    assert sir_q == pytest.approx(sir_f, abs=0.1)


@pytest.mark.parametrize("mix", FAMILY_FAST, ids=lambda m: f"{m.key}-{m.label}")
def test_family_sir_matches_float(mix):
    """Fixed vs float "inphase" on the family's mixes: every output within
    `OWN_BAR_DB` of the float upmix (re the input's mean channel energy;
    measured -116.6..-124.3), the SIR of C within 0.1 dB."""
    _family_check(mix)


@pytest.mark.slow
@pytest.mark.skipif(ui.unavailable_reason() is not None, reason=str(ui.unavailable_reason()))
@pytest.mark.parametrize("mix", FAMILY_H, ids=lambda m: f"{m.key}-{m.label}")
def test_family_instruments_sir_matches_float(mix):
    """The instrument mixes (h), as the others."""
    _family_check(mix)


def test_sum_exact_to_the_lsb():
    """L' + C = L (delayed) except where L - C saturates (never on music)."""
    x, yq, _ = fixed_and_float("music_mix")
    lat = T_FULL.latency
    for ch in (0, 1):
        s = yq[lat:, ch].astype(np.int64) + yq[lat:, 2]
        assert np.array_equal(s, x[:-lat, ch])


def test_music_separation_matches_float():
    x, yq, yf = fixed_and_float("music_mix")
    s = stimulus("music_mix")
    lat = T_FULL.latency
    sir_q = sir_db(yq[:, 2] / 2.0**31, s.center, delay=lat, skip=SKIP)
    sir_f = sir_db(yf[:, 2], s.center, delay=lat, skip=SKIP)
    assert sir_q == pytest.approx(sir_f, abs=0.1)


def test_quiet_input_still_close_to_float():
    """-40 dB and -80 dB re the stimulus (about -60 and -100 dBFS): the frame's
    block exponent keeps the bins' precision, the error stays below -60 dB."""
    s = stimulus("music_mix")
    for gain in (1e-2, 1e-4):
        x = to_q31(s.lr[: 4 * FS] * gain)
        yq = FixedUpmix(T_FULL).process(x)
        yf = Upmix(PROFILE).process(x / 2.0**31)
        for ch in range(3):
            err = yq[:, ch] / 2.0**31 - yf[:, ch]
            assert db(err, x.reshape(-1) / 2.0**31 / np.sqrt(2)) < -60.0, (gain, ch)


# ------------------------------------------------------------------ chain integration (mode 1)
@pytest.fixture(scope="module")
def chain_mode1():
    """compact2's plain chain quantized with the adaptive upmix ([upmix] mode)."""
    from dsp_model.chain_design import plain_chain
    from firmware_export.quantize import quantize_chain

    profile = load_profile("compact2")
    design = replace(plain_chain(profile), upmix_mode="adaptive")
    return design, quantize_chain(design, profile.target)


def _chain_stimulus(n: int, burst: bool = True) -> np.ndarray:
    s = stimulus("music_mix").lr
    x = to_q31(s[48_000:48_000 + n])
    if burst:  # full-scale anti-phase burst: the drivers saturate (bit-exact tests only)
        x[1000:1040] = [I32_MAX, I32_MIN]
    return x


def test_mode1_tables_and_blob_roundtrip(chain_mode1):
    from firmware_export.blob import SEC_UPMIX, parse_blob
    from firmware_export.tables import TableError, chain_from_blob, chain_to_blob, chains_equal

    _, q = chain_mode1
    assert q.upmix == 1 and q.upmix_tables is not None
    ref = upmix_tables(load_profile("compact2").upmix)
    assert np.array_equal(q.upmix_tables.analysis_window, ref.analysis_window)
    assert np.array_equal(q.upmix_tables.twiddle_sin, ref.twiddle_sin)
    blob = chain_to_blob(q)
    assert SEC_UPMIX in parse_blob(blob).sections
    assert chains_equal(chain_from_blob(blob), q)
    with pytest.raises(TableError, match="upmix"):
        chain_to_blob(replace(q, upmix_tables=None))


def test_mode1_fixed_chain_close_to_float_chain(chain_mode1):
    """FixedChain (mode 1) vs FloatChain with the adaptive upmix, same input."""
    from dsp_model.fixed.chain import FixedChain
    from dsp_model.float_chain import FloatChain, adaptive_upmix

    design, q = chain_mode1
    x = _chain_stimulus(60_000, burst=False)
    yq = FixedChain(q).process(x) / 2.0 ** (q.output_word - 1)
    yf = FloatChain(design, upmix=adaptive_upmix).process(x / 2.0**31)
    for d in range(q.n_drivers):
        assert db(yq[:, d] - yf[:, d], yf[:, d]) < -100.0, d


@pytest.mark.parametrize("block", [1, 7, 64, 4096])
def test_mode1_c_chain_bit_exact(chain_mode1, block):
    """ss_chain (C, meta upmix 1) vs FixedChain, compiled and readable paths,
    any block size."""
    from dsp_model.fixed.chain import FixedChain
    from firmware_export.tables import chain_to_blob
    from firmware_export.verify import CChain

    _, q = chain_mode1
    x = _chain_stimulus(3_000 if block == 1 else 20_000)
    ref = FixedChain(q).process(x)
    c = CChain(chain_to_blob(q))
    got = np.concatenate([c.process(x[i:i + block]) for i in range(0, len(x), block)])
    assert np.array_equal(got, ref)
    if block == 7:
        fr = FixedChain(q, compiled=False)
        parts = np.concatenate([fr.process(x[i:i + 997]) for i in range(0, len(x), 997)])
        assert np.array_equal(parts, ref)


def test_mode1_c_refuses_inconsistent_upmix_sections(chain_mode1):
    from firmware_export.blob import SEC_UPMIX, build_blob
    from firmware_export.tables import TableError, chain_from_blob, chain_to_sections
    from firmware_export.verify import CChain, ChainLoadError

    _, q = chain_mode1
    secs = chain_to_sections(q)

    def blob_of(s):
        return build_blob(target=q.target, sample_rate=q.fs, n_drivers=q.n_drivers,
                          profile_name=q.profile_name, sections=s)

    missing = {k: v for k, v in secs.items() if k != SEC_UPMIX}
    with pytest.raises(ChainLoadError, match="MISSING"):
        CChain(blob_of(missing))
    with pytest.raises(ChainLoadError, match="TABLE"):
        CChain(blob_of({**secs, SEC_UPMIX: secs[SEC_UPMIX][:-4]}))
    bad = bytearray(secs[SEC_UPMIX])
    bad[8:12] = (96).to_bytes(4, "little")  # hop 96 does not divide synthesis_size
    with pytest.raises(ChainLoadError, match="TABLE"):
        CChain(blob_of({**secs, SEC_UPMIX: bytes(bad)}))
    bad = bytearray(secs[SEC_UPMIX])
    at = 16 + 4 * DECISION_CONSTANTS.index("mag")  # the flag neither 0.0 nor 1.0
    bad[at:at + 4] = np.float32(0.5).tobytes()
    with pytest.raises(ChainLoadError, match="TABLE"):
        CChain(blob_of({**secs, SEC_UPMIX: bytes(bad)}))
    with pytest.raises(TableError, match="mag = 0.5 must be 1.0"):
        chain_from_blob(blob_of({**secs, SEC_UPMIX: bytes(bad)}))
    nb = q.upmix_tables.fft_size // 2 + 1
    for name, value in (("k1", 2.5), ("k3", nb + 1.0), ("k2", q.upmix_tables.k1 - 1.0)):
        bad = bytearray(secs[SEC_UPMIX])  # a band's first bin fractional, past the
        at = 16 + 4 * DECISION_CONSTANTS.index(name)  # spectrum, or before the last band's
        bad[at:at + 4] = np.float32(value).tobytes()
        with pytest.raises(ChainLoadError, match="TABLE"):
            CChain(blob_of({**secs, SEC_UPMIX: bytes(bad)}))
        with pytest.raises(TableError, match="band first bins"):
            chain_from_blob(blob_of({**secs, SEC_UPMIX: bytes(bad)}))
    n = q.upmix_tables.fft_size
    for value in (3.5, n // 8 + 1.0):  # the hold's bins fractional, or past its state
        bad = bytearray(secs[SEC_UPMIX])
        at = 16 + 4 * DECISION_CONSTANTS.index("kh")
        bad[at:at + 4] = np.float32(value).tobytes()
        with pytest.raises(ChainLoadError, match="TABLE"):
            CChain(blob_of({**secs, SEC_UPMIX: bytes(bad)}))
        with pytest.raises(TableError, match="hold bins kh"):
            chain_from_blob(blob_of({**secs, SEC_UPMIX: bytes(bad)}))
    for name in ("ka", "kd"):  # the steering's rise or fall factor above 1
        bad = bytearray(secs[SEC_UPMIX])
        at = 16 + 4 * DECISION_CONSTANTS.index(name)
        bad[at:at + 4] = np.float32(1.5).tobytes()
        with pytest.raises(ChainLoadError, match="TABLE"):
            CChain(blob_of({**secs, SEC_UPMIX: bytes(bad)}))
        with pytest.raises(TableError, match="steering ka"):
            chain_from_blob(blob_of({**secs, SEC_UPMIX: bytes(bad)}))


# ------------------------------------------------------------------ full scale (regression)
# Before the fix the block exponent was f = max(0, 30 - bitlen(max |x|)): a frame
# with |M| or |S| >= 2^30 (full-scale L = R, or L = -R for S) got f = 0 and no
# guard bit, the forward FFT stages saturated (a complex value of components up
# to 2^31 rotated by a twiddle reaches 2^31 sqrt 2) and the fixed upmix left the
# float one: validate's "full-band sweep 0 dBFS" at -22 dB on every driver.
def _full_scale_stimuli(fs: int) -> dict[str, np.ndarray]:
    from dsp_model.signals import exp_sweep, square

    n = fs
    sw = exp_sweep(1.0, fs=fs, f0=10.0, level_dbfs=0.0)
    sq = square(n, period=fs // 100)
    sq1k = square(n, period=fs // 1000)
    z = np.zeros(n)
    st = {
        "sweep L=R": np.stack([sw, sw], 1),
        "sweep L only": np.stack([sw, z], 1),
        "sweep L=-R": np.stack([sw, -sw], 1),
        "square 100 Hz L=R": np.stack([sq, sq], 1),
        "square 100 Hz L=-R": np.stack([sq, -sq], 1),
        "square 1 kHz L only": np.stack([sq1k, z], 1),
    }
    out = {k: to_q31(v) for k, v in st.items()}
    out["INT32_MIN both"] = np.full((n // 4, 2), I32_MIN, np.int32)  # |M| = 2^31: f = -1
    return out


FULL_SCALE_SETTINGS = {  # the shipped settings: studio5 4096/512, compact2 2048/512 10 ms
    name: (upmix_tables(load_profile(name).upmix, FS), load_profile(name).upmix)
    for name in ("studio5", "compact2")
}


@functools.cache
def _full_scale_run(setting: str, name: str):
    t, settings = FULL_SCALE_SETTINGS[setting]
    x = _full_scale_stimuli(FS)[name]
    yq = FixedUpmix(t).process(x)
    yf = Upmix(settings, FS).process(x / 2.0**31)
    ref = x.reshape(-1) / 2.0**31 / np.sqrt(2)
    return [db(yq[:, ch] / 2.0**31 - yf[:, ch], ref) for ch in range(3)]


@pytest.mark.parametrize("setting", list(FULL_SCALE_SETTINGS))
@pytest.mark.parametrize("name", list(_full_scale_stimuli(FS)))
def test_full_scale_close_to_float(setting, name):
    """0 dBFS sweeps and +-FS squares, L = R, L only, L = -R, and INT32_MIN on
    both sides: L', R', C within `OWN_BAR_DB` of the float upmix (re the
    input's mean channel energy; measured -114.6 (INT32_MIN both, studio5)
    .. -156.6)."""
    for ch, e in enumerate(_full_scale_run(setting, name)):
        assert e < OWN_BAR_DB, (ch, e)


@pytest.mark.parametrize("name", list(_full_scale_stimuli(FS)))
def test_full_scale_c_matches_python(clib, name):
    """The block exponent's negative value (f = -1) in C as in Python."""
    t = FULL_SCALE_SETTINGS["studio5"][0]
    x = _full_scale_stimuli(FS)[name][:20_000]
    assert np.array_equal(CUpmix(clib, t).process(x), FixedUpmix(t).process(x))


def _shr_round_np(v: np.ndarray, s: int) -> np.ndarray:
    return (v >> s) + ((v >> (s - 1)) & 1)


@pytest.mark.parametrize("setting", ["512/64", "studio5"])
@pytest.mark.parametrize("name", list(_full_scale_stimuli(FS)))
def test_full_scale_no_internal_saturation(name, setting):
    """Frame by frame at full scale: the windowed frames keep the guard bit
    (|x_w| <= 2^30, f in -1..30), the forward and inverse FFTs equal numpy's
    (a wrapping stage would show), the Q30 OLA stays within 2^30 (+ rounding),
    so the only saturation left is the final x2 of C at exactly full scale."""
    t = T_SMALL if setting == "512/64" else FULL_SCALE_SETTINGS[setting][0]
    n, h = t.fft_size, t.hop
    x = _full_scale_stimuli(FS)[name][: 40 * h]
    u = FixedUpmix(t, reference=True)  # the spec's work arrays (fr) hold the frame's FFTs
    wa = np.asarray(t.analysis_window, np.int64)
    for i in range(0, len(x), h):
        u.process(x[i:i + h])  # the block ends on a frame boundary: one frame
        st = u.inst
        hist = st.hist.astype(np.int64)  # the frame's M, S rings, oldest at pos
        pos = int(st.st[1])
        mx = int(np.max(np.abs(hist)))
        f = 30 - max(mx - 1, 0).bit_length()
        assert -1 <= f <= 30
        xw = [_shr_round_np(np.roll(hist[ch], -pos) * wa, 31 - f) for ch in range(2)]
        for ch in range(2):
            assert np.max(np.abs(xw[ch])) <= 1 << 30, (i, ch)
        for got, v in zip(_rfft2(xw[0].astype(np.int32), xw[1].astype(np.int32)), xw,
                          strict=True):
            ref = np.fft.rfft(v.astype(np.float64)) / n
            err = np.max(np.abs(got - ref))
            assert err < 64.0, (i, err)  # LSBs; a wrapping stage is off by ~2^31 / N
        cb = st.fr[0, 0:n + 2:2].astype(np.float64) + 1j * st.fr[0, 1:n + 2:2]  # C bins
        ref = np.fft.irfft(cb, n) * n
        assert np.max(np.abs(ref)) < 2.0**31 * 0.75, i
        lg = n.bit_length() - 2  # log2(N/2)
        z = np.zeros(2 * n, np.int32)  # the merged spectrum, and the exponent g of the frame
        merge_q31(st.fr[0], z, n // 2, st.tw_cos, st.tw_sin)
        back = np.zeros(2 * n, np.int32)
        g = irfft_q31(st.ci, st.fr[0][:n + 2], back, st.tw_cos, st.tw_sin, 30 + lg - f)
        assert np.array_equal(back[:n], st.fr[1, :n]), i
        zc = (z[0:n:2] + 1j * z[1:n:2]) * 2.0**g
        if inverse_cfft_len(n) == n // 2:  # the guard bit, on what CMSIS's inverse takes in
            assert np.max(np.abs(np.concatenate([zc.real, zc.imag]))) <= 1 << 30, i
        else:  # the split step's sums and differences, at its exponent g - 1
            h = n // 4
            sd = np.concatenate([zc[:h] + zc[h:], zc[:h] - zc[h:]]) / 2
            assert np.max(np.abs(np.concatenate([sd.real, sd.imag]))) <= 1 << 30, i
        y = np.fft.ifft(zc)  # what arm_cfft_q31's inverse approximates
        err = max(np.max(np.abs(st.fr[1, 0:n:2] - y.real)),
                  np.max(np.abs(st.fr[1, 1:n:2] - y.imag)))
        assert err < 64.0, (i, err)  # LSBs at the inverse's scale (a wrap: ~2^31 / (N/2))
        # + rounding, and CMSIS's truncations scaled back up (a frame of -2^31: ~1400 LSB)
        assert np.max(np.abs(st.ola.astype(np.int64))) <= (1 << 30) + (1 << 14), i
