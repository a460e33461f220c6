/* Minimal stand-in for CMSIS-Core's cmsis_compiler.h, GCC on Cortex-M4 only.
 *
 * CMSIS-DSP's arm_math_types.h includes cmsis_compiler.h (from CMSIS-Core,
 * not part of the cmsisdsp sdist) for the function attributes and, on cores
 * with the DSP extension, the SIMD/saturation intrinsics. This file maps
 * them onto GCC attributes and the ACLE intrinsics of <arm_acle.h>, which
 * compile to the same single instructions as CMSIS-Core's inline assembly.
 * The q31 biquad and FIR kernels the project uses call none of the
 * intrinsics; they are here so the headers compile as they are. */
#ifndef SS_TARGET_CMSIS_COMPILER_H
#define SS_TARGET_CMSIS_COMPILER_H

#if !defined(__GNUC__) || !defined(__ARM_ARCH_7EM__)
#error "this cmsis_compiler.h shim supports GCC for Cortex-M4/M7 only"
#endif

#include <arm_acle.h>
#include <stdint.h>

#define __ASM __asm
#define __INLINE inline
#define __STATIC_INLINE static inline
#define __STATIC_FORCEINLINE static inline __attribute__((always_inline))
#define __ALIGNED(x) __attribute__((aligned(x)))
#define __WEAK __attribute__((weak))
#define __PACKED __attribute__((packed))

/* CLZ of 0 is 32 (the instruction), unlike __builtin_clz(0). */
__STATIC_FORCEINLINE uint8_t __CLZ(uint32_t value)
{
    return (uint8_t)(value == 0u ? 32u : (uint32_t)__builtin_clz(value));
}

#define __SSAT(value, bits) __ssat((value), (bits))
#define __USAT(value, bits) __usat((value), (bits))
#define __ROR(value, n) __ror((value), (n))

#define __QADD(a, b) __qadd((a), (b))
#define __QSUB(a, b) __qsub((a), (b))
#define __QADD8(a, b) __qadd8((a), (b))
#define __QSUB8(a, b) __qsub8((a), (b))
#define __QADD16(a, b) __qadd16((a), (b))
#define __QSUB16(a, b) __qsub16((a), (b))
#define __SHADD16(a, b) __shadd16((a), (b))
#define __SHSUB16(a, b) __shsub16((a), (b))
#define __QASX(a, b) __qasx((a), (b))
#define __SHASX(a, b) __shasx((a), (b))
#define __QSAX(a, b) __qsax((a), (b))
#define __SHSAX(a, b) __shsax((a), (b))
#define __SMUAD(a, b) __smuad((a), (b))
#define __SMUADX(a, b) __smuadx((a), (b))
#define __SMUSD(a, b) __smusd((a), (b))
#define __SMUSDX(a, b) __smusdx((a), (b))
#define __SMLAD(a, b, c) __smlad((a), (b), (c))
#define __SMLADX(a, b, c) __smladx((a), (b), (c))
#define __SMLSDX(a, b, c) __smlsdx((a), (b), (c))
#define __SMLALD(a, b, c) __smlald((a), (b), (c))
#define __SMLALDX(a, b, c) __smlaldx((a), (b), (c))
#define __SXTB16(a) __sxtb16((a))

/* Most significant word multiply-accumulate: acc + ((a * b) >> 32). */
__STATIC_FORCEINLINE int32_t __SMMLA(int32_t a, int32_t b, int32_t acc)
{
    int32_t result;
    __ASM("smmla %0, %1, %2, %3" : "=r"(result) : "r"(a), "r"(b), "r"(acc));
    return result;
}

#define __PKHBT(a, b, shift) \
    ((((int32_t)(a) << 0) & (int32_t)0x0000FFFF) | (((int32_t)(b) << (shift)) & (int32_t)0xFFFF0000))
#define __PKHTB(a, b, shift) \
    ((((int32_t)(a) << 0) & (int32_t)0xFFFF0000) | (((int32_t)(b) >> (shift)) & (int32_t)0x0000FFFF))

#endif
