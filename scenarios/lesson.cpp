#include "lesson.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "beat_fields.h"
#include "problem_json.h"
#include "trace.h"

namespace fs {
namespace {

using nlohmann::json;

std::string GetString(const json& obj, const char* key, const std::string& where, bool required) {
  if (!obj.contains(key)) {
    if (required) throw LessonError(where + ": missing field \"" + key + "\" (a string)");
    return "";
  }
  if (!obj[key].is_string())
    throw LessonError(where + ": field \"" + key + "\" must be a string, not " + obj[key].type_name());
  return obj[key].get<std::string>();
}

int GetInt(const json& obj, const char* key, const std::string& where, int lo, int hi, int fallback) {
  if (!obj.contains(key)) return fallback;
  if (!obj[key].is_number_integer())
    throw LessonError(where + ": field \"" + key + "\" must be an integer, not " + obj[key].type_name());
  const long long v = obj[key].get<long long>();
  if (v < lo || v > hi)
    throw LessonError(where + ": field \"" + key + "\" is " + std::to_string(v) + "; allowed: " +
                      std::to_string(lo) + ".." + std::to_string(hi));
  return static_cast<int>(v);
}

Beat ParseBeat(const json& j, const std::string& where, const Lesson& lesson, const json& lesson_problem) {
  if (!j.is_object()) throw LessonError(where + ": a beat must be an object {\"title\", \"text\", ...}");
  constexpr const char* kBeatFields[] = {"title", "text", "step", "row", "panels", "problem", "cell", "drift_runs"};
  for (const auto& item : j.items()) {
    bool known = false;
    for (const char* field : kBeatFields) known = known || item.key() == field;
    if (!known)
      throw LessonError(where + ": unknown field \"" + item.key() +
                        "\"; allowed: title, text, step, row, panels, problem, cell, drift_runs");
  }
  Beat b;
  b.title = GetString(j, "title", where, true);
  b.text = GetString(j, "text", where, true);
  b.problem = lesson.problem;
  if (j.contains("problem")) {
    b.overrides_problem = true;
    b.problem = BeatProblem(lesson_problem, j["problem"], where, LessonDir(lesson.path));
  }
  const Problem& p = b.problem;
  const int steps = StepOffsets(p).back();
  b.step = GetInt(j, "step", where, -1, steps - 1, -1);
  b.row = GetInt(j, "row", where, -1, p.n - 1, -1);
  if (j.contains("panels")) {
    if (!j["panels"].is_array()) throw LessonError(where + ": field \"panels\" must be a list of panel names");
    for (const auto& name : j["panels"]) {
      bool known = false;
      for (const char* allowed : kPanelNames) known = known || (name.is_string() && name == allowed);
      if (!known) throw LessonError(where + ": panel " + name.dump() + " is not known; allowed: " + PanelNameChoices());
      b.panels.push_back(name.get<std::string>());
    }
  }
  ParseBeatExtras(j, where, &b);
  return b;
}

}  // namespace

Lesson ParseLesson(const std::string& json_text, const std::string& path) {
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw LessonError(path + ": not valid JSON (" + e.what() + ")");
  }
  if (!root.is_object()) throw LessonError(path + ": a lesson is a JSON object with title, problem and beats");
  Lesson lesson;
  lesson.path = path;
  lesson.title = GetString(root, "title", path, true);
  lesson.summary = GetString(root, "summary", path, false);
  if (!root.contains("problem")) throw LessonError(path + ": missing field \"problem\"");
  try {
    lesson.problem = ProblemFromJson(root["problem"], path + ": problem");
  } catch (const ProblemError& e) {
    throw LessonError(e.what());
  }
  ResolveLessonPaths(&lesson.problem, LessonDir(path));
  if (!root.contains("beats") || !root["beats"].is_array() || root["beats"].empty())
    throw LessonError(path + ": field \"beats\" must be a non-empty list of beats");
  for (size_t i = 0; i < root["beats"].size(); ++i)
    lesson.beats.push_back(
        ParseBeat(root["beats"][i], path + ": beats[" + std::to_string(i) + "]", lesson, root["problem"]));
  return lesson;
}

Lesson LoadLesson(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw LessonError(path + ": cannot open the lesson file");
  std::stringstream text;
  text << in.rdbuf();
  return ParseLesson(text.str(), path);
}

std::string DefaultLessonPath() { return std::string(FS_LESSON_DIR) + "/intro.json"; }

}  // namespace fs
