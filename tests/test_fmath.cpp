#include "catch2/catch.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>

#include "fmath.h"

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
