#include "commands.h"

#include <cstdio>
#include <limits>
#include <memory>

#include <nlohmann/json.hpp>

#include "atomic_file.h"
#include "bench.h"
#include "excerpt.h"
#include "npy.h"
#include "lesson.h"
#include "precision_stats.h"
#include "trace_file.h"

namespace fs {

Problem ResolveProblem(const Options& opt, bool use_default_lesson) {
  Problem base;
  if (!opt.lesson_path.empty())
    base = LoadLesson(opt.lesson_path).problem;
  else if (use_default_lesson)
    base = LoadLesson(DefaultLessonPath()).problem;
  const Problem p = opt.flags.ApplyTo(base);
  Validate(p);
  return p;
}

BackendKind ResolveBackend(const std::string& name) {
  if (name == "cpu") return BackendKind::kCpu;
  if (name == "cuda") return BackendKind::kCuda;
  return CudaUnavailableReason().empty() ? BackendKind::kCuda : BackendKind::kCpu;
}

NpyOutputs AddOutputsNpy(AtomicFileSet& outputs, const std::string& o_path, const std::string& l_path,
                         const std::string& o_label, const std::string& l_label) {
  NpyOutputs out;
  if (!o_path.empty()) out.o = &outputs.Add(o_path, o_label);
  if (!l_path.empty()) out.l = &outputs.Add(l_path, l_label);
  return out;
}

void WriteOutputsNpy(const NpyOutputs& out, const Trace& t) {
  if (out.o) WriteNpy(*out.o, t.o.data(), {static_cast<size_t>(t.problem.n), static_cast<size_t>(t.problem.d)});
  if (out.l) WriteNpy(*out.l, t.lse.data(), {static_cast<size_t>(t.problem.n)});
}

void SaveOutputsNpy(const Trace& t, const std::string& o_path, const std::string& l_path) {
  AtomicFileSet outputs;
  WriteOutputsNpy(AddOutputsNpy(outputs, o_path, l_path, "the O file", "the L file"), t);
  outputs.CommitAll();
}

namespace {

// Writes text to `path` whole or not at all, or to standard output for "-".
void WriteText(const std::string& path, const std::string& text) {
  if (path != "-") return WriteFileAtomically(path, text);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

std::unique_ptr<Backend> MakeBackend(const std::string& name) {
  return ResolveBackend(name) == BackendKind::kCuda ? MakeCudaBackend() : MakeCpuBackend();
}

}  // namespace

int RunTraceCommand(const Options& opt) {
  try {
    // Every output is opened (as a temporary file) before the run and renamed only when all
    // of them are written: an unwritable directory is found at once, and a failure leaves
    // every existing file as it was.
    AtomicFileSet outputs;
    AtomicFile& trace_file = outputs.Add(opt.out_path, "--out");
    const NpyOutputs npy = AddOutputsNpy(outputs, opt.save_o, opt.save_l, "--save-o", "--save-l");
    AtomicFile* summary =
        opt.summary_path.empty() || opt.summary_path == "-" ? nullptr : &outputs.Add(opt.summary_path, "--summary");
    const Problem p = ResolveProblem(opt, false);
    const Inputs in = MakeInputs(p);
    const Trace t = MakeBackend(opt.backend)->RunTraced(p, in);
    WriteTrace(trace_file, t);
    WriteOutputsNpy(npy, t);
    const std::string summary_text =
        opt.summary_path.empty() ? "" : SummaryJson(t, Summarize(t, in)).dump(2) + "\n";
    if (summary) summary->Write(summary_text);
    outputs.CommitAll();
    if (opt.summary_path == "-") WriteText("-", summary_text);
    const std::string numeric = NonFiniteOutputNote(p, t.o, t.lse);
    if (!numeric.empty()) std::fprintf(stderr, "flashscope trace: note: %s\n", numeric.c_str());
    // With the summary on standard output, the line about the trace goes to the error stream.
    std::fprintf(opt.summary_path == "-" ? stderr : stdout, "wrote %s: %s, %d steps, %s\n", opt.out_path.c_str(),
                 Describe(p).c_str(), t.StepCount(), TraceProvenance(t).c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flashscope trace: %s\n", e.what());
    return 1;
  }
}

int RunDriftCommand(const Options& opt) {
  try {
    const Problem p = ResolveProblem(opt, false);
    const auto backend = MakeBackend(opt.backend);
    const auto runs = RunDrift(p, opt.drift_runs, [&](const Problem& q, const Inputs& in) {
      return backend->RunTraced(q, in);
    });
    nlohmann::json doc = DriftJson(p, runs);
    doc["backend"] = backend->Name();
    doc["device"] = backend->DeviceName();
    WriteText(opt.out_path.empty() ? "-" : opt.out_path, doc.dump(2) + "\n");
    if (!opt.csv_path.empty()) WriteText(opt.csv_path, DriftCsv(runs));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flashscope drift: %s\n", e.what());
    return 1;
  }
}

namespace {

// "BxHxNxD" with an optional trailing "c" for causal; each number strictly decimal.
bool ParseShape(std::string s, BenchShape* out) {
  BenchShape shape;
  if (!s.empty() && (s.back() == 'c' || s.back() == 'C')) {
    shape.causal = true;
    s.pop_back();
  }
  int* fields[4] = {&shape.batch, &shape.heads, &shape.n, &shape.d};
  size_t begin = 0;
  for (int i = 0; i < 4; ++i) {
    const size_t end = i < 3 ? s.find('x', begin) : s.size();
    int64_t v = 0;
    if (end == std::string::npos || !ParseDecimal(s.substr(begin, end - begin), 0, std::numeric_limits<int>::max(), &v))
      return false;
    *fields[i] = static_cast<int>(v);
    begin = end + 1;
  }
  *out = shape;
  return true;
}

// 16k tokens per batch and hidden size 2048, as in the published FlashAttention benchmarks.
std::vector<BenchShape> DefaultShapes() {
  std::vector<BenchShape> shapes;
  for (int d : {64, 128})
    for (int n : {1024, 4096, 8192})
      for (bool causal : {false, true}) {
        BenchShape s;
        s.d = d;
        s.n = n;
        s.heads = 2048 / d;
        s.batch = 16384 / n;
        s.causal = causal;
        shapes.push_back(s);
      }
  return shapes;
}

}  // namespace

int RunBenchCommand(const Options& opt) {
  std::vector<BenchShape> shapes;
  for (const auto& text : opt.shapes) {
    BenchShape s;
    if (!ParseShape(text, &s)) {
      std::fprintf(stderr, "flashscope bench: --shape %s is not BxHxNxD[c] (e.g. 2x16x8192x128c)\n",
                   Excerpt(text).c_str());
      return 2;
    }
    const std::string err = BenchShapeErrors(s);
    if (!err.empty()) {
      std::fprintf(stderr, "flashscope bench: --shape %s: %s\n", Excerpt(text).c_str(), err.c_str());
      return 2;
    }
    shapes.push_back(s);
  }
  if (shapes.empty()) shapes = DefaultShapes();
  try {
    // Opened before the runs, so that an unwritable path is reported at once.
    std::unique_ptr<AtomicFile> json_file;
    if (!opt.json_path.empty()) json_file = std::make_unique<AtomicFile>(opt.json_path);
    const auto results = BenchFa2Teach(shapes, opt.warmup, opt.repeats);
    std::printf("%-10s %3s %3s %6s %4s %-6s %10s %10s %8s %8s %10s\n", "kernel", "B", "H", "N", "d", "mask",
                "median_ms", "min_ms", "TFLOP/s", "GB/s", "max_rel_err");
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& r : results) {
      std::printf("%-10s %3d %3d %6d %4d %-6s %10.3f %10.3f %8.2f %8.1f %10.2e\n", r.kernel.c_str(), r.shape.batch,
                  r.shape.heads, r.shape.n, r.shape.d, r.shape.causal ? "causal" : "none", r.median_ms, r.min_ms,
                  r.tflops, r.gbps, r.max_rel_err);
      rows.push_back({{"kernel", r.kernel}, {"batch", r.shape.batch}, {"heads", r.shape.heads}, {"n", r.shape.n},
                      {"d", r.shape.d}, {"causal", r.shape.causal}, {"br", r.shape.br}, {"bc", r.shape.bc},
                      {"median_ms", r.median_ms}, {"min_ms", r.min_ms}, {"tflops", r.tflops}, {"gbps", r.gbps},
                      {"max_rel_err", r.max_rel_err}, {"warmup", r.warmup}, {"repeats", r.repeats}});
    }
    if (!results.empty()) std::printf("device: %s\n", results.front().device.c_str());
    if (!opt.json_path.empty()) {
      nlohmann::json doc = {{"device", results.empty() ? "" : results.front().device},
                            {"recorded_at", UtcNow()}, {"host", HostName()}, {"results", rows}};
      json_file->Write(doc.dump(2) + "\n");
      json_file->Commit();
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flashscope bench: %s\n", e.what());
    return 1;
  }
}

}  // namespace fs
