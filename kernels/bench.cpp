// The bench's request checks and its JSON (bench.h): the parts that need no GPU, so that the
// throughput panel can open a saved report on any machine.
#include "bench.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "backend.h"
#include "excerpt.h"
#include "json_text.h"
#include "problem.h"

namespace fs {

const char* BenchStatusName(BenchStatus s) {
  switch (s) {
    case BenchStatus::kOk: return "ok";
    case BenchStatus::kFailed: return "failed";
    case BenchStatus::kOutOfMemory: return "out of memory";
    case BenchStatus::kSkipped: return "skipped";
  }
  return "ok";
}

std::vector<std::string> BenchRequestProblems(const BenchRequest& r) {
  std::vector<std::string> errors;
  if (r.warmup < 0) errors.push_back("warm-up runs " + std::to_string(r.warmup) + "; allowed: 0 or more");
  if (r.repeats < 1) errors.push_back("repeats " + std::to_string(r.repeats) + "; allowed: 1 or more");
  for (const std::string& name : r.kernels)
    if (!FindKernel(name)) errors.push_back("kernel " + Excerpt(name) + "; allowed: " + KernelChoices());
  if (r.dtypes.empty()) errors.push_back("no storage format; allowed: " + FormatChoices());
  if (r.shapes.empty()) errors.push_back("no shapes to run");
  for (const LadderShape& s : r.shapes) {
    const std::string text = "shape " + ShapeText(s) + ": ";
    if (s.n < 1 || s.n > kMaxBenchN)
      errors.push_back(text + "N is " + std::to_string(s.n) + "; allowed: 1.." + std::to_string(kMaxBenchN));
    if (!IsAllowed(kAllowedD, s.d))
      errors.push_back(text + "d is " + std::to_string(s.d) + "; allowed: " + AllowedList(kAllowedD));
    if (s.batch < 1 || s.heads < 1)
      errors.push_back(text + "B and H are " + std::to_string(s.batch) + " and " + std::to_string(s.heads) +
                       "; allowed: 1 or more each");
    else if (s.BatchHeads() > static_cast<uint64_t>(kMaxBenchHeads))
      errors.push_back(text + "B*H is " + std::to_string(s.BatchHeads()) + "; allowed: 1.." +
                       std::to_string(kMaxBenchHeads) + " (one row of thread blocks per head)");
  }
  return errors;
}

std::string BenchRequestErrors(const BenchRequest& r) {
  const std::vector<std::string> problems = BenchRequestProblems(r);
  std::string out;
  for (const auto& line : problems) out += (out.empty() ? "" : "\n") + line;
  return out.empty() ? CudaUnavailableReason() : out;
}

// ---- JSON -----------------------------------------------------------------------------------

namespace {

using nlohmann::json;

// JSON has no infinity: a failed validation's +inf errors are written as null.
json Number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

[[noreturn]] void Bad(const std::string& source, const std::string& key, const std::string& allowed) {
  throw ProblemError(source + ": key \"" + key + "\" is missing or wrong; allowed: " + allowed);
}

const json& Field(const json& obj, const char* key, const std::string& where, const std::string& source) {
  if (!obj.is_object() || !obj.contains(key)) Bad(source, where + key, "present");
  return obj.at(key);
}

// A string of at most kMaxReportTextChars characters: the throughput panel draws each as one
// text item, which Dear ImGui cannot hold beyond about 16,000 characters.
constexpr size_t kMaxReportTextChars = 4000;

std::string Text(const json& obj, const char* key, const std::string& where, const std::string& source) {
  const json& v = Field(obj, key, where, source);
  if (!v.is_string() || Utf8Length(v.get_ref<const std::string&>()) > kMaxReportTextChars)
    Bad(source, where + key, "a string of at most " + std::to_string(kMaxReportTextChars) + " characters");
  return v.get<std::string>();
}

// A number (null reads as +inf: how an error that was not finite is written).
double Real(const json& obj, const char* key, const std::string& where, const std::string& source) {
  const json& v = Field(obj, key, where, source);
  if (v.is_null()) return INFINITY;
  if (!v.is_number()) Bad(source, where + key, "a number");
  return v.get<double>();
}

int Int(const json& obj, const char* key, const std::string& where, const std::string& source, int lo, int hi) {
  const json& v = Field(obj, key, where, source);
  if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi)
    Bad(source, where + key, "a whole number in " + std::to_string(lo) + ".." + std::to_string(hi));
  return static_cast<int>(v.get<int64_t>());
}

}  // namespace

std::string ReportToJson(const BenchReport& r) {
  json results = json::array();
  for (const BenchResult& x : r.results) {
    results.push_back({{"kernel", x.kernel},
                       {"batch", x.shape.batch},
                       {"heads", x.shape.heads},
                       {"n", x.shape.n},
                       {"d", x.shape.d},
                       {"causal", x.shape.causal},
                       {"dtype", FormatName(x.dtype)},
                       {"precision", x.precision},
                       {"softmax", x.softmax},
                       {"tile", x.tile},
                       {"status", BenchStatusName(x.status)},
                       {"note", x.note},
                       {"median_ms", x.median_ms},
                       {"min_ms", x.min_ms},
                       {"tflops", x.tflops},
                       {"pct_of_gemm", x.pct_of_gemm},
                       {"gbps", x.gbps},
                       {"device_bytes", x.device_bytes},
                       {"registers", x.registers},
                       {"max_rel_err", Number(x.max_rel_err)},
                       {"mean_signed_err", Number(x.mean_signed_err)},
                       {"rel_l2_err", Number(x.rel_l2_err)},
                       {"tolerance", x.tolerance}});
  }
  const json doc = {{"format", "flashscope-bench"},
                    {"version", 2},
                    {"device", r.device},
                    {"device_memory_bytes", r.device_memory_bytes},
                    {"recorded_at", r.recorded_at},
                    {"host", r.host},
                    {"warmup", r.warmup},
                    {"repeats", r.repeats},
                    {"ceilings",
                     {{"gemm_bf16_tflops", r.ceilings.gemm_bf16_tflops},
                      {"gemm_fp32_tflops", r.ceilings.gemm_fp32_tflops},
                      {"copy_gbps", r.ceilings.copy_gbps},
                      {"gemm_n", r.ceilings.gemm_n},
                      {"copy_bytes", r.ceilings.copy_bytes}}},
                    {"results", results}};
  return doc.dump(2) + "\n";
}

BenchReport ReportFromJson(const std::string& text, const std::string& source) {
  json doc;
  try {
    doc = ParseJsonText(text, source);
  } catch (const JsonTextError& e) {
    throw ProblemError(e.what());
  }
  if (!doc.is_object()) Bad(source, "(top level)", "an object");
  if (Text(doc, "format", "", source) != "flashscope-bench") Bad(source, "format", "\"flashscope-bench\"");
  if (Int(doc, "version", "", source, 0, 1000) != 2)
    Bad(source, "version", "2 (reports of version 1 predate the kernel ladder: run the bench again)");
  BenchReport r;
  r.device = Text(doc, "device", "", source);
  if (doc.contains("device_memory_bytes")) {  // absent from reports recorded before it was added
    const double bytes = Real(doc, "device_memory_bytes", "", source);
    if (!(bytes >= 0 && bytes < 1e18)) Bad(source, "device_memory_bytes", "a byte count");
    r.device_memory_bytes = static_cast<uint64_t>(bytes);
  }
  r.recorded_at = Text(doc, "recorded_at", "", source);
  r.host = Text(doc, "host", "", source);
  r.warmup = Int(doc, "warmup", "", source, 0, 1000000);
  r.repeats = Int(doc, "repeats", "", source, 0, 1000000);
  const json& c = Field(doc, "ceilings", "", source);
  r.ceilings.gemm_bf16_tflops = Real(c, "gemm_bf16_tflops", "ceilings.", source);
  r.ceilings.gemm_fp32_tflops = Real(c, "gemm_fp32_tflops", "ceilings.", source);
  r.ceilings.copy_gbps = Real(c, "copy_gbps", "ceilings.", source);
  r.ceilings.gemm_n = Int(c, "gemm_n", "ceilings.", source, 0, 1 << 20);
  const double copy_bytes = Real(c, "copy_bytes", "ceilings.", source);
  if (!(copy_bytes >= 0 && copy_bytes < 1e18)) Bad(source, "ceilings.copy_bytes", "a byte count");
  r.ceilings.copy_bytes = static_cast<uint64_t>(copy_bytes);
  const json& results = Field(doc, "results", "", source);
  if (!results.is_array()) Bad(source, "results", "an array");
  for (size_t i = 0; i < results.size(); ++i) {
    const json& x = results[i];
    const std::string where = "results[" + std::to_string(i) + "].";
    BenchResult b;
    b.kernel = Text(x, "kernel", where, source);
    if (!FindKernel(b.kernel)) Bad(source, where + "kernel", KernelChoices());
    b.shape.batch = Int(x, "batch", where, source, 1, kMaxBenchHeads);
    b.shape.heads = Int(x, "heads", where, source, 1, kMaxBenchHeads);
    b.shape.n = Int(x, "n", where, source, 1, kMaxBenchN);
    b.shape.d = Int(x, "d", where, source, 1, 1 << 16);
    if (!IsAllowed(kAllowedD, b.shape.d)) Bad(source, where + "d", AllowedList(kAllowedD));
    const json& causal = Field(x, "causal", where, source);
    if (!causal.is_boolean()) Bad(source, where + "causal", "true or false");
    b.shape.causal = causal.get<bool>();
    if (!ParseFormat(Text(x, "dtype", where, source), &b.dtype)) Bad(source, where + "dtype", FormatChoices());
    b.precision = Text(x, "precision", where, source);
    b.softmax = Text(x, "softmax", where, source);
    b.tile = Text(x, "tile", where, source);
    const std::string status = Text(x, "status", where, source);
    bool known = false;
    for (BenchStatus s : {BenchStatus::kOk, BenchStatus::kFailed, BenchStatus::kOutOfMemory, BenchStatus::kSkipped})
      if (status == BenchStatusName(s)) b.status = s, known = true;
    if (!known) Bad(source, where + "status", "ok, failed, out of memory, skipped");
    b.note = Text(x, "note", where, source);
    b.median_ms = Real(x, "median_ms", where, source);
    b.min_ms = Real(x, "min_ms", where, source);
    b.tflops = Real(x, "tflops", where, source);
    b.pct_of_gemm = Real(x, "pct_of_gemm", where, source);
    b.gbps = Real(x, "gbps", where, source);
    const double bytes = Real(x, "device_bytes", where, source);
    if (!(bytes >= 0 && bytes < 1e18)) Bad(source, where + "device_bytes", "a byte count");
    b.device_bytes = static_cast<uint64_t>(bytes);
    b.registers = Int(x, "registers", where, source, 0, 1024);
    b.max_rel_err = Real(x, "max_rel_err", where, source);
    b.mean_signed_err = Real(x, "mean_signed_err", where, source);
    b.rel_l2_err = Real(x, "rel_l2_err", where, source);
    b.tolerance = Real(x, "tolerance", where, source);
    for (double v : {b.median_ms, b.min_ms, b.tflops, b.pct_of_gemm, b.gbps})
      if (!std::isfinite(v) || v < 0) Bad(source, where + "median_ms, min_ms, tflops, pct_of_gemm, gbps", "numbers >= 0");
    r.results.push_back(b);
  }
  return r;
}

BenchReport LoadReportFile(const std::string& path) {
  std::error_code error;
  const std::filesystem::file_status st = std::filesystem::status(path, error);
  // A report is a file: a pipe or a device could block the window or never end.
  if (std::filesystem::exists(st) && !std::filesystem::is_regular_file(st) && !std::filesystem::is_directory(st))
    throw ProblemError(path + ": cannot open the bench report: it is not a regular file");
  try {
    return ReportFromJson(ReadJsonFile(path, kMaxBenchReportBytes, "the bench report"), path);
  } catch (const JsonTextError& e) {
    throw ProblemError(e.what());
  }
}

}  // namespace fs
