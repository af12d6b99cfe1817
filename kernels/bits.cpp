#include "bits.h"

#include <cmath>
#include <limits>

namespace fs {
namespace {

// Storage bits of a value of format f (x already representable in f).
uint32_t StoredBits(float x, Format f) {
  if (f == Format::kFp16) return FloatToHalfBits(x);
  const uint32_t u = FloatToBits(x);
  return f == Format::kBf16 ? u >> 16 : u;
}

double ValueOfBits(uint32_t bits, Format f) {
  if (f == Format::kFp16) return HalfBitsToFloat(static_cast<uint16_t>(bits));
  return BitsToFloat(f == Format::kBf16 ? bits << 16 : bits);
}

}  // namespace

FormatInfo InfoOf(Format f) {
  switch (f) {
    case Format::kFp16: return {5, 10, 15};
    case Format::kBf16: return {8, 7, 127};
    case Format::kFp32: break;
  }
  return {8, 23, 127};
}

std::string FloatBits::BitString() const {
  const FormatInfo info = InfoOf(format);
  std::string out;
  const int total = 1 + info.exponent_bits + info.mantissa_bits;
  for (int i = total - 1; i >= 0; --i) {
    out += ((bits >> i) & 1u) ? '1' : '0';
    if (i == total - 1 || i == info.mantissa_bits) out += ' ';
  }
  return out;
}

FloatBits DecomposeFloat(float x, Format f) {
  const FormatInfo info = InfoOf(f);
  FloatBits b;
  b.format = f;
  b.bits = StoredBits(x, f);
  const int total = 1 + info.exponent_bits + info.mantissa_bits;
  b.sign = static_cast<int>((b.bits >> (total - 1)) & 1u);
  b.exponent = (b.bits >> info.mantissa_bits) & ((1u << info.exponent_bits) - 1u);
  b.mantissa = b.bits & ((1u << info.mantissa_bits) - 1u);
  const uint32_t max_exponent = (1u << info.exponent_bits) - 1u;
  b.nan = b.exponent == max_exponent && b.mantissa != 0;
  b.infinite = b.exponent == max_exponent && b.mantissa == 0;
  b.subnormal = b.exponent == 0 && b.mantissa != 0;
  b.value = ValueOfBits(b.bits, f);
  if (b.nan) {
    b.below = b.above = b.ulp = std::numeric_limits<double>::quiet_NaN();
    return b;
  }
  // Neighbours: one step of the magnitude bits, toward and away from zero; across zero the
  // neighbour of +0 below is the smallest negative subnormal, and inf has one neighbour.
  const uint32_t sign_bit = 1u << (total - 1);
  const uint32_t magnitude = b.bits & (sign_bit - 1u);
  const auto step = [&](bool up) -> double {  // toward +inf when up
    const bool grow = (b.sign == 0) == up;    // magnitude grows
    if (grow) {
      if (b.infinite) return b.value;
      return ValueOfBits((b.bits & sign_bit) | (magnitude + 1u), f);
    }
    if (magnitude == 0) return ValueOfBits((b.bits ^ sign_bit) | 1u, f);
    return ValueOfBits((b.bits & sign_bit) | (magnitude - 1u), f);
  };
  b.below = step(false);
  b.above = step(true);
  b.ulp = b.value >= 0.0 ? b.above - b.value : b.value - b.below;
  if (b.infinite) b.ulp = std::numeric_limits<double>::infinity();
  return b;
}

Rounding ExplainRounding(float x, Format f) {
  Rounding r;
  r.input = x;
  r.result = Round(x, f);
  r.error = static_cast<double>(r.result) - static_cast<double>(x);
  r.away_from_zero = std::fabs(static_cast<double>(r.result)) > std::fabs(static_cast<double>(x));
  if (f == Format::kFp32 || !std::isfinite(x) || x == 0.0f) return r;
  // The dropped part of x's significand below the last kept bit of f. For a result that is
  // subnormal in f (FP16 below 2^-14) more bits are dropped than the mantissa widths differ.
  const FormatInfo info = InfoOf(f);
  const uint32_t u = FloatToBits(x) & 0x7FFFFFFFu;
  const int exponent = static_cast<int>(u >> 23) - 127;  // x's unbiased exponent (normal x)
  uint64_t significand = (u & 0x7FFFFFu) | (u >> 23 ? 0x800000u : 0u);
  int dropped = 23 - info.mantissa_bits;
  const int min_exponent = 1 - info.bias;
  if (u >> 23 && exponent < min_exponent) dropped += min_exponent - exponent;
  if (dropped > 25) dropped = 25;
  r.dropped_bits = dropped;
  const uint64_t rest = significand & ((uint64_t{1} << dropped) - 1u);
  r.guard = (rest >> (dropped - 1)) & 1u;
  r.round = dropped >= 2 && ((rest >> (dropped - 2)) & 1u);
  r.sticky = dropped >= 3 && (rest & ((uint64_t{1} << (dropped - 2)) - 1u)) != 0;
  r.tie = r.guard && !r.round && !r.sticky;
  return r;
}

}  // namespace fs
