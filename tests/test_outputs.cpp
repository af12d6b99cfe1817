// Outputs are written whole or not at all: a full disk, an unwritable directory or two
// outputs naming one file leave every existing file as it was and no temporary file behind,
// and a file that merely has the temporary name of another is never taken over.
//
// A full disk is simulated with RLIMIT_FSIZE in a child process: writes past the limit fail
// with EFBIG exactly where ENOSPC would.
#include "catch2/catch.hpp"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "atomic_file.h"
#include "backend.h"
#include "emulate.h"
#include "npy.h"
#include "test_files.h"
#include "test_util.h"
#include "trace_file.h"

using Catch::Matchers::Contains;

namespace {

using fs_test::FileNames;
using fs_test::ReadBytes;
using fs_test::RunShell;
using fs_test::TempDir;
using fs_test::WriteBytes;

// Runs `f` in a child process whose files may not grow beyond `bytes`. Returns the message
// of what `f` threw, "(no error)", or "(crashed)".
std::string WithFullDisk(rlim_t bytes, const std::function<void()>& f) {
  int pipe_fds[2];
  REQUIRE(pipe(pipe_fds) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(pipe_fds[0]);
    std::signal(SIGXFSZ, SIG_IGN);  // EFBIG from write() instead of a signal
    const rlimit limit{bytes, bytes};
    setrlimit(RLIMIT_FSIZE, &limit);
    std::string message = "(no error)";
    try {
      f();
    } catch (const std::exception& e) {
      message = e.what();
    }
    const ssize_t ignored = write(pipe_fds[1], message.data(), message.size());
    (void)ignored;
    _exit(0);
  }
  close(pipe_fds[1]);
  std::string message;
  char buf[4096];
  for (ssize_t n; (n = read(pipe_fds[0], buf, sizeof buf)) > 0;) message.append(buf, static_cast<size_t>(n));
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? message : "(crashed)";
}

std::string Flashscope() { return FS_FLASHSCOPE_BIN; }

fs::Trace SmallTrace() {
  const fs::Problem p = fs_test::SmallProblem();
  return fs::EmulateTraced(p, fs::MakeInputs(p));
}

}  // namespace

TEST_CASE("a full disk leaves an existing .npy file as it was and no temporary file", "[outputs]") {
  TempDir dir;
  const std::string path = dir.File("o.npy");
  const std::vector<float> old_values(16, 1.0f), new_values(8192 * 16, 2.0f);
  fs::SaveNpy(path, old_values.data(), {16});
  const std::string before = ReadBytes(path);
  const std::string message =
      WithFullDisk(4096, [&] { fs::SaveNpy(path, new_values.data(), {8192, 16}); });
  CHECK_THAT(message, Contains(path + ": cannot save") && Contains("File too large") &&
                          Contains("left as it was"));
  CHECK(ReadBytes(path) == before);
  CHECK(FileNames(dir) == std::vector<std::string>{"o.npy"});
}

TEST_CASE("a full disk leaves an existing trace file as it was and no temporary file", "[outputs]") {
  TempDir dir;
  const std::string path = dir.File("t.fstrace");
  WriteBytes(path, "an older trace");
  const fs::Trace t = SmallTrace();
  CHECK_THAT(WithFullDisk(4096, [&] { fs::SaveTrace(path, t); }), Contains("File too large"));
  CHECK(ReadBytes(path) == "an older trace");
  CHECK(FileNames(dir) == std::vector<std::string>{"t.fstrace"});
}

TEST_CASE("a save never takes over a file that has the temporary name it would once have used",
          "[outputs]") {
  TempDir dir;
  WriteBytes(dir.File("o.npy.tmp"), "keep me");
  const float one = 1.0f;
  fs::SaveNpy(dir.File("o.npy"), &one, {1});
  CHECK(fs::LoadNpy(dir.File("o.npy")).data == std::vector<float>{1.0f});
  CHECK(ReadBytes(dir.File("o.npy.tmp")) == "keep me");
}

TEST_CASE("AtomicFileSet refuses two outputs that name one file, however they are written",
          "[outputs]") {
  TempDir dir;
  fs::AtomicFileSet outputs;
  outputs.Add(dir.File("o.npy"), "--out");
  CHECK_THROWS_WITH(outputs.Add(dir.File("./o.npy"), "--save-o"),
                    Contains("--save-o and --out both name") && Contains("give each output its own file"));
  CHECK_THROWS_AS(outputs.Add(dir.File("sub/../o.npy"), "--save-l"), fs::FileWriteError);
  CHECK_NOTHROW(outputs.Add(dir.File("l.npy"), "--save-l"));
}

TEST_CASE("AtomicFileSet renames nothing until every file is written", "[outputs]") {
  TempDir dir;
  WriteBytes(dir.File("small"), "old small");
  WriteBytes(dir.File("large"), "old large");
  const std::string message = WithFullDisk(4096, [&] {
    fs::AtomicFileSet outputs;
    outputs.Add(dir.File("small"), "first").Write("new small");
    outputs.Add(dir.File("large"), "second").Write(std::string(1 << 20, 'x'));
    outputs.CommitAll();
  });
  CHECK_THAT(message, Contains(dir.File("large")) && Contains("File too large"));
  CHECK(ReadBytes(dir.File("small")) == "old small");
  CHECK(ReadBytes(dir.File("large")) == "old large");
  CHECK(FileNames(dir) == std::vector<std::string>{"large", "small"});
}

TEST_CASE("AtomicFile refuses a directory and names a missing one", "[outputs]") {
  TempDir dir;
  CHECK_THROWS_WITH(fs::AtomicFile(dir.File("")), Contains("it is a directory"));
  CHECK_THROWS_WITH(fs::AtomicFile(dir.File("no/such/dir/x")),
                    Contains(dir.File("no/such/dir/x") + ": cannot save") && Contains("No such file or directory"));
}

// ---- the trace command's outputs, through the binary -------------------------------------------

TEST_CASE("trace refuses --out and --save-o naming one file and writes nothing", "[outputs][cli]") {
  TempDir dir;
  const std::string out = dir.File("x.npy"), log = dir.File("log");
  const int code = RunShell(Flashscope() + " trace --backend cpu --n 32 --d 16 --out " + out + " --save-o " + out, log);
  INFO(ReadBytes(log));
  CHECK(code == 1);
  CHECK_THAT(ReadBytes(log), Contains("--save-o and --out both name " + out));
  CHECK(FileNames(dir) == std::vector<std::string>{"log"});
}

TEST_CASE("trace replaces no output when one of them cannot be written", "[outputs][cli]") {
  TempDir dir;
  const std::string out = dir.File("t.fstrace"), log = dir.File("log");
  WriteBytes(out, "an older trace");
  const int code = RunShell(Flashscope() + " trace --backend cpu --n 32 --d 16 --out " + out + " --save-o " +
                           dir.File("o.npy") + " --save-l " + dir.File("missing/l.npy"),
                       log);
  INFO(ReadBytes(log));
  CHECK(code == 1);
  CHECK_THAT(ReadBytes(log), Contains(dir.File("missing/l.npy") + ": cannot save"));
  CHECK(ReadBytes(out) == "an older trace");
  CHECK(FileNames(dir) == std::vector<std::string>{"log", "t.fstrace"});
}

TEST_CASE("trace on a full disk replaces no output and leaves no temporary file", "[outputs][cli]") {
  TempDir dir;
  const std::string out = dir.File("t.fstrace"), o = dir.File("o.npy"), log = dir.File("log");
  WriteBytes(out, "an older trace");
  WriteBytes(o, "an older O");
  // ulimit -f counts 512-byte blocks in sh: 64 KiB, less than the trace, more than O.
  const int code = RunShell("trap '' XFSZ; ulimit -f 128; exec " + Flashscope() +
                           " trace --backend cpu --n 256 --d 16 --out " + out + " --save-o " + o,
                       log);
  INFO(ReadBytes(log));
  CHECK(code == 1);
  CHECK_THAT(ReadBytes(log), Contains("File too large"));
  CHECK(ReadBytes(out) == "an older trace");
  CHECK(ReadBytes(o) == "an older O");
  CHECK(FileNames(dir) == std::vector<std::string>{"log", "o.npy", "t.fstrace"});
}

TEST_CASE("trace --out never takes over an existing file named like its temporary file", "[outputs][cli]") {
  TempDir dir;
  const std::string out = dir.File("t.fstrace"), log = dir.File("log");
  WriteBytes(out + ".tmp", "keep me");
  CHECK(RunShell(Flashscope() + " trace --backend cpu --n 32 --d 16 --out " + out, log) == 0);
  CHECK(ReadBytes(out + ".tmp") == "keep me");
  CHECK_NOTHROW(fs::LoadTrace(out));
}

TEST_CASE("bench refuses an unwritable --json path before it runs anything", "[outputs][cli]") {
  TempDir dir;
  const std::string log = dir.File("log");
  CHECK(RunShell(Flashscope() + " bench --warmup 0 --repeats 1 --json " + dir.File("missing/b.json"), log) == 1);
  CHECK_THAT(ReadBytes(log), Contains(dir.File("missing/b.json") + ": cannot save"));
}

TEST_CASE("bench that cannot run leaves an existing --json file as it was", "[outputs][cli]") {
  if (fs::CudaUnavailableReason().empty()) return;  // with a GPU it runs and replaces the file
  TempDir dir;
  const std::string json = dir.File("bench.json"), log = dir.File("log");
  WriteBytes(json, "older results");
  const int code = RunShell(Flashscope() + " bench --warmup 0 --repeats 1 --json " + json, log);
  INFO(ReadBytes(log));
  CHECK(code == 1);
  CHECK(ReadBytes(json) == "older results");
  CHECK(FileNames(dir) == std::vector<std::string>{"bench.json", "log"});
}
