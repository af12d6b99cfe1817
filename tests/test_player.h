// Panels as a person sees them, for tests: an app state without a GPU, the text the shown
// panels write when laid out in their areas at 1920 x 1080, and a lesson played beat by beat as
// shot plays it, with each number a beat quotes looked up in what its panels wrote.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "app_state.h"
#include "catch2/catch.hpp"
#include "panels.h"
#include "test_imgui.h"

namespace {

const std::string kLessons = std::string(FS_SOURCE_DIR) + "/scenarios/lessons/";
const char kNoCuda[] = "this build has no CUDA support (the tests say so)";

inline fs::AppState NoGpu() {
  fs::AppState s;
  s.backend_kind = fs::BackendKind::kCpu;
  s.cuda_unavailable = kNoCuda;
  return s;
}

inline bool Shown(const fs::AppState& s, fs::PanelId id) { return s.view.shown[static_cast<int>(id)]; }

// What the shown panels write, laid out in their areas as the window and shot lay them out at
// 1920 x 1080; the third frame's (tabs brought forward take a frame). Lines are joined with
// spaces: where a paragraph wraps depends on the width.
inline std::string ShownText(fs::AppState& s) {
  fs_test::HeadlessFrame frame(ImVec2(1920, 1080));
  std::string text;
  for (int i = 0; i < 3; ++i) text = frame.Text([&] { fs::DrawPanelAreas(s, ImVec2(420, 20), ImVec2(1920, 1050)); });
  std::string joined;
  for (char c : text) {
    if (c == '\n' || c == '\r') c = ' ';
    if (c != ' ' || (!joined.empty() && joined.back() != ' ')) joined.push_back(c);
  }
  return joined;
}

// A lesson played as shot plays it: every beat's state computed in full, its panels drawn.
struct Player {
  fs::AppState s;
  explicit Player(const std::string& file, fs::BenchRunner runner = nullptr) : s(NoGpu()) {
    s.ladder.runner = std::move(runner);
    const bool opened = fs::OpenLesson(s, kLessons + file);
    INFO(s.status.text);
    REQUIRE(opened);
  }
  int Beats() const { return static_cast<int>(s.lesson->beats.size()); }
  // Goes to beat b; returns the text its panels wrote.
  std::string Beat(int b) {
    fs::GoToBeat(s, b);
    INFO(s.status.text);
    REQUIRE(s.beat == b);
    REQUIRE_FALSE(s.status.error);
    fs::PrepareFrame(s, INFINITY);
    return ShownText(s);
  }
  const fs::Beat& Current() const { return s.lesson->beats[s.beat]; }
  // Each quoted piece is in the beat's text and in what its panels wrote.
  void Quotes(const std::string& panels, const std::vector<std::string>& quoted) const {
    for (const std::string& q : quoted) {
      INFO("beat " << s.beat << ": \"" << q << "\"");
      CHECK_THAT(Current().text, Catch::Matchers::Contains(q));
      CHECK_THAT(panels, Catch::Matchers::Contains(q));
    }
  }
};

}  // namespace
