#include "backend.h"

#include <unistd.h>

#include <ctime>
#include <fstream>

namespace fs {

const char* BackendKindName(BackendKind k) { return k == BackendKind::kCuda ? "cuda" : "cpu"; }

std::string CpuName() {
#ifdef __EMSCRIPTEN__
  return "this browser (WebAssembly)";  // a page cannot see the processor
#endif
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown CPU";
}

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown host";
  return buf;
}

std::string UtcNow() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

class CpuBackend : public Backend {
 public:
  BackendKind Kind() const override { return BackendKind::kCpu; }
  std::string Name() const override { return "CPU emulation"; }
  std::string DeviceName() const override { return CpuName(); }

  Trace RunTraced(const Problem& p, const Inputs& in, const RunOptions& run = {}) override {
    Trace t = EmulateTraced(p, in, run);
    t.device = DeviceName();
    t.host = HostName();
    t.recorded_at = UtcNow();
    return t;
  }

  Output Run(const Problem& p, const Inputs& in, const RunOptions& run = {}) override { return Emulate(p, in, run); }
};

}  // namespace

std::unique_ptr<Backend> MakeCpuBackend() { return std::make_unique<CpuBackend>(); }

}  // namespace fs
