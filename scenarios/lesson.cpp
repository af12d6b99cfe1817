#include "lesson.h"

#include <limits>

#include <nlohmann/json.hpp>

#include "excerpt.h"
#include "json_text.h"
#include "beat_fields.h"
#include "problem_json.h"
#include "trace.h"

namespace fs {
namespace {

using nlohmann::json;

std::string FieldName(const char* key) { return std::string("field \"") + key + "\""; }

// A string field, at most `max_chars` characters (code points): the window draws each one
// as a single ImGui text item, whose vertex count must stay far below 16-bit indices.
std::string GetString(const json& obj, const char* key, const std::string& where, bool required,
                      size_t max_chars) {
  if (!obj.contains(key)) {
    if (required) throw LessonError(where + ": missing " + FieldName(key) + " (a string)");
    return "";
  }
  const json& v = obj[key];
  if (!v.is_string())
    throw LessonError(where + ": " + FieldName(key) + " must be a string, not " + v.type_name() + " " +
                      JsonExcerpt(v));
  const std::string& text = v.get_ref<const std::string&>();
  const size_t chars = Utf8Length(text);
  if (chars > max_chars)
    throw LessonError(where + ": " + FieldName(key) + " is " + std::to_string(chars) + " characters long (" +
                      Excerpt(text) + "); allowed: at most " + std::to_string(max_chars));
  return text;
}

// An integer field in lo..hi. JSON integers can be as large as 2^64 - 1: they are compared
// as written, never wrapped into an int first.
int GetInt(const json& obj, const char* key, const std::string& where, int lo, int hi, int fallback) {
  if (!obj.contains(key)) return fallback;
  const json& v = obj[key];
  if (!v.is_number_integer())
    throw LessonError(where + ": " + FieldName(key) + " must be an integer, not " + v.type_name() + " " +
                      JsonExcerpt(v));
  const bool in_range = v.is_number_unsigned() ? v.get<uint64_t>() <= static_cast<uint64_t>(hi)
                                               : v.get<int64_t>() >= lo && v.get<int64_t>() <= hi;
  if (!in_range)
    throw LessonError(where + ": " + FieldName(key) + " is " + v.dump() + "; allowed: " + std::to_string(lo) +
                      ".." + std::to_string(hi));
  return static_cast<int>(v.is_number_unsigned() ? static_cast<int64_t>(v.get<uint64_t>()) : v.get<int64_t>());
}

Beat ParseBeat(const json& j, const std::string& where, const Lesson& lesson, const json& lesson_problem) {
  if (!j.is_object()) throw LessonError(where + ": a beat must be an object {\"title\", \"text\", ...}");
  constexpr const char* kBeatFields[] = {"title", "text",       "step",       "row",     "panels",  "problem",
                                         "cell",  "drift_runs", "throughput", "numbers", "limits", "parallelism"};
  for (const auto& item : j.items()) {
    bool known = false;
    for (const char* field : kBeatFields) known = known || item.key() == field;
    if (!known)
      throw LessonError(where + ": unknown field " + Excerpt(item.key()) +
                        "; allowed: title, text, step, row, panels, problem, cell, drift_runs, throughput, numbers, limits, "
                        "parallelism");
  }
  Beat b;
  b.title = GetString(j, "title", where, true, kMaxLessonTitleChars);
  b.text = GetString(j, "text", where, true, kMaxLessonTextChars);
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
      if (!known) throw LessonError(where + ": panel " + JsonExcerpt(name) + " is not known; allowed: " + PanelNameChoices());
      b.panels.push_back(name.get<std::string>());
    }
  }
  if (j.contains("numbers")) {
    if (!j["numbers"].is_boolean())
      throw LessonError(where + ": field \"numbers\" is " + JsonExcerpt(j["numbers"]) + "; allowed: true or false");
    b.numbers = j["numbers"].get<bool>() ? 1 : 0;
  }
  ParseBeatExtras(j, where, LessonDir(lesson.path), &b);
  return b;
}

}  // namespace

Lesson ParseLesson(const std::string& json_text, const std::string& path) {
  if (json_text.size() > kMaxLessonBytes)
    throw LessonError(path + ": the lesson is " + std::to_string(json_text.size()) + " bytes; allowed: at most " +
                      std::to_string(kMaxLessonBytes));
  json root;
  try {
    root = ParseJsonText(json_text, path);
  } catch (const JsonTextError& e) {
    throw LessonError(e.what());
  }
  if (!root.is_object()) throw LessonError(path + ": a lesson is a JSON object with title, problem and beats");
  for (const auto& item : root.items()) {
    const std::string& k = item.key();
    if (k != "title" && k != "summary" && k != "problem" && k != "beats")
      throw LessonError(path + ": unknown field " + Excerpt(k) + "; allowed: title, summary, problem, beats");
  }
  Lesson lesson;
  lesson.path = path;
  lesson.title = GetString(root, "title", path, true, kMaxLessonTitleChars);
  lesson.summary = GetString(root, "summary", path, false, kMaxLessonTextChars);
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
  std::string text;
  try {
    text = ReadJsonFile(path, kMaxLessonBytes, "the lesson file");
  } catch (const JsonTextError& e) {
    throw LessonError(e.what());
  }
  Lesson lesson = ParseLesson(text, path);
  for (size_t i = 0; i < lesson.beats.size(); ++i) CheckBeatFiles(lesson.beats[i], path + ": beats[" + std::to_string(i) + "]");
  return lesson;
}

std::string DefaultLessonPath() { return std::string(FS_LESSON_DIR) + "/intro.json"; }

}  // namespace fs
