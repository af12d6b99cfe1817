// The parts of a lesson beat beyond its text: a problem override, the cell for the bit view,
// the drift runs and what the throughput panel shows. Used by lesson.cpp; every error is a
// LessonError naming the place, the field and what is allowed.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "lesson.h"

namespace fs {

// The lesson's "problem" object with a beat's "problem" fields set on top of it (a key set to
// null removes it, e.g. "q": null when leaving the npy pattern), read and validated like the
// lesson's own. `where` names the beat ("x.json: beats[2]").
Problem BeatProblem(const nlohmann::json& lesson_problem, const nlohmann::json& beat_problem,
                    const std::string& where, const std::string& lesson_dir);

// Makes the relative .npy paths of p relative to the lesson's folder.
void ResolveLessonPaths(Problem* p, const std::string& lesson_dir);

// The folder of a lesson file ("" for a bare name).
std::string LessonDir(const std::string& lesson_path);

// "cell", "drift_runs" and "throughput" of beat object j into b; b->step and b->row must already
// be read. Reads no file: a "throughput" report's path is only made relative to the lesson.
void ParseBeatExtras(const nlohmann::json& j, const std::string& where, const std::string& lesson_dir, Beat* b);

// The files a parsed beat names, read: its bench report (LoadReportFile), which must have
// results of its shape. Throws LessonError naming `where` ("x.json: beats[2]") and the field.
void CheckBeatFiles(const Beat& b, const std::string& where);

}  // namespace fs
