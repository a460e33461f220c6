"""The fast forms of the kernels vs their plain-loop references, bit for bit
(the kernels are also held to cmsisdsp in test_fixed_kernels_cmsis.py).

* The SIMD Q31 FIR (``fir_q31``, 32 outputs per vector group) vs
  ``fir_q31_direct`` and a numpy wrapping-int64 definition: random
  full-scale data, the accumulator's worst cases (max-magnitude taps on
  +-2^31 inputs, sums that wrap 64 bits, outputs that wrap 32 bits), every
  tail length around the 32-output group, streaming in uneven blocks, in
  place, and strided (non-unit-stride) destinations.
* The biquad cascades (stages fused two per sample loop) vs their
  one-stage-per-pass ``*_direct`` twins: outputs and state, arbitrary
  coefficients (wrapping accumulators and outputs), any stage count.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from dsp_model import fixed as F
from dsp_model.fixed import ops
from dsp_model.fixed.kernels import (
    FIR_Q31_GROUP,
    biquad_df1_32x64_q31_direct,
    biquad_df1_q31_direct,
    fir_q31_direct,
)

I32_MIN, I32_MAX = -(1 << 31), (1 << 31) - 1


def _numpy_fir(h: np.ndarray, x: np.ndarray) -> np.ndarray:
    """arm_fir_q31 from its definition: 64-bit wrapping sum of the int32 x
    int32 products (numpy int64 arithmetic wraps), >> 31 floor, low 32 bits."""
    nt = len(h)
    s = np.concatenate([np.zeros(nt - 1, np.int64), x.astype(np.int64)])
    with np.errstate(over="ignore"):
        acc = (sliding_window_view(s, nt) * h.astype(np.int64)).sum(axis=1, dtype=np.int64)
    return (acc >> 31).astype(np.int32)  # astype keeps the low 32 bits


def _run(kernel, h, x, max_block, sizes):
    inst = F.fir_q31_init(h, max_block)
    y = np.zeros_like(x)
    i = k = 0
    while i < len(x):
        m = min(sizes[k % len(sizes)], len(x) - i)
        kernel(inst, x[i:i + m], y[i:i + m], m)
        i, k = i + m, k + 1
    return y, inst.state


def _data(rng, n, kind):
    if kind == "full":
        return rng.integers(I32_MIN, I32_MAX, n, endpoint=True, dtype=np.int64).astype(np.int32)
    if kind == "extremes":
        return rng.choice(np.array([I32_MIN, I32_MIN + 1, I32_MAX, I32_MAX - 1, 0, -1],
                                   np.int32), n)
    if kind == "min":
        return np.full(n, I32_MIN, np.int32)
    return np.where(rng.integers(0, 2, n) == 1, I32_MAX, I32_MIN).astype(np.int32)  # "signs"


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    num_taps=st.integers(1, 300),
    max_block=st.sampled_from([1, 7, 31, 32, 33, 63, 64, 65, 100, 256, 4096]),
    sizes=st.lists(st.integers(1, 300), min_size=1, max_size=4),
    hkind=st.sampled_from(["full", "extremes", "min", "signs"]),
    xkind=st.sampled_from(["full", "extremes", "min", "signs"]),
)
def test_vector_fir_matches_direct_and_definition(seed, num_taps, max_block, sizes, hkind,
                                                  xkind):
    rng = np.random.default_rng(seed)
    h = _data(rng, num_taps, hkind)
    x = _data(rng, 700, xkind)
    ours, st_ours = _run(F.fir_q31, h, x, max_block, sizes)
    ref, st_ref = _run(fir_q31_direct, h, x, max_block, sizes)
    assert np.array_equal(ours, ref)
    assert np.array_equal(st_ours, st_ref)
    assert np.array_equal(ours, _numpy_fir(h, x))


@pytest.mark.parametrize("num_taps", [1, 2, 3, 16, 17, 96, 128, 190, 255, 256, 1024])
@pytest.mark.parametrize("m", [1, 31, 32, 33, 63, 64, 65, 95, 96, 97, 4096])
def test_every_tail_length(num_taps, m):
    """Group-multiple, group +- 1 and shorter-than-a-group blocks, one call."""
    rng = np.random.default_rng(num_taps * 10_000 + m)
    h = _data(rng, num_taps, "full")
    x = _data(rng, m, "full")
    y = np.zeros_like(x)
    F.fir_q31(F.fir_q31_init(h, m), x, y, m)
    assert np.array_equal(y, _numpy_fir(h, x))


def test_accumulator_worst_cases():
    """-1.0 taps on -1.0 input: every product is +2^62, n of them sum to
    n * 2^62 mod 2^64 (wraps at n = 2, cycles with period 4); and
    max-magnitude mixed-sign taps on alternating +-full-scale input, whose
    outputs wrap 32 bits."""
    n = 300
    for h, x in (
        (np.full(n, I32_MIN, np.int32), np.full(2000, I32_MIN, np.int32)),
        (np.full(n, I32_MAX, np.int32), np.full(2000, I32_MIN, np.int32)),
        (np.where(np.arange(n) % 2 == 0, I32_MIN, I32_MAX).astype(np.int32),
         np.where(np.arange(2000) % 2 == 0, I32_MAX, I32_MIN).astype(np.int32)),
        (np.where(np.arange(n) % 3 == 0, I32_MIN, I32_MAX).astype(np.int32),
         np.where(np.arange(2000) % 5 < 2, I32_MAX, I32_MIN).astype(np.int32)),
    ):
        y, _ = _run(F.fir_q31, h, x, 4096, [2000])
        ref, _ = _run(fir_q31_direct, h, x, 4096, [2000])
        assert np.array_equal(y, ref)
        assert np.array_equal(y, _numpy_fir(h, x))
    # the first case's outputs: k products of 2^62 (k = 1..300), floor(>> 31), wrapped
    y, _ = _run(F.fir_q31, np.full(n, I32_MIN, np.int32), np.full(400, I32_MIN, np.int32),
                4096, [400])
    k = np.minimum(np.arange(1, 401), n)
    want = [ops.wrap32(ops.wrap64(int(kk) << 62) >> 31) for kk in k]
    assert np.array_equal(y, np.array(want, np.int32))
    assert want[:4] == [I32_MIN, 0, I32_MIN, 0]  # 2^62 >> 31 = 2^31 wraps; 2^63 wraps to -2^63


def test_in_place_and_strided():
    rng = np.random.default_rng(5)
    h = _data(rng, 190, "full")
    x = _data(rng, 1000, "full")
    ref = _numpy_fir(h, x)
    z = x.copy()
    F.fir_q31(F.fir_q31_init(h, 256), z, z, len(z))  # in place
    assert np.array_equal(z, ref)
    wide = np.zeros(2 * len(x), np.int32)  # strided destination: the plain loop
    F.fir_q31(F.fir_q31_init(h, 256), x, wide[::2], len(x))
    assert np.array_equal(wide[::2], ref)
    assert not wide[1::2].any()


def test_group_size():
    assert FIR_Q31_GROUP == 32


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    num_stages=st.integers(1, 7),
    post_shift=st.sampled_from([0, 1, 2, 3, 30]),
    sizes=st.lists(st.integers(1, 300), min_size=1, max_size=4),
    kind=st.sampled_from(["df1", "32x64"]),
    xkind=st.sampled_from(["full", "extremes", "min", "signs"]),
    in_place=st.booleans(),
)
def test_paired_biquad_stages_match_one_stage_per_pass(seed, num_stages, post_shift, sizes,
                                                       kind, xkind, in_place):
    rng = np.random.default_rng(seed)
    c = rng.integers(I32_MIN, I32_MAX, (num_stages, 5), endpoint=True, dtype=np.int64)
    c = (c >> int(rng.integers(0, 3))).astype(np.int32)  # arbitrary: outputs wrap
    x = _data(rng, 600, xkind)
    init, fast, ref = ((F.biquad_df1_q31_init, F.biquad_df1_q31, biquad_df1_q31_direct)
                       if kind == "df1" else
                       (F.biquad_df1_32x64_q31_init, F.biquad_df1_32x64_q31,
                        biquad_df1_32x64_q31_direct))
    outs = []
    for kern in (fast, ref):
        inst = init(c, post_shift)
        y = np.zeros_like(x)
        i = k = 0
        while i < len(x):
            m = min(sizes[k % len(sizes)], len(x) - i)
            if in_place:
                y[i:i + m] = x[i:i + m]
                kern(inst, y[i:i + m], y[i:i + m], m)
            else:
                kern(inst, x[i:i + m], y[i:i + m], m)
            i, k = i + m, k + 1
        outs.append((y, inst.state))
    assert np.array_equal(outs[0][0], outs[1][0])
    assert np.array_equal(outs[0][1], outs[1][1])


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 6])
def test_mix_sat_every_input_count(k):
    """The per-count loops of mix_sat_q31 vs the exact sum, saturated once."""
    rng = np.random.default_rng(k)
    srcs = np.stack([_data(rng, 1000, kind) for kind in
                     ("full", "extremes", "min", "signs", "full", "extremes")[:k]])
    srcs[:, :4] = I32_MAX  # all-positive and all-negative full-scale sums
    srcs[:, 4:8] = I32_MIN
    wide = np.zeros((k, 1200), np.int32)[:, :1000]  # rows 1200 apart
    wide[:] = srcs
    expect = np.clip(srcs.astype(np.int64).sum(0), I32_MIN, I32_MAX)
    for s in (srcs, wide):
        y = np.zeros(1000, np.int32)
        F.mix_sat_q31(s, y, 999)
        assert np.array_equal(y[:999], expect[:999]) and y[999] == 0


def _ring_model(d, x, buf, pos):
    """delay_q31 sample by sample in Python: (y, buf, pos)."""
    buf, y = list(buf), []
    for v in x:
        y.append(buf[pos])
        buf[pos] = v
        pos = (pos + 1) % d
    return y, buf, pos


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    d=st.integers(0, 300),
    sizes=st.lists(st.integers(1, 700), min_size=1, max_size=5),
    mode=st.sampled_from(["separate", "in place", "strided"]),
    q15=st.booleans(),
)
def test_delay_block_copies_match_the_ring(seed, d, sizes, mode, q15):
    """The block-copy form of delay_q31 (blocks >= delay into a separate dst)
    and the per-sample ring leave the same output, buf and pos."""
    rng = np.random.default_rng(seed)
    dt = np.int16 if q15 else np.int32
    x = rng.integers(-30000, 30000, 1500).astype(dt)
    inst = (F.delay_q15_init if q15 else F.delay_q31_init)(d)
    buf, pos = [0] * max(d, 1), 0
    i = k = 0
    while i < len(x):
        m = min(sizes[k % len(sizes)], len(x) - i)
        if mode == "in place":
            y = x[i:i + m].copy()
            F.delay_q31(inst, y, y, m)
        elif mode == "strided":
            wide = np.zeros(2 * m, dt)
            F.delay_q31(inst, x[i:i + m], wide[::2], m)
            y = wide[::2]
        else:
            y = np.zeros(m, dt)
            F.delay_q31(inst, x[i:i + m], y, m)
        if d:
            ref, buf, pos = _ring_model(d, x[i:i + m].tolist(), buf, pos)
        else:
            ref = x[i:i + m].tolist()
        assert y.tolist() == ref
        assert inst.buf.tolist() == buf and int(inst.pos[0]) == pos
        i, k = i + m, k + 1


@settings(max_examples=100, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    kind=st.sampled_from(["df1", "32x64"]),
    ps=st.tuples(st.sampled_from([0, 1, 3, 30]), st.sampled_from([0, 1, 3, 30])),
    chained=st.booleans(),
    m=st.integers(0, 300),
)
def test_stage_pair_matches_two_single_stages(seed, kind, ps, chained, m):
    """The two-stage loop on two independent instances and streams (or
    chained: b filters a's output) vs one stage at a time: outputs, state."""
    from dsp_model.fixed import kernels as K

    rng = np.random.default_rng(seed)
    single, pair, sdt = ((K._biquad_df1_q31_stage, K._biquad_df1_q31_pair, np.int32)
                         if kind == "df1" else
                         (K._biquad_32x64_stage, K._biquad_32x64_pair, np.int64))
    ca = rng.integers(I32_MIN, I32_MAX, 15, endpoint=True, dtype=np.int64).astype(np.int32)
    cb = rng.integers(I32_MIN, I32_MAX, 10, endpoint=True, dtype=np.int64).astype(np.int32)
    sa = rng.integers(I32_MIN, I32_MAX, 12, endpoint=True, dtype=np.int64).astype(sdt)
    sb = rng.integers(I32_MIN, I32_MAX, 8, endpoint=True, dtype=np.int64).astype(sdt)
    if kind == "32x64":
        sa[2::4] = rng.integers(-2**63, 2**63 - 1, 3, endpoint=True, dtype=np.int64)
        sb[2::4] = rng.integers(-2**63, 2**63 - 1, 2, endpoint=True, dtype=np.int64)
    ka, kb = int(rng.integers(0, 3)), int(rng.integers(0, 2))
    xa = _data(rng, 300, "full")
    xb = _data(rng, 300, "extremes")
    # reference: stage a, then stage b on its input (xb, or a's output)
    ra, rb, rsa, rsb = xa.copy(), xb.copy(), sa.copy(), sb.copy()
    single(ca, rsa, ka, ps[0], ra, ra, m)
    if chained:
        rb[:m] = ra[:m]
    single(cb, rsb, kb, ps[1], rb, rb, m)
    ya, yb = xa.copy(), xb.copy()
    pair(ca, sa, ka, ps[0], ya, ya, cb, sb, kb, ps[1], yb, yb, chained, m)
    if not chained:
        assert np.array_equal(ya, ra)
    assert np.array_equal(yb[:m], rb[:m])
    assert np.array_equal(sa, rsa) and np.array_equal(sb, rsb)


def _chains():
    from test_float_chain import synthetic_design

    from device_profiles import load_profile
    from dsp_model.validate import chain_design_for
    from firmware_export.quantize import KERNEL_32X64, KERNEL_DF1, quantize_chain

    yield quantize_chain(chain_design_for(load_profile("studio5"))[0], tolerance_db=-60)
    for kernel in (None, KERNEL_DF1, KERNEL_32X64):
        yield quantize_chain(synthetic_design(3, virt=True), force_kernel=kernel,
                             tolerance_db=-80)


def test_cascades_side_by_side_match_one_chain_at_a_time():
    """chain._cascades_n (up to four chains' biquad stages interleaved) vs
    _cascades on each chain: random sets of one to five disjoint cascade
    ranges of real chains (studio5; synthetic ones with DF1, 32x64 and mixed
    kernels), rows in any order."""
    from dsp_model.fixed.chain import FixedChain, _cascades, _cascades_n, _tables

    rng = np.random.default_rng(0)
    n_cases = 0
    for q in _chains():
        meta, mem32, mem64, _ = FixedChain(q, max_block=128)._ctx
        ff = np.empty((4, 128), np.int64)
        t = _tables(meta)
        kind, nst, ps, cco, cso = t[12:17]
        C = len(kind)
        mem32[:] = rng.integers(-2**24, 2**24, len(mem32)).astype(np.int32)  # state (and tables)
        mem64[:] = rng.integers(-2**40, 2**40, len(mem64))
        for _ in range(60):
            nch = int(rng.integers(1, 6))
            cuts = np.sort(rng.integers(0, C + 1, 2 * nch))  # disjoint ranges, some empty
            c0, c1 = cuts[0::2].astype(np.int64), cuts[1::2].astype(np.int64)
            rows = rng.permutation(nch).astype(np.int64)
            z = np.stack([_data(rng, 128, "full") for _ in range(nch)])
            m32, m64, ref = mem32.copy(), mem64.copy(), z.copy()
            for i in range(nch):
                _cascades(meta, m32, m64, kind, nst, ps, cco, cso, c0[i], c1[i], ref[rows[i]],
                          100)
            f32, f64, got = mem32.copy(), mem64.copy(), z.copy()
            _cascades_n(meta, f32, f64, kind, nst, ps, cco, cso, c0, c1, got, rows, ff, 100)
            assert np.array_equal(got, ref), (c0, c1, rows)
            assert np.array_equal(f32, m32) and np.array_equal(f64, m64)
            n_cases += 1
    assert n_cases > 100
