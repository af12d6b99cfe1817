// Helpers shared by the tests: problems of a given shape, temporary directories, file bytes.
#pragma once

#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "inputs.h"
#include "problem.h"

namespace fs_test {

// A problem drawn from `rng`: N in 1..300 (mostly not a multiple of Br or Bc), any d and block
// sizes. NormalRng is the project's own generator, so a seed draws the same problems on every
// platform.
inline fs::Problem RandomProblem(fs::NormalRng& rng, bool causal) {
  const int blocks[] = {16, 32, 64, 128};
  const int dims[] = {16, 32, 64, 96, 128};
  fs::Problem p;
  p.n = 1 + static_cast<int>(rng.NextU64() % 300);
  p.d = dims[rng.NextU64() % 5];
  p.br = blocks[rng.NextU64() % 4];
  p.bc = blocks[rng.NextU64() % 4];
  p.causal = causal;
  p.seed = rng.NextU64();
  return p;
}

// The (Q block, K/V block) pairs of p in which some query may see some key, found by brute
// force from the mask's definition, Q block outer.
inline std::vector<std::pair<int, int>> NeededBlocks(const fs::Problem& p) {
  std::vector<std::pair<int, int>> pairs;
  const int q_blocks = (p.n + p.br - 1) / p.br, kv_blocks = (p.n + p.bc - 1) / p.bc;
  for (int i = 0; i < q_blocks; ++i)
    for (int j = 0; j < kv_blocks; ++j) {
      bool needed = false;
      for (int row = i * p.br; row < std::min(p.n, (i + 1) * p.br) && !needed; ++row)
        for (int col = j * p.bc; col < std::min(p.n, (j + 1) * p.bc) && !needed; ++col)
          needed = !p.causal || col <= row;
      if (needed) pairs.emplace_back(i, j);
    }
  return pairs;
}

// Largest row-wise relative error of O against FP64 (reference.h's MaxRelativeError) that a
// run of p may have: FP32 1e-5; a BF16 or FP16 output is within a few of its steps (2^-8,
// 2^-11); a BF16 or FP16 accumulator also rounds once or twice per K/V block; rounded
// scores under the stabilized shift double it.
inline double OutputTolerance(const fs::Problem& p) {
  const fs::Precision& pr = p.precision;
  const double step = pr.output == fs::Format::kBf16 ? 0x1p-8 : pr.output == fs::Format::kFp16 ? 0x1p-11 : 0.0;
  if (step == 0.0) return 1e-5;
  const bool rounded_acc = pr.acc != fs::Format::kFp32 || pr.block != fs::Format::kFp32;
  // The stabilized shift roughly doubles |S - m|, and rounded scores round S - m with a step
  // that grows with it: each exp is off by up to twice as much.
  const double shift = p.softmax == fs::Softmax::kStabilized && pr.scores != fs::Format::kFp32 ? 2.0 : 1.0;
  return shift * step * (rounded_acc ? 4.0 + p.KvBlocks() : 4.0);
}

// A problem of this shape; every other field keeps its default.
inline fs::Problem ProblemOf(int n, int d, int br, int bc, bool causal = false) {
  fs::Problem p;
  p.n = n;
  p.d = d;
  p.br = br;
  p.bc = bc;
  p.causal = causal;
  return p;
}

// A fresh directory under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/flashscope_test_XXXXXX";
    if (!mkdtemp(name)) throw std::runtime_error("mkdtemp failed");
    path_ = name;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  const std::string& Path() const { return path_; }

 private:
  std::string path_;
};

// The names in a TempDir, sorted: what a command left behind.
inline std::vector<std::string> FileNames(const TempDir& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir.Path()))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

inline std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Runs a shell command with stdout and stderr into `log`; returns its exit code, or -1 when
// it did not exit (a signal).
inline int RunShell(const std::string& command, const std::string& log) {
  const int status = ::system(("(" + command + ") > " + log + " 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The flashscope binary with `args`, under xvfb-run when there is no display (shot and the
// window need one); `prefix` goes before the binary inside that, e.g. a ulimit.
inline int RunFlashscope(const std::string& args, const std::string& log, const std::string& prefix = "") {
  const char* display = ::getenv("DISPLAY");
  const std::string command = prefix + "exec " + FS_FLASHSCOPE_BIN + " " + args;
  if (display && *display) return RunShell(command, log);
  return RunShell("xvfb-run -a -s '-screen 0 1280x1024x24' sh -c \"" + command + "\"", log);
}

// A drawing flashscope command (shot) without a display: through EGL, where it starts, so that
// no X server is started and cleaned up around it (xvfb-run's cleanup of its own temporary
// directory can fail and exit 5 whatever the command did); under xvfb-run where EGL cannot start.
inline int RunHeadless(const std::string& args, const std::string& log, const std::string& prefix = "") {
  const int rc = RunShell("env -u DISPLAY -u WAYLAND_DISPLAY sh -c \"" + prefix + "exec " + FS_FLASHSCOPE_BIN + " " +
                              args + "\"",
                          log);
  const std::string out = ReadBytes(log);
  const bool egl_failed = out.find("libEGL.so.1") != std::string::npos ||
                          out.find("cannot draw through EGL") != std::string::npos;
  return rc != 0 && egl_failed ? RunFlashscope(args, log, prefix) : rc;
}

}  // namespace fs_test
