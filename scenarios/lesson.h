// Lessons: human-editable JSON files that set up a Problem and walk through it in beats
// (a title, a paragraph, the step and row to show, the panels to open). A bad file gives a
// LessonError naming the file, the field and what is allowed.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "problem.h"

namespace fs {

struct LessonError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Panels a beat can open; names as written in lesson files.
constexpr const char* kPanelNames[] = {"tiles", "softmax", "scores", "compare"};

struct Beat {
  std::string title;
  std::string text;
  int step = -1;                     // loop step to show; -1 keeps the current one
  int row = -1;                      // query row to follow; -1 keeps the current one
  std::vector<std::string> panels;   // empty: all panels
};

struct Lesson {
  std::string path;
  std::string title;
  std::string summary;
  Problem problem;
  std::vector<Beat> beats;
};

Lesson LoadLesson(const std::string& path);
Lesson ParseLesson(const std::string& json_text, const std::string& path);
std::string DefaultLessonPath();   // scenarios/lessons/intro.json of this source tree

}  // namespace fs
