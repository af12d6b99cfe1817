#include "beat_fields.h"

#include "problem_json.h"

namespace fs {

using nlohmann::json;

std::string LessonDir(const std::string& lesson_path) {
  const size_t slash = lesson_path.find_last_of('/');
  return slash == std::string::npos ? "" : lesson_path.substr(0, slash);
}

void ResolveLessonPaths(Problem* p, const std::string& lesson_dir) {
  if (lesson_dir.empty()) return;
  for (std::string* path : {&p->q_path, &p->k_path, &p->v_path, &p->dout_path})
    if (!path->empty() && path->front() != '/') *path = lesson_dir + "/" + *path;
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

void ParseBeatExtras(const json& j, const std::string& where, Beat* b) {
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

}  // namespace fs
