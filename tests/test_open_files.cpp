// Files handed to the app at once (dropped on the window, or chosen in the web page's picker):
// each is recognised by its start and opened by what opens it from the menus, so that a bad
// file gets the menus' message; .npy inputs run when their names say which is which, and the
// inputs dialog asks otherwise.
#include "catch2/catch.hpp"

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "app_state.h"
#include "inputs.h"
#include "ladder_state.h"
#include "npy.h"
#include "open_files.h"
#include "test_util.h"
#include "trace_file.h"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

const std::string kData = std::string(FS_SOURCE_DIR) + "/tests/data/";

fs::AppState CpuState() {
  fs::AppState s;
  s.backend_kind = fs::BackendKind::kCpu;
  s.cuda_unavailable = "the tests run the CPU emulation";
  fs::Problem p;
  p.n = 64;
  p.d = 16;
  REQUIRE(fs::ApplyProblem(s, p));
  return s;
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Random N x d float32 arrays under the names given, for Q, K and V in that order.
fs::Inputs WriteInputs(const fs_test::TempDir& dir, const std::vector<std::string>& names, int n, int d,
                       uint64_t seed) {
  fs::NormalRng rng(seed);
  fs::Inputs in;
  in.n = n;
  in.d = d;
  std::vector<float>* arrays[] = {&in.q, &in.k, &in.v};
  for (int i = 0; i < 3; ++i) {
    arrays[i]->resize(static_cast<size_t>(n) * d);
    for (float& x : *arrays[i]) x = static_cast<float>(rng.Normal());
    fs::SaveNpy(dir.File(names[i]), arrays[i]->data(), {static_cast<size_t>(n), static_cast<size_t>(d)});
  }
  return in;
}

}  // namespace

TEST_CASE("a file's kind comes from its first bytes, whatever its name", "[app][files]") {
  fs_test::TempDir dir;
  CHECK(fs::KindOfFile(kData + "gpu_random_n256_d64.fstrace") == fs::FileKind::kTrace);
  CHECK(fs::KindOfFile(kData + "npy_q_n40_d16.npy") == fs::FileKind::kNpy);
  CHECK(fs::KindOfFile(kData + "h100_ladder_sample.json") == fs::FileKind::kBenchReport);
  CHECK(fs::KindOfFile(std::string(FS_SOURCE_DIR) + "/scenarios/lessons/intro.json") == fs::FileKind::kLesson);
  WriteText(dir.File("renamed.txt"), "  \n{\"title\": \"x\", \"beats\": []}");
  CHECK(fs::KindOfFile(dir.File("renamed.txt")) == fs::FileKind::kLesson);
  WriteText(dir.File("empty.fstrace"), "");
  CHECK(fs::KindOfFile(dir.File("empty.fstrace")) == fs::FileKind::kUnknown);
  WriteText(dir.File("notes.md"), "# notes\n");
  CHECK(fs::KindOfFile(dir.File("notes.md")) == fs::FileKind::kUnknown);
  CHECK(fs::KindOfFile(dir.File("missing")) == fs::FileKind::kUnknown);
}

TEST_CASE("a .npy file's name says its role by its words", "[app][files]") {
  CHECK(fs::NpyRoleOfName("/x/npy_q_n40_d16.npy") == "q");
  CHECK(fs::NpyRoleOfName("K.npy") == "k");
  CHECK(fs::NpyRoleOfName("layer3-values.npy") == "v");
  CHECK(fs::NpyRoleOfName("queries_bf16.npy") == "q");
  CHECK(fs::NpyRoleOfName("dO.npy") == "dout");
  CHECK(fs::NpyRoleOfName("grad.npy") == "dout");
  CHECK(fs::NpyRoleOfName("qk.npy").empty());    // no word alone
  CHECK(fs::NpyRoleOfName("q_and_k.npy").empty());  // two roles
  CHECK(fs::NpyRoleOfName("a.npy").empty());
  CHECK(fs::NpyRoleOfName("/dir_q/a.npy").empty());  // the directory's name says nothing
}

TEST_CASE("dropped .npy inputs named q, k and v run as the problem's inputs, bit for bit the files' run",
          "[app][files]") {
  fs_test::TempDir dir;
  fs::AppState s = CpuState();
  s.edit.br = 16;
  s.edit.bc = 32;
  s.edit.causal = true;
  // Out of order, with a file of no kind among them.
  const fs::Inputs in = WriteInputs(dir, {"my_q.npy", "my_k.npy", "my_v.npy"}, 48, 32, 17);
  WriteText(dir.File("readme.txt"), "inputs for a lecture\n");
  CHECK(fs::OpenFiles(s, {dir.File("my_v.npy"), dir.File("readme.txt"), dir.File("my_q.npy"), dir.File("my_k.npy")}) ==
        1);
  REQUIRE(s.trace);
  CHECK(s.problem.pattern == fs::Pattern::kNpy);
  CHECK(s.problem.n == 48);
  CHECK(s.problem.d == 32);
  CHECK(s.problem.br == 16);  // the rest of the problem as it was being edited
  CHECK(s.problem.causal);
  CHECK(s.problem.q_path == dir.File("my_q.npy"));
  CHECK(s.problem.v_path == dir.File("my_v.npy"));
  // The text file is named as not opened, with what is.
  CHECK(s.status.error);
  CHECK_THAT(s.status.text, StartsWith("Not opened: readme.txt (FlashScope opens trace files"));
  // The trace is the run of the files' arrays.
  fs::Problem generated = s.problem;
  const fs::Trace direct = fs::MakeCpuBackend()->RunTraced(generated, in, fs::RunOptions{});
  REQUIRE(direct.o.size() == s.trace->o.size());
  CHECK(std::memcmp(direct.o.data(), s.trace->o.data(), direct.o.size() * sizeof(float)) == 0);
  // Alone, the three run and say so.
  fs::AppState t = CpuState();
  CHECK(fs::OpenFiles(t, {dir.File("my_q.npy"), dir.File("my_k.npy"), dir.File("my_v.npy")}) == 1);
  CHECK_FALSE(t.status.error);
  CHECK(t.status.text == "Inputs from my_q.npy, my_k.npy, my_v.npy: N=48, d=32");
}

TEST_CASE(".npy files whose names do not say which is which open the inputs dialog, which runs them", "[app][files]") {
  fs_test::TempDir dir;
  fs::AppState s = CpuState();
  WriteInputs(dir, {"a.npy", "b.npy", "keys.npy"}, 40, 16, 3);
  const fs::Problem before = s.problem;
  CHECK(fs::OpenFiles(s, {dir.File("a.npy"), dir.File("b.npy"), dir.File("keys.npy")}) == 1);
  CHECK(s.problem == before);  // nothing ran
  CHECK(s.dialogs.open_npy);
  CHECK(s.dialogs.npy_offered.size() == 3);
  CHECK(s.dialogs.npy.k == dir.File("keys.npy"));  // what the names said is filled in
  CHECK(s.dialogs.npy.q.empty());
  CHECK_THAT(s.status.text, Contains("say which is Q, K and V"));
  // As the dialog's Run does: a missing role is refused, naming it; then the choice runs.
  CHECK_FALSE(fs::OpenNpyInputs(s, s.dialogs.npy));
  CHECK(s.status.text == "Inputs not opened: Q, K and V each need a .npy file (dO may be left out)");
  s.dialogs.npy.q = dir.File("b.npy");
  s.dialogs.npy.v = dir.File("a.npy");
  CHECK(fs::OpenNpyInputs(s, s.dialogs.npy));
  CHECK(s.problem.q_path == dir.File("b.npy"));
  CHECK(s.problem.n == 40);
}

TEST_CASE("bad files get the menus' messages and leave what is shown", "[app][files]") {
  fs_test::TempDir dir;
  fs::AppState s = CpuState();
  const fs::Problem shown = s.problem;
  const auto trace = s.trace;
  // A damaged trace: the message of File > Open trace file.
  WriteText(dir.File("damaged.fstrace"), std::string("FSTRACE\0\2\0\0\0garbage", 19));
  fs::AppState by_menu = CpuState();
  fs::OpenTraceFile(by_menu, dir.File("damaged.fstrace"));
  CHECK(fs::OpenFiles(s, {dir.File("damaged.fstrace")}) == 0);
  CHECK(s.status.error);
  CHECK(s.status.text == by_menu.status.text);
  CHECK_THAT(s.status.text, StartsWith("Trace file not opened: " + dir.File("damaged.fstrace")));
  // A .npy array of the wrong shape, one of a different length, a file called .npy that is not one.
  fs::NormalRng rng(5);
  std::vector<float> flat(64);
  fs::SaveNpy(dir.File("q.npy"), flat.data(), {64});
  WriteInputs(dir, {"x_q.npy", "x_k.npy", "x_v.npy"}, 40, 16, 9);
  std::vector<float> longer(48 * 16);
  fs::SaveNpy(dir.File("k.npy"), longer.data(), {48, 16});
  CHECK(fs::OpenFiles(s, {dir.File("q.npy"), dir.File("k.npy"), dir.File("x_v.npy")}) == 0);
  CHECK(s.status.error);
  CHECK_THAT(s.status.text, StartsWith("Inputs not opened: "));
  WriteText(dir.File("v.npy"), "not numpy");
  CHECK(fs::OpenFiles(s, {dir.File("x_q.npy"), dir.File("x_k.npy"), dir.File("v.npy")}) == 0);
  CHECK_THAT(s.status.text, StartsWith("Inputs not opened: "));
  CHECK_THAT(s.status.text, Contains("v.npy"));
  // A bench report that is not one, by content and by name: the throughput panel's message.
  WriteText(dir.File("report.json"), "{\"results\": 3}");
  fs::AppState panel = CpuState();
  fs::OpenBenchReport(panel, dir.File("report.json"));
  CHECK(fs::OpenFiles(s, {dir.File("report.json")}) == 0);
  CHECK(s.status.text == panel.status.text);
  CHECK_THAT(s.status.text, StartsWith("Bench report not opened: "));
  // A lesson with a mistake: the lesson's message.
  WriteText(dir.File("lesson.json"), "{\"title\": \"t\", \"beats\": [{\"step\": \"two\"}]}");
  CHECK(fs::OpenFiles(s, {dir.File("lesson.json")}) == 0);
  CHECK_THAT(s.status.text, StartsWith("Lesson not opened: "));
  CHECK(s.problem == shown);
  CHECK(s.trace == trace);
}

TEST_CASE("a dropped GPU trace, lesson and bench report open as from the menus", "[app][files]") {
  fs::AppState s = CpuState();
  CHECK(fs::OpenFiles(s, {kData + "gpu_sink_n96_d64.fstrace"}) == 1);
  REQUIRE(s.trace);
  CHECK(s.trace_file == kData + "gpu_sink_n96_d64.fstrace");
  CHECK(fs::TraceDigest(*s.trace) == fs::TraceDigest(fs::LoadTrace(kData + "gpu_sink_n96_d64.fstrace")));
  CHECK(fs::OpenFiles(s, {kData + "h100_ladder_sample.json"}) == 1);
  CHECK(s.ladder.file_path == kData + "h100_ladder_sample.json");
  CHECK(fs::OpenFiles(s, {std::string(FS_SOURCE_DIR) + "/scenarios/lessons/causal.json"}) == 1);
  REQUIRE(s.lesson);
  CHECK(s.problem.causal);
}
