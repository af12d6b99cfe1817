// The CPU twin on threads: ParallelFor, the same bits as one thread, progress and cancel.
#include "catch2/catch.hpp"

#include <atomic>
#include <cmath>
#include <cstdint>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "emulate.h"
#include "emulate_ops.h"
#include "fmath.h"
#include "parallel.h"
#include "test_util.h"

namespace {

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// The first float (in loop order) where two traces of the same problem differ, or -1.
long FirstDifference(const std::vector<float>& a, const std::vector<float>& b) {
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) return static_cast<long>(i);
  return a.size() == b.size() ? -1 : static_cast<long>(std::min(a.size(), b.size()));
}

// Problems whose Q blocks differ in what they do: partial tiles, the causal diagonal, low
// precision with the stabilized softmax, and FA1's loop order.
std::vector<fs::Problem> ThreadProblems() {
  std::vector<fs::Problem> ps;
  ps.push_back(fs_test::ProblemOf(200, 64, 64, 32));          // partial last Q and K/V blocks
  ps.push_back(fs_test::ProblemOf(333, 32, 32, 64, true));    // causal, partial tiles
  fs::Problem bf16 = fs_test::ProblemOf(256, 64, 64, 64);
  bf16.pattern = fs::Pattern::kDrift;
  REQUIRE(fs::ParsePrecisionPreset("paper-bf16", &bf16.precision));
  bf16.softmax = fs::Softmax::kStabilized;
  ps.push_back(bf16);
  fs::Problem fp16 = fs_test::ProblemOf(150, 16, 16, 32, true);
  REQUIRE(fs::ParsePrecisionPreset("fa2-fp16", &fp16.precision));
  ps.push_back(fp16);
  for (bool causal : {false, true}) {
    fs::Problem fa1 = fs_test::ProblemOf(190, 32, 32, 64, causal);
    fa1.order = fs::LoopOrder::kFa1;
    ps.push_back(fa1);
  }
  return ps;
}

}  // namespace

TEST_CASE("ParallelFor calls every item exactly once, on any number of threads", "[parallel]") {
  for (int threads : {0, 1, 2, 3, 8}) {
    for (int count : {0, 1, 7, 100}) {
      INFO(threads << " threads, " << count << " items");
      std::vector<std::atomic<int>> calls(count);
      fs::ParallelFor(count, threads, [&](int i) { ++calls[i]; });
      for (int i = 0; i < count; ++i) CHECK(calls[i] == 1);
    }
  }
  CHECK(fs::DefaultThreads() >= 1);
  CHECK(fs::DefaultThreads() <= fs::kMaxThreads);
}

TEST_CASE("ParallelFor rethrows an item's exception after the others stop", "[parallel]") {
  for (int threads : {1, 3}) {
    INFO(threads << " threads");
    std::atomic<int> started{0};
    const auto run = [&] {
      fs::ParallelFor(1000, threads, [&](int i) {
        ++started;
        if (i == 5) throw std::runtime_error("item 5 failed");
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      });
    };
    CHECK_THROWS_WITH(run(), "item 5 failed");
    CHECK(started < 1000);  // the items after the failure did not all start
  }
}

TEST_CASE("the emulation on threads gives the one-thread run's bits: every step, O and L", "[parallel][emulate]") {
  for (const fs::Problem& p : ThreadProblems()) {
    INFO(fs::Describe(p));
    const fs::Inputs in = fs::MakeInputs(p);
    fs::RunOptions one;
    one.threads = 1;
    const fs::Trace serial = fs::EmulateTraced(p, in, one);
    const fs::Output serial_out = fs::Emulate(p, in, one);
    for (int threads : {2, 3, 5}) {
      INFO(threads << " threads");
      fs::RunOptions many;
      many.threads = threads;
      const fs::Trace t = fs::EmulateTraced(p, in, many);
      const long first = FirstDifference(serial.data, t.data);
      const std::string where = first < 0 ? "none" : fs::FieldAt(t.layout, first % t.layout.step_floats);
      INFO("first difference at " << where << " of step " << first / static_cast<long>(t.layout.step_floats));
      CHECK(first == -1);
      CHECK(SameBits(serial.o, t.o));
      CHECK(SameBits(serial.lse, t.lse));
      const fs::Output out = fs::Emulate(p, in, many);
      CHECK(SameBits(serial_out.o, out.o));
      CHECK(SameBits(serial_out.lse, out.lse));
    }
    // The untraced run computes what the traced one recorded.
    CHECK(SameBits(serial.o, serial_out.o));
    CHECK(SameBits(serial.lse, serial_out.lse));
  }
}

TEST_CASE("a run reports its steps done, rising to 1", "[parallel][progress]") {
  for (fs::LoopOrder order : {fs::LoopOrder::kFa2, fs::LoopOrder::kFa1}) {
    fs::Problem p = fs_test::ProblemOf(200, 32, 32, 32, true);
    p.order = order;
    INFO(fs::Describe(p));
    std::vector<double> seen;
    fs::RunOptions opt;
    opt.threads = 2;
    opt.progress = [&](double f) {
      seen.push_back(f);  // calls come one at a time
      return true;
    };
    const fs::Trace t = fs::EmulateTraced(p, fs::MakeInputs(p), opt);
    REQUIRE(static_cast<int>(seen.size()) == t.StepCount());
    for (size_t k = 1; k < seen.size(); ++k) CHECK(seen[k] > seen[k - 1]);
    CHECK(seen.back() == 1.0);
  }
}

TEST_CASE("a progress callback that returns false stops the run with RunCancelled", "[parallel][progress]") {
  for (fs::LoopOrder order : {fs::LoopOrder::kFa2, fs::LoopOrder::kFa1}) {
    for (int threads : {1, 2}) {
      fs::Problem p = fs_test::ProblemOf(1024, 64, 32, 32);
      p.order = order;
      INFO(fs::Describe(p) << ", " << threads << " threads");
      const fs::Inputs in = fs::MakeInputs(p);
      std::atomic<int> calls{0};
      fs::RunOptions opt;
      opt.threads = threads;
      opt.progress = [&](double) { return ++calls < 3; };
      CHECK_THROWS_AS(fs::EmulateTraced(p, in, opt), fs::RunCancelled);
      // The steps under way finish, none starts after the "no": far fewer than the 1024 steps.
      CHECK(calls == 3);
      calls = 0;
      CHECK_THROWS_AS(fs::Emulate(p, in, opt), fs::RunCancelled);
      CHECK(calls == 3);
    }
  }
}

TEST_CASE("the row exp of the CPU twin equals ExpF bit for bit, special values included", "[emulate][fmath]") {
  // A stride through every bit pattern (odd, so every exponent and both signs are met), and the
  // edges of ExpF's range and its special cases. The whole 2^32 was checked once (about a
  // minute); this is the part that runs in every test run.
  std::vector<float> x;
  for (uint64_t u = 0; u < (1ull << 32); u += 4099) {
    float f;
    const uint32_t bits = static_cast<uint32_t>(u);
    std::memcpy(&f, &bits, sizeof f);
    x.push_back(f);
  }
  for (float f : {0.0f, -0.0f, 88.72283935546875f, std::nextafter(88.72283935546875f, 100.0f), -104.0f,
                  std::nextafter(-104.0f, -200.0f), INFINITY, -INFINITY, NAN, -NAN, 1e-45f, -87.3f, 88.7f})
    x.push_back(f);
  std::vector<float> y(x.size());
  fs::ExpRowF32(x.data(), static_cast<int>(x.size()), y.data());
  size_t differ = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const float e = fs::ExpF(x[i]);
    if (std::memcmp(&e, &y[i], sizeof e) != 0 && differ++ < 5)
      FAIL_CHECK("exp(" << x[i] << "): " << y[i] << " against ExpF's " << e);
  }
  CHECK(differ == 0);
}
