// Float math shared bit-for-bit by the CPU emulation and the CUDA kernels.
//
// The CPU emulation is a twin of the GPU kernel, not a stand-in: both call these functions,
// which use only IEEE-exact operations (fmaf, +, *, /, bit moves) in a fixed order. Library
// expf/logf differ between glibc and CUDA by an ulp or two, so neither is used; with these,
// GPU and CPU traces agree exactly (tests/test_gpu.cpp checks it).
//
// Host code must be compiled with -ffp-contract=off and device code with -fmad=false so
// the compiler never fuses a multiply and an add that the source did not fuse.
#pragma once

#include <cstdint>
#include <cstring>
#include <cmath>

#if defined(__CUDACC__)
#define FS_HD __host__ __device__ __forceinline__
#else
#define FS_HD inline
#endif

namespace fs {

constexpr int kWarpSize = 32;                 // lanes of a CUDA warp
constexpr int kRowsPerWarp = 16;              // query rows each warp of fa2_teach and fa1 owns
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693145751953125f;   // ln 2 split so that k*kLn2Hi is exact
constexpr float kLn2Lo = 1.42860682030941723e-6f;
constexpr float kNegInf = -INFINITY;

FS_HD float BitsToFloat(uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
#endif
}

FS_HD uint32_t FloatToBits(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(f);
#else
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
#endif
}

// fmaf: a * b + c rounded once. On the GPU the FFMA instruction; on a CPU with FMA the
// instruction, else the C library's exact software fmaf. WebAssembly has no fused multiply-add
// and its library fmaf is a call of several nanoseconds, which made the emulation in a browser
// tens of times slower than native; there the same result comes from two double operations: a
// float product is exact in double, so only the sum rounds, and rounding that sum to float
// again can differ from one rounding only when it lands exactly halfway between two floats
// (the low 29 bits of its significand 1 followed by zeros) or below the floats' normal range,
// where the library's fmaf decides. tests/test_fmath.cpp checks it against std::fmaf.
inline float FmafViaDouble(float a, float b, float c) {
  const double s = static_cast<double>(a) * static_cast<double>(b) + static_cast<double>(c);
  uint64_t bits;
  std::memcpy(&bits, &s, sizeof bits);
  if ((bits & 0x1FFFFFFFull) != 0x10000000ull && std::fabs(s) >= 0x1p-126) return static_cast<float>(s);
  return fmaf(a, b, c);
}

// Fmaf in the functions below and in the emulation's loops: a macro, so that the GPU's code is
// the plain fmaf it always was.
#if defined(__wasm__)
#define FS_FMAF(a, b, c) ::fs::FmafViaDouble(a, b, c)
#else
#define FS_FMAF(a, b, c) fmaf(a, b, c)
#endif

// 2^k for -126 <= k <= 127, built from the exponent bits.
FS_HD float Pow2i(int k) { return BitsToFloat(static_cast<uint32_t>(k + 127) << 23); }

// e^x, at most 2 ulp from the exact value over the normal range; 0 below e^-104, +inf
// above 88.72. Cody-Waite reduction x = k ln2 + r, |r| <= ln2/2, then a degree-7 Taylor
// polynomial for e^r in Horner form, then scaling by 2^k in two halves so that the
// subnormal range rounds once.
FS_HD float ExpF(float x) {
  if (x != x) return x;                      // NaN
  if (x > 88.72283935546875f) return INFINITY;
  if (x < -104.0f) return 0.0f;              // also -inf: exp(-inf) = 0
  const float k = rintf(x * kLog2e);
  float r = FS_FMAF(-k, kLn2Hi, x);
  r = FS_FMAF(-k, kLn2Lo, r);
  float p = 1.0f / 5040.0f;
  p = FS_FMAF(p, r, 1.0f / 720.0f);
  p = FS_FMAF(p, r, 1.0f / 120.0f);
  p = FS_FMAF(p, r, 1.0f / 24.0f);
  p = FS_FMAF(p, r, 1.0f / 6.0f);
  p = FS_FMAF(p, r, 0.5f);
  p = FS_FMAF(p, r, 1.0f);
  p = FS_FMAF(p, r, 1.0f);
  const int ki = static_cast<int>(k);
  const int k1 = ki / 2;
  return (p * Pow2i(k1)) * Pow2i(ki - k1);
}

// Natural log for x > 0 (normal or subnormal), within 2 ulp. log x = e ln2 + log m with
// m in [sqrt(1/2), sqrt 2); log m = 2 atanh(f / (2 + f)), f = m - 1, as an odd series.
FS_HD float LogF(float x) {
  if (x != x || x < 0.0f) return NAN;
  if (x == 0.0f) return -INFINITY;
  if (x == INFINITY) return INFINITY;
  int e = 0;
  if (x < 1.17549435e-38f) {                 // subnormal: scale into the normal range
    x *= 16777216.0f;                        // 2^24
    e = -24;
  }
  const uint32_t bits = FloatToBits(x);
  e += static_cast<int>((bits >> 23) & 0xff) - 127;
  float m = BitsToFloat((bits & 0x007fffffu) | 0x3f800000u);  // [1, 2)
  if (m > 1.41421356f) {
    m *= 0.5f;
    e += 1;
  }
  const float f = m - 1.0f;
  const float s = f / (2.0f + f);
  const float s2 = s * s;
  float q = 2.0f / 11.0f;
  q = FS_FMAF(q, s2, 2.0f / 9.0f);
  q = FS_FMAF(q, s2, 2.0f / 7.0f);
  q = FS_FMAF(q, s2, 2.0f / 5.0f);
  q = FS_FMAF(q, s2, 2.0f / 3.0f);
  const float log_m = FS_FMAF(q * s2, s, 2.0f * s);  // 2s + s^3 q(s^2)
  const float ef = static_cast<float>(e);
  return FS_FMAF(ef, kLn2Hi, FS_FMAF(ef, kLn2Lo, log_m));
}

}  // namespace fs
