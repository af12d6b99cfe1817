// GPU/CPU parity without a GPU: traces recorded by the CUDA kernel on the GPU machine are
// committed under tests/data/, and the CPU emulation must reproduce them.
//
// Tolerance: 0 ulp. Both backends use the same exp/log (kernels/fmath.h), the same FMAs
// (host -ffp-contract=off, device -fmad=false) and the same reduction order (lane partials,
// then the xor butterfly), so every recorded value, the poison included, must match exactly.
#include "catch2/catch.hpp"

#include <dirent.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "emulate.h"
#include "trace_diff.h"
#include "trace_file.h"

namespace {

std::vector<std::string> RecordedTraces() {
  std::vector<std::string> files;
  const std::string dir = std::string(FS_SOURCE_DIR) + "/tests/data";
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name.size() > 8 && name.substr(name.size() - 8) == ".fstrace") files.push_back(dir + "/" + name);
    }
    closedir(d);
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("recorded GPU traces are in the repository", "[replay]") {
  const auto files = RecordedTraces();
  REQUIRE(files.size() >= 2);
  bool random = false, tied = false, paper_standard = false, paper_stabilized = false;
  for (const auto& f : files) {
    const fs::Trace t = fs::LoadTrace(f);
    INFO(f << ": " << fs::TraceProvenance(t));
    CHECK(t.backend == "CUDA");
    CHECK(t.problem.n <= 512);
    random = random || t.problem.pattern == fs::Pattern::kRandom;
    tied = tied || t.problem.pattern == fs::Pattern::kTiedMaxima;
    const bool paper = fs::PrecisionName(t.problem.precision) == "paper-bf16";
    paper_standard = paper_standard || (paper && t.problem.softmax == fs::Softmax::kStandard);
    paper_stabilized = paper_stabilized || (paper && t.problem.softmax == fs::Softmax::kStabilized);
  }
  CHECK(random);
  CHECK(tied);
  CHECK(paper_standard);
  CHECK(paper_stabilized);
}

TEST_CASE("the CPU emulation reproduces every recorded GPU trace bit for bit", "[replay]") {
  for (const auto& f : RecordedTraces()) {
    const fs::Trace gpu = fs::LoadTrace(f);
    const fs::Trace cpu = fs::EmulateTraced(gpu.problem, fs::MakeInputs(gpu.problem));
    const fs::TraceDiff diff = fs::CompareTraces(gpu, cpu);
    INFO(f << ": " << fs::Describe(gpu.problem) << "; " << diff.differing << " of " << diff.values
           << " values differ, max " << diff.max_ulp << " ulp, first in " << diff.first_field << " at step "
           << diff.first_step);
    CHECK(diff.values > 0);
    CHECK(diff.Identical());
  }
}

TEST_CASE("ulp distance counts representable floats between two values", "[replay]") {
  CHECK(fs::UlpDistance(1.0f, 1.0f) == 0);
  CHECK(fs::UlpDistance(1.0f, std::nextafter(1.0f, 2.0f)) == 1);
  CHECK(fs::UlpDistance(-0.0f, 0.0f) == 0);
  CHECK(fs::UlpDistance(std::nextafter(0.0f, 1.0f), std::nextafter(0.0f, -1.0f)) == 2);
  CHECK(fs::UlpDistance(NAN, NAN) == 0);
  CHECK(fs::UlpDistance(NAN, 1.0f) == UINT32_MAX);
}

TEST_CASE("comparing traces finds a single changed value and where it is", "[replay]") {
  fs::Problem p;
  p.n = 64;
  p.d = 16;
  p.br = 32;
  p.bc = 32;
  const fs::Trace a = fs::EmulateTraced(p, fs::MakeInputs(p));
  fs::Trace b = a;
  CHECK(fs::CompareTraces(a, b).Identical());
  float& l = b.Step(2)[b.layout.offset[fs::kL] + 5];
  l = std::nextafter(l, INFINITY);
  const auto diff = fs::CompareTraces(a, b);
  CHECK(diff.differing == 1);
  CHECK(diff.max_ulp == 1);
  CHECK(diff.first_step == 2);
  CHECK(diff.first_field == "l");
  fs::Problem other = p;
  other.seed = 2;
  CHECK_THROWS_AS(fs::CompareTraces(a, fs::EmulateTraced(other, fs::MakeInputs(other))), std::invalid_argument);
}
