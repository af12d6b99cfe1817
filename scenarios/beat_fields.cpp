#include "beat_fields.h"

#include <algorithm>
#include <vector>

#include "bench.h"
#include "excerpt.h"
#include "parallelism.h"
#include "softmax_limits.h"
#include "problem_json.h"

namespace fs {

using nlohmann::json;

std::string LessonDir(const std::string& lesson_path) {
  const size_t slash = lesson_path.find_last_of('/');
  return slash == std::string::npos ? "" : lesson_path.substr(0, slash);
}

namespace {

// A path written in a lesson, made relative to the lesson's folder.
std::string InLessonDir(const std::string& path, const std::string& lesson_dir) {
  return lesson_dir.empty() || path.empty() || path.front() == '/' ? path : lesson_dir + "/" + path;
}

// Every key of object `o` (field `name`) is one of `keys`.
void CheckKeys(const json& o, const char* name, const std::string& where, const std::vector<std::string>& keys,
               const std::string& allowed) {
  if (!o.is_object() || o.empty())
    throw LessonError(where + ": field \"" + name + "\" is " + JsonExcerpt(o) + "; allowed: " + allowed);
  std::string list;
  for (const std::string& k : keys) list += (list.empty() ? "" : ", ") + k;
  for (const auto& item : o.items())
    if (std::find(keys.begin(), keys.end(), item.key()) == keys.end())
      throw LessonError(where + ": unknown field " + Excerpt(std::string(name) + "." + item.key()) + "; allowed: " + list);
}

// "throughput": {"report": ..., "shape": ..., "live": ...}
void ParseThroughput(const json& t, const std::string& where, const std::string& lesson_dir, Beat* b) {
  std::string views;
  for (const char* v : kThroughputViews) views += (views.empty() ? "" : ", ") + std::string(v);
  const std::string allowed = "an object {\"report\": a bench report's path, \"shape\": \"BxHxNxD[c]\", \"view\": " +
                              views + ", \"live\": true or false}";
  CheckKeys(t, "throughput", where, {"report", "shape", "view", "live"}, allowed);
  if (t.contains("report")) {
    if (!t["report"].is_string() || t["report"].get_ref<const std::string&>().empty())
      throw LessonError(where + ": field \"throughput.report\" is " + JsonExcerpt(t["report"]) +
                        "; allowed: the path of a bench report (flashscope bench --json), relative to the lesson");
    b->bench_report = InLessonDir(t["report"].get<std::string>(), lesson_dir);
  }
  if (t.contains("live")) {
    if (!t["live"].is_boolean())
      throw LessonError(where + ": field \"throughput.live\" is " + JsonExcerpt(t["live"]) + "; allowed: true or false");
    b->bench_live = t["live"].get<bool>();
  }
  if (t.contains("view")) {
    for (size_t i = 0; i < std::size(kThroughputViews); ++i)
      if (t["view"] == kThroughputViews[i]) b->bench_view = static_cast<int>(i);
    if (b->bench_view < 0)
      throw LessonError(where + ": field \"throughput.view\" is " + JsonExcerpt(t["view"]) + "; allowed: " + views);
  }
  if (t.contains("shape")) {
    const json& shape = t["shape"];
    BenchRequest check;
    if (!shape.is_string() || !ParseShapeText(shape.get<std::string>(), &b->bench_shape))
      throw LessonError(where + ": field \"throughput.shape\" is " + JsonExcerpt(shape) +
                        "; allowed: \"BxHxNxD\" with a trailing c for causal, e.g. \"2x16x8192x128c\"");
    check.shapes = {b->bench_shape};
    const std::vector<std::string> problems = BenchRequestProblems(check);
    if (!problems.empty()) throw LessonError(where + ": field \"throughput.shape\": " + problems.front());
    b->has_bench_shape = true;
  }
  b->has_throughput = true;
}

// o[key] as a number in [lo, hi] (an integer when `integer`), or `fallback` when it is absent.
double NumberIn(const json& o, const char* name, const char* key, const std::string& where, double lo, double hi,
                bool integer, double fallback) {
  if (!o.contains(key)) return fallback;
  const json& v = o[key];
  const bool ok = (integer ? v.is_number_integer() : v.is_number()) && v.get<double>() >= lo && v.get<double>() <= hi;
  if (!ok)
    throw LessonError(where + ": field \"" + name + "." + key + "\" is " + JsonExcerpt(v) + "; allowed: " +
                      (integer ? "an integer " : "a number ") + ShortNumber(lo) + ".." + ShortNumber(hi));
  return v.get<double>();
}

// "limits": {"l", "n", "t", "b", "d"}
void ParseLimits(const json& o, const std::string& where, Beat* b) {
  CheckKeys(o, "limits", where, {"l", "n", "t", "b", "d"},
            "an object of the softmax-limits sliders {\"l\", \"n\", \"t\", \"b\", \"d\"}");
  b->limits_l = static_cast<int>(NumberIn(o, "limits", "l", where, kMinLimitsL, kMaxLimitsL, true, -1));
  const int most_n = (b->limits_l > 0 ? b->limits_l : kMaxLimitsL) - 1;
  b->limits_n = static_cast<int>(NumberIn(o, "limits", "n", where, 1, most_n, true, -1));
  b->limits_t = NumberIn(o, "limits", "t", where, kBeatMinLimitsT, kBeatMaxLimitsT, false, -1);
  b->limits_b = NumberIn(o, "limits", "b", where, kBeatMinLimitsB, kBeatMaxLimitsB, false, -1);
  b->limits_d = static_cast<int>(NumberIn(o, "limits", "d", where, kBeatMinLimitsD, kBeatMaxLimitsD, true, -1));
  b->has_limits = true;
}

// "parallelism": {"gpu", "heads", "wave"}
void ParseParallelism(const json& o, const std::string& where, Beat* b) {
  CheckKeys(o, "parallelism", where, {"gpu", "heads", "wave"},
            "an object of the parallelism panel's choices {\"gpu\", \"heads\", \"wave\"}");
  if (o.contains("gpu")) {
    std::string names = "\"this\" (the device, where there is one)";
    for (const GpuSpec& g : kGpuSpecs) names += ", \"" + g.name + "\"";
    if (!o["gpu"].is_string() || (o["gpu"] != "this" && !FindGpuSpec(o["gpu"].get<std::string>())))
      throw LessonError(where + ": field \"parallelism.gpu\" is " + JsonExcerpt(o["gpu"]) + "; allowed: " + names);
    b->parallelism_gpu = o["gpu"].get<std::string>();
  }
  b->parallelism_heads = static_cast<int>(NumberIn(o, "parallelism", "heads", where, 1, kMaxPictureHeads, true, -1));
  b->parallelism_wave = static_cast<int>(NumberIn(o, "parallelism", "wave", where, 1, 1e9, true, -1));
  b->has_parallelism = true;
}

}  // namespace

void ResolveLessonPaths(Problem* p, const std::string& lesson_dir) {
  for (std::string* path : {&p->q_path, &p->k_path, &p->v_path, &p->dout_path}) *path = InLessonDir(*path, lesson_dir);
}

Problem BeatProblem(const json& lesson_problem, const json& beat_problem, const std::string& where,
                    const std::string& lesson_dir) {
  if (!beat_problem.is_object())
    throw LessonError(where + ": field \"problem\" is " + beat_problem.dump() +
                      "; allowed: an object of problem fields to change for this beat");
  json merged = lesson_problem;
  // A precision preset named by the lesson stays the base of the stages a beat changes.
  if (merged.contains("precision") && merged["precision"].is_string() && beat_problem.contains("precision") &&
      beat_problem["precision"].is_object() && !beat_problem["precision"].contains("preset"))
    merged["precision"] = json{{"preset", merged["precision"]}};
  merged.merge_patch(beat_problem);
  try {
    Problem p = ProblemFromJson(merged, where + ": problem");
    ResolveLessonPaths(&p, lesson_dir);
    return p;
  } catch (const ProblemError& e) {
    throw LessonError(e.what());
  }
}

void ParseBeatExtras(const json& j, const std::string& where, const std::string& lesson_dir, Beat* b) {
  if (j.contains("throughput")) ParseThroughput(j["throughput"], where, lesson_dir, b);
  if (j.contains("limits")) ParseLimits(j["limits"], where, b);
  if (j.contains("parallelism")) ParseParallelism(j["parallelism"], where, b);
  if (j.contains("cell")) {
    const json& c = j["cell"];
    const std::string allowed = "an object {\"field\": " + CellFieldChoices() + ", \"col\": an integer}";
    if (!c.is_object() || !c.contains("field") || !c["field"].is_string() ||
        !ParseCellField(c["field"].get<std::string>(), &b->cell_field))
      throw LessonError(where + ": field \"cell\" is " + c.dump() + "; allowed: " + allowed);
    for (const auto& item : c.items())
      if (item.key() != "field" && item.key() != "col")
        throw LessonError(where + ": unknown field \"cell." + item.key() + "\"; allowed: field, col");
    const bool per_key = b->cell_field == CellField::kS || b->cell_field == CellField::kP;
    const int cols = per_key ? b->problem.bc : b->problem.d;
    const json col = c.contains("col") ? c["col"] : json(0);
    if (!col.is_number_integer() || col.get<long long>() < 0 || col.get<long long>() >= cols)
      throw LessonError(where + ": field \"cell.col\" is " + col.dump() + "; allowed: 0.." + std::to_string(cols - 1) +
                        (per_key ? " (a key of the tile)" : " (a feature)"));
    if (b->row < 0 || (b->step < 0 && b->cell_field != CellField::kO))
      throw LessonError(where + ": field \"cell\" needs the beat's \"step\" and \"row\"");
    b->has_cell = true;
    b->cell_col = col.get<int>();
  }
  if (j.contains("drift_runs")) {
    const json& r = j["drift_runs"];
    if (!r.is_number_integer() || r.get<long long>() < 0 || r.get<long long>() > kMaxLessonDriftRuns)
      throw LessonError(where + ": field \"drift_runs\" is " + r.dump() + "; allowed: 0.." +
                        std::to_string(kMaxLessonDriftRuns));
    b->drift_runs = r.get<int>();
  }
}

void CheckBeatFiles(const Beat& b, const std::string& where) {
  if (b.bench_report.empty()) return;
  BenchReport report;
  try {
    report = LoadReportFile(b.bench_report);
  } catch (const ProblemError& e) {
    throw LessonError(where + ": field \"throughput.report\": " + e.what());
  }
  if (!b.has_bench_shape) return;
  std::string shapes;
  for (const BenchResult& x : report.results) {
    if (x.shape == b.bench_shape) return;
    const std::string text = ShapeText(x.shape);
    if (shapes.find(text) == std::string::npos) shapes += (shapes.empty() ? "" : ", ") + text;
  }
  throw LessonError(where + ": field \"throughput.shape\" is \"" + ShapeText(b.bench_shape) + "\", which " +
                    b.bench_report + " has no results of; allowed: " + (shapes.empty() ? "none" : shapes));
}

}  // namespace fs
