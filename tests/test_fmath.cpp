#include "catch2/catch.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>

#include "fmath.h"
#include "inputs.h"

namespace {

// Distance in units in the last place between a float and the exactly rounded double value.
double UlpError(float got, double exact) {
  const float rounded = static_cast<float>(exact);
  const float ulp = std::nextafter(std::fabs(rounded), INFINITY) - std::fabs(rounded);
  return std::fabs(static_cast<double>(got) - exact) / ulp;
}

}  // namespace

TEST_CASE("ExpF is within 2 ulp of e^x over the whole normal range", "[fmath]") {
  double worst = 0.0;
  for (double x = -87.0; x <= 88.7; x += 0.0137) {
    const float xf = static_cast<float>(x);
    worst = std::max(worst, UlpError(fs::ExpF(xf), std::exp(static_cast<double>(xf))));
  }
  // The interval where softmax lives, densely.
  for (float x = -20.0f; x <= 0.0f; x += 1.0f / 1024) worst = std::max(worst, UlpError(fs::ExpF(x), std::exp(double(x))));
  INFO("worst ulp error " << worst);
  CHECK(worst <= 2.0);
}

TEST_CASE("ExpF handles its edges", "[fmath]") {
  CHECK(fs::ExpF(0.0f) == 1.0f);
  CHECK(fs::ExpF(-INFINITY) == 0.0f);
  CHECK(fs::ExpF(-200.0f) == 0.0f);
  CHECK(std::isinf(fs::ExpF(100.0f)));
  CHECK(std::isnan(fs::ExpF(NAN)));
  // Subnormal results keep their value to within rounding.
  const float sub = fs::ExpF(-100.0f);
  CHECK(sub > 0.0f);
  CHECK(std::fabs(sub - std::exp(-100.0)) < 1e-45);
}

TEST_CASE("LogF is within 2 ulp of log x for normal and subnormal x", "[fmath]") {
  double worst = 0.0;
  for (double e = -140.0; e <= 120.0; e += 0.01) {
    const float x = static_cast<float>(std::pow(2.0, e));
    if (x == 0.0f || std::isinf(x)) continue;
    const double exact = std::log(static_cast<double>(x));
    if (std::fabs(exact) < 1e-3) continue;  // near 1 judge by absolute error below
    worst = std::max(worst, UlpError(fs::LogF(x), exact));
  }
  INFO("worst ulp error " << worst);
  CHECK(worst <= 2.0);
  for (float x = 0.999f; x <= 1.001f; x = std::nextafter(x, 2.0f) + 1e-6f)
    CHECK(std::fabs(fs::LogF(x) - std::log(double(x))) < 2.4e-7 * std::fabs(std::log(double(x))) + 1e-12);
}

TEST_CASE("LogF handles its edges", "[fmath]") {
  CHECK(fs::LogF(1.0f) == 0.0f);
  CHECK(fs::LogF(0.0f) == -INFINITY);
  CHECK(std::isnan(fs::LogF(-1.0f)));
  CHECK(fs::LogF(INFINITY) == INFINITY);
}

namespace {

// a * b + c with one rounding, bit for bit as std::fmaf gives it (any NaN for a NaN).
bool SameAsFmaf(float a, float b, float c) {
  const float want = std::fmaf(a, b, c), got = fs::FmafViaDouble(a, b, c);
  if (want != want) return got != got;
  return fs::FloatToBits(want) == fs::FloatToBits(got);
}

}  // namespace

TEST_CASE("FmafViaDouble (the browser's fmaf) is std::fmaf bit for bit", "[fmath]") {
  fs::NormalRng rng(77);
  long checked = 0, mismatches = 0;
  // Any bit patterns: every class of float, subnormals, infinities and NaNs included.
  for (int i = 0; i < 2000000; ++i, ++checked) {
    const uint64_t r = rng.NextU64();
    const float a = fs::BitsToFloat(static_cast<uint32_t>(r)), b = fs::BitsToFloat(static_cast<uint32_t>(r >> 32));
    const float c = fs::BitsToFloat(static_cast<uint32_t>(rng.NextU64()));
    mismatches += !SameAsFmaf(a, b, c);
  }
  // Values the kernels meet: products and sums of nearby magnitudes, where c cancels a * b.
  for (int i = 0; i < 2000000; ++i, ++checked) {
    const float a = static_cast<float>(rng.Normal()), b = static_cast<float>(rng.Normal());
    const float c = static_cast<float>(-static_cast<double>(a) * b * (1.0 + 1e-6 * rng.Normal()));
    mismatches += !SameAsFmaf(a, b, c);
    mismatches += !SameAsFmaf(a, b, static_cast<float>(rng.Normal()));
  }
  // Exact ties in double: c a float with an odd significand, a * b just under (or over) half
  // its ulp, so that a * b + c rounds in double to the halfway point between c and its
  // neighbour, and only the exact sum says which way the float goes.
  int ties = 0;
  for (int i = 0; i < 200000; ++i, ++checked) {
    const int e = static_cast<int>(rng.NextU64() % 200) - 100;  // c's exponent
    const uint32_t mant = static_cast<uint32_t>(rng.NextU64() & 0x7FFFFF) | 1u;
    const float c = std::ldexp(fs::BitsToFloat(0x3F800000u | mant), e) * ((rng.NextU64() & 1) ? -1.0f : 1.0f);
    const float half_ulp = std::ldexp(1.0f, e - 24);
    const float a = 1.0f + std::ldexp(1.0f, -23) * static_cast<float>(1 + rng.NextU64() % 8);
    const float b = half_ulp * (1.0f - std::ldexp(1.0f, -23) * static_cast<float>(1 + rng.NextU64() % 8)) *
                    ((rng.NextU64() & 1) ? -1.0f : 1.0f);
    const double s = static_cast<double>(a) * b + c;
    uint64_t bits;
    std::memcpy(&bits, &s, sizeof bits);
    ties += (bits & 0x1FFFFFFFull) == 0x10000000ull;
    mismatches += !SameAsFmaf(a, b, c);
  }
  INFO(checked << " triples, " << ties << " of them ties in double");
  CHECK(ties > 1000);  // the case that needs the library is met, and agrees
  CHECK(mismatches == 0);
  // The tie by hand: 1 + 2^-23 plus just under half its ulp is 1 + 2^-23; rounded twice it
  // would go to the even neighbour 1 + 2^-22.
  const float one_ulp = 1.0f + std::ldexp(1.0f, -23);
  const float a = one_ulp, b = std::ldexp(1.0f, -24) * (1.0f - std::ldexp(1.0f, -23));
  CHECK(static_cast<float>(static_cast<double>(a) * b + one_ulp) == 1.0f + std::ldexp(1.0f, -22));
  CHECK(fs::FmafViaDouble(a, b, one_ulp) == one_ulp);
}
