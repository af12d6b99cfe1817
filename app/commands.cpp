#include "commands.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "atomic_file.h"
#include "bench.h"
#include "excerpt.h"
#include "npy.h"
#include "lesson.h"
#include "precision_stats.h"
#include "softmax_limits.h"
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
    RunOptions run;
    if (opt.q_block >= p.QBlocks())
      throw std::invalid_argument("--q-block " + std::to_string(opt.q_block) + " is out of range: " + Describe(p) +
                                  " has Q blocks 0.." + std::to_string(p.QBlocks() - 1));
    run.window = opt.q_block >= 0 ? opt.q_block : TraceWindowFor(p, 0);
    const Inputs in = MakeInputs(p);
    const Trace t = MakeBackend(opt.backend)->RunTraced(p, in, run);
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
    const std::string held = t.Windowed() ? " (" + WindowNote(t) + " recorded)" : "";
    std::fprintf(opt.summary_path == "-" ? stderr : stdout, "wrote %s: %s, %d steps%s, %s\n", opt.out_path.c_str(),
                 Describe(p).c_str(), t.StepCount(), held.c_str(), TraceProvenance(t).c_str());
    std::fprintf(opt.summary_path == "-" ? stderr : stdout, "trace digest %016llx (every step record held, O and L)\n",
                 static_cast<unsigned long long>(TraceDigest(t)));
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
      RunOptions run;
      run.window = TraceWindowFor(q, 0);  // the summary's exact ones are of the steps recorded
      return backend->RunTraced(q, in, run);
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

int RunLimitsCommand(const Options& opt) {
  try {
    LimitsSetup setup;
    setup.d = opt.limits_d;
    setup.bound = opt.limits_bound;
    setup.seed = opt.limits_seed;
    // Everything refused before anything is computed.
    ValidateLimits(setup);
    for (int l : opt.limits_l) ValidateLength(l);
    for (double t : opt.limits_t) {
      LimitsSetup at = setup;
      at.temperature = t;
      ValidateLimits(at);
    }
    for (int n : opt.limits_n)
      if (n < 1) throw std::invalid_argument("--n-selected " + std::to_string(n) + " is not allowed; allowed: N >= 1");
    const auto number = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
    nlohmann::json flatten = nlohmann::json::array(), selection = nlohmann::json::array(),
                   jacobian = nlohmann::json::array();
    // The logits at the longest L serve every L and T (LimitsLogits).
    const int jacobian_l = opt.limits_l.empty() ? 1024 : opt.limits_l.back();
    int longest = jacobian_l;
    for (int l : opt.limits_l) longest = std::max(longest, l);
    const std::vector<double> z = LimitsLogits(setup, longest);
    for (int l : opt.limits_l) {
      const FlattenPoint f = FlattenAt(setup, z, l);
      flatten.push_back({{"l", l},
                         {"max_w", f.max_w},
                         {"min_w", f.min_w},
                         {"max_w_times_l", f.max_w * l},
                         {"min_w_times_l", f.min_w * l},
                         {"c1", number(f.c1)},
                         {"c2", number(f.c2)},
                         {"entropy", f.entropy},
                         {"log_l", std::log(static_cast<double>(l))}});
      for (int n : opt.limits_n) {
        if (n >= l) continue;  // N selected out of L needs N < L
        const SelectionPoint r = Select(setup, l, n);
        selection.push_back({{"l", l},
                             {"n", n},
                             {"n_over_l", static_cast<double>(n) / l},
                             {"past_quoted_limit", n > 0.06 * l},
                             {"recovered", r.recovered},
                             {"chance", static_cast<double>(n) / l},
                             {"lift_over_chance", r.lift},
                             {"selected_mass", r.selected_mass},
                             {"dist_selected", r.dist_selected},
                             {"dist_others", r.dist_others}});
      }
    }
    for (double t : opt.limits_t) {
      const JacobianPoint j = JacobianAt(setup, z, jacobian_l, t);
      jacobian.push_back({{"l", j.l},
                          {"t", t},
                          {"norm", j.norm},
                          {"max_p", j.max_p},
                          {"bound", j.bound},
                          {"quoted_bound", j.quoted_bound},
                          {"over_quoted_bound", j.norm > j.quoted_bound}});
    }
    const nlohmann::json doc = {
        {"setup", {{"d", setup.d}, {"logit_bound", setup.bound}, {"seed", setup.seed}, {"keys", "random unit vectors"},
                   {"logits", "B <q, k_i>, q a random unit vector (flattening, Jacobian) or the normalized mean "
                              "of the selected keys (selection)"},
                   {"recovered", "fraction of the selected tokens among the N largest logits; chance is N / L"}}},
        {"quoted", {{"source", "Mudarisov et al., 2025, as quoted in the docs (not computed here)"},
                    {"weights", "between C1/L and C2/L for bounded logits"},
                    {"selection_limit", "N below about 0.06 L"},
                    {"distinguishable", "about 70-85% of the selected tokens per head"},
                    {"jacobian_bound", "min{1/(4T), sqrt(2)}"}}},
        {"flatten", flatten},
        {"selection", selection},
        {"jacobian", jacobian},
    };
    WriteText(opt.out_path.empty() ? "-" : opt.out_path, doc.dump(2) + "\n");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flashscope limits: %s\n", e.what());
    return 2;
  }
}

namespace {

// 16k tokens per batch and hidden size 2048, as in the published FlashAttention benchmarks.
std::vector<LadderShape> DefaultShapes() {
  std::vector<LadderShape> shapes;
  for (int d : {64, 128})
    for (int n : {1024, 4096, 16384})
      for (bool causal : {false, true}) {
        LadderShape s;
        s.d = d;
        s.n = n;
        s.heads = 2048 / d;
        s.batch = 16384 / n;
        s.causal = causal;
        shapes.push_back(s);
      }
  return shapes;
}

std::string Gib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(bytes) / (1ull << 30));
  return buf;
}

void PrintResult(const BenchResult& r) {
  std::printf("%-9s %-15s %-4s %-10s %-10s %-15s", r.kernel.c_str(), ShapeText(r.shape).c_str(), FormatName(r.dtype),
              r.precision.c_str(), r.softmax.c_str(), r.tile.c_str());
  if (r.status == BenchStatus::kOk)
    std::printf(" %9.3f %8.2f %6.1f%% %8.1f %10s %9.2e %+10.2e\n", r.median_ms, r.tflops, r.pct_of_gemm, r.gbps,
                Gib(r.device_bytes).c_str(), r.max_rel_err, r.mean_signed_err);
  else
    std::printf(" %s: %s\n", BenchStatusName(r.status), r.note.c_str());
  std::fflush(stdout);
}

}  // namespace

int RunBenchCommand(const Options& opt) {
  BenchRequest req;
  for (const auto& text : opt.shapes) {
    LadderShape s;
    if (!ParseShapeText(text, &s)) {
      std::fprintf(stderr, "flashscope bench: --shape %s is not BxHxNxD[c] (e.g. 2x16x8192x128c)\n",
                   Excerpt(text).c_str());
      return 2;
    }
    req.shapes.push_back(s);
  }
  if (req.shapes.empty()) req.shapes = DefaultShapes();
  req.kernels = opt.kernels;
  if (!opt.dtypes.empty()) {
    req.dtypes.clear();
    for (const auto& name : opt.dtypes) {
      Format f;
      if (!ParseFormat(name, &f)) {
        std::fprintf(stderr, "flashscope bench: --dtype %s; allowed: %s\n", Excerpt(name).c_str(),
                     FormatChoices().c_str());
        return 2;
      }
      req.dtypes.push_back(f);
    }
  }
  Problem numerics;
  try {
    numerics = opt.flags.ApplyTo(Problem{});
    Validate(numerics);
  } catch (const ProblemError& e) {
    std::fprintf(stderr, "flashscope bench: %s\n", e.what());
    return 2;
  }
  req.numerics = numerics.Numerics();
  req.precision_set = opt.precision_given;
  req.warmup = opt.warmup;
  req.repeats = opt.repeats;
  req.sweep = opt.sweep;
  req.ceilings = !opt.no_ceilings;
  const std::vector<std::string> problems = BenchRequestProblems(req);
  if (!problems.empty()) {
    for (const auto& line : problems) std::fprintf(stderr, "flashscope bench: %s\n", line.c_str());
    return 2;
  }
  try {
    // Opened before the runs, so that an unwritable path is reported at once.
    std::unique_ptr<AtomicFile> json_file;
    if (!opt.json_path.empty()) json_file = std::make_unique<AtomicFile>(opt.json_path);
    std::printf("%-9s %-15s %-4s %-10s %-10s %-15s %9s %8s %7s %8s %10s %9s %10s\n", "kernel", "shape", "dtype",
                "precision", "softmax", "tile", "median_ms", "TFLOP/s", "%GEMM", "GB/s", "memory", "max_rel",
                "mean_err");
    const BenchReport report = RunBench(req, [](const BenchResult& r) {
      PrintResult(r);
      return true;
    });
    std::printf("device: %s\n", report.device.c_str());
    if (req.ceilings)
      std::printf("ceilings: BF16 GEMM %.1f TFLOP/s, FP32 GEMM %.1f TFLOP/s (%d^3), copy %.0f GB/s\n",
                  report.ceilings.gemm_bf16_tflops, report.ceilings.gemm_fp32_tflops, report.ceilings.gemm_n,
                  report.ceilings.copy_gbps);
    if (json_file) {
      json_file->Write(ReportToJson(report));
      json_file->Commit();
    }
    int failed = 0;
    for (const auto& r : report.results) failed += r.status == BenchStatus::kFailed;
    if (failed) std::fprintf(stderr, "flashscope bench: %d kernel run(s) failed validation\n", failed);
    return failed ? 1 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flashscope bench: %s\n", e.what());
    return 1;
  }
}

}  // namespace fs
