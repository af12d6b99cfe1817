// Test runner. GPU tests are tagged [.gpu]: hidden, so a run without a test spec (and the
// `~[gpu]` run) leaves them out instead of counting them as passed. Where no CUDA device is
// usable, a run that selects only GPU tests exits 77 after saying why, which ctest reports
// as skipped; one that mixes them with others is refused, since it could not run them all.
#define CATCH_CONFIG_RUNNER
#include "catch2/catch.hpp"

#include <algorithm>
#include <iostream>
#include <string>

#include "backend.h"

namespace {

constexpr int kExitSkipped = 77;  // ctest's SKIP_RETURN_CODE for the gpu test
constexpr int kExitRefused = 2;

bool IsGpuTest(const Catch::TestCase& test) {
  const auto& tags = test.getTestCaseInfo().tags;
  return std::find(tags.begin(), tags.end(), "gpu") != tags.end();
}

}  // namespace

int main(int argc, char* argv[]) {
  Catch::Session session;
  if (const int code = session.applyCommandLine(argc, argv); code != 0) return code;
  const Catch::ConfigData& data = session.configData();
  const bool runs_tests = !data.showHelp && !data.listTests && !data.listTestNamesOnly &&
                          !data.listTags && !data.listReporters;
  if (runs_tests) {
    const Catch::Config& config = session.config();
    const auto selected = Catch::filterTests(Catch::getAllTestCasesSorted(config), config.testSpec(), config);
    const auto gpu = std::count_if(selected.begin(), selected.end(), IsGpuTest);
    const std::string reason = gpu > 0 ? fs::CudaUnavailableReason() : std::string();
    if (!reason.empty()) {
      if (static_cast<size_t>(gpu) == selected.size()) {
        std::cout << "GPU tests skipped (" << gpu << " test cases, none run): " << reason << "\n";
        return kExitSkipped;
      }
      std::cerr << gpu << " GPU test cases were selected with others, but " << reason
                << "; run them on their own (reported as skipped) or add ~[gpu]\n";
      return kExitRefused;
    }
  }
  return session.run();
}
