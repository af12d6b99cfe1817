// The panel table (scenarios/panel_list.h) and what derives from it: the names lessons and
// --panels accept, and their messages. The layout and menus derive from it too (app/).
#include "catch2/catch.hpp"

#include <set>
#include <string>
#include <vector>

#include "cli.h"
#include "lesson.h"
#include "panel_list.h"

using Catch::Matchers::Contains;

namespace {

std::string LessonWithPanels(const std::string& panels) {
  return R"({"title": "t", "problem": {}, "beats": [{"title": "a", "text": "b", "panels": )" + panels + "}]}";
}

// ParseCommandLine on `args` (without the program name); returns its code.
int Parse(std::vector<std::string> args, fs::Options* opt) {
  args.insert(args.begin(), "flashscope");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return fs::ParseCommandLine(static_cast<int>(argv.size()), argv.data(), opt);
}

}  // namespace

TEST_CASE("panel names are unique and every panel has an area", "[panels]") {
  std::set<std::string> names(std::begin(fs::kPanelNames), std::end(fs::kPanelNames));
  CHECK(names.size() == static_cast<size_t>(fs::kPanelCount));
  for (int i = 0; i < fs::kPanelCount; ++i) {
    const int area = static_cast<int>(fs::kPanelAreas[i]);
    CHECK(area >= 0);
    CHECK(area < fs::kPanelAreaCount);
  }
  for (const char* name : {"tiles", "softmax", "scores", "compare", "precision", "errors", "bits", "drift"})
    CHECK(names.count(name) == 1);
}

TEST_CASE("ParsePanelName reads every name of the table and nothing else", "[panels]") {
  for (int i = 0; i < fs::kPanelCount; ++i) {
    fs::PanelId id = fs::PanelId::kTiles;
    REQUIRE(fs::ParsePanelName(fs::kPanelNames[i], &id));
    CHECK(static_cast<int>(id) == i);
    CHECK(fs::PanelName(id) == std::string(fs::kPanelNames[i]));
  }
  fs::PanelId id = fs::PanelId::kTiles;
  CHECK_FALSE(fs::ParsePanelName("heat", &id));
  CHECK_FALSE(fs::ParsePanelName("", &id));
}

TEST_CASE("a lesson beat may name every panel of the table", "[panels][lesson]") {
  std::string all = "[";
  for (const char* name : fs::kPanelNames) all += std::string(all.size() > 1 ? ", " : "") + "\"" + name + "\"";
  all += "]";
  const fs::Lesson lesson = fs::ParseLesson(LessonWithPanels(all), "x.json");
  CHECK(lesson.beats[0].panels == fs::PanelNameList());
}

TEST_CASE("an unknown panel in a lesson is refused with every name of the table", "[panels][lesson]") {
  CHECK_THROWS_WITH(fs::ParseLesson(LessonWithPanels(R"(["heat"])"), "x.json"),
                    Contains("x.json: beats[0]") && Contains("\"heat\"") && Contains(fs::PanelNameChoices()));
}

TEST_CASE("--panels accepts every name of the table, in order", "[panels][cli]") {
  std::string all;
  for (const char* name : fs::kPanelNames) all += std::string(all.empty() ? "" : ",") + name;
  fs::Options opt;
  REQUIRE(Parse({"--panels", all}, &opt) == fs::kGoOn);
  CHECK(opt.panels == fs::PanelNameList());
  fs::Options shot;
  REQUIRE(Parse({"shot", "--out", "x.png", "--panels", "bits,precision"}, &shot) == fs::kGoOn);
  CHECK(shot.panels == std::vector<std::string>{"bits", "precision"});
}

TEST_CASE("--panels refuses an unknown name", "[panels][cli]") {
  fs::Options opt;
  CHECK(Parse({"--panels", "tiles,heat"}, &opt) == 2);
}
