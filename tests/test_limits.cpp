// Refusing an input that is far too large costs little memory: sizes are checked from the
// header (or the file size) before anything is read, and a lesson is read only up to its
// limit. Measured on the flashscope binary, the way a user runs it, from the kernel's own
// count of the process's peak resident memory.
#include "catch2/catch.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "test_files.h"
#include "test_util.h"

using Catch::Matchers::Contains;

namespace {

using fs_test::TempDir;

constexpr long kBudgetKib = 64 * 1024;  // peak resident memory, in ru_maxrss's unit

struct Result {
  int exit_code = -1;
  long peak_kib = 0;
  std::string output;
};

// Runs flashscope with `args` (no shell, no display) and returns its exit code, its own peak
// resident memory and what it printed.
Result RunMeasured(const std::vector<std::string>& args, const std::string& log) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    unsetenv("DISPLAY");
    std::vector<char*> argv{const_cast<char*>(FS_FLASHSCOPE_BIN)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(FS_FLASHSCOPE_BIN, argv.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  Result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.peak_kib = usage.ru_maxrss;
  r.output = fs_test::ReadBytes(log);
  return r;
}

// The most a refusal may take: 64 MiB above the same binary refusing a tiny problem (what
// the process holds before it reads anything: a sanitized build's shadow memory, the CUDA
// libraries a CUDA build loads at start).
long PeakBudgetKib(const TempDir& dir) {
  const Result tiny = RunMeasured({"trace", "--n", "0", "--out", dir.File("t.fstrace")}, dir.File("baseline.log"));
  return tiny.peak_kib + kBudgetKib;
}

// A file of `bytes` that starts with `head`; the rest is a hole, so it costs no disk.
void SparseFile(const std::string& path, const std::string& head, off_t bytes) {
  fs_test::WriteBytes(path, head);
  REQUIRE(truncate(path.c_str(), bytes) == 0);
}

}  // namespace

TEST_CASE("refusing a 1 GiB .npy file reads its header only", "[limits][npy]") {
  TempDir dir;
  const std::string q = dir.File("q.npy");
  SparseFile(q, fs_test::NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 4096), }", ""),
             off_t{1} << 30);
  const Result r = RunMeasured({"trace", "--q", q, "--k", q, "--v", q, "--out", dir.File("t.fstrace")}, dir.File("log"));
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("N = 65536 is out of range"));
  CHECK(r.peak_kib < PeakBudgetKib(dir));
}

TEST_CASE("refusing a 256 MiB lesson reads 1 MiB of it", "[limits][lesson]") {
  TempDir dir;
  const std::string lesson = dir.File("huge.json");
  SparseFile(lesson, R"({"title": "t", "problem": {}, "beats": [{"title": "a", "text": ")", off_t{256} << 20);
  const Result r = RunMeasured({"trace", "--lesson", lesson, "--out", dir.File("t.fstrace")}, dir.File("log"));
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("the lesson file is larger than 1048576 bytes"));
  CHECK(r.peak_kib < PeakBudgetKib(dir));
}

#if FS_HAVE_GUI  // trace files are opened by the window and shot only
TEST_CASE("refusing a 4 GiB trace file reads none of it", "[limits][trace]") {
  TempDir dir;
  const std::string trace = dir.File("huge.fstrace");
  std::string head("FSTRACE\0\x02\0\0\0\x10\0\0\0", 16);  // format version 2
  SparseFile(trace, head, off_t{4} << 30);
  const Result r = RunMeasured({"shot", "--open", trace, "--out", dir.File("x.png")}, dir.File("log"));
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("larger than any trace can be"));
  CHECK(r.peak_kib < PeakBudgetKib(dir));
}
#endif
