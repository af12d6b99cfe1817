// The layout at the sizes and scales a lecture hall meets: `shot --layout-report` at 1024x768,
// 1280x720, 1280x800, 1920x1080, 2560x1440 and 3840x2160, UI scales 1, 1.5 and 2, dark and light,
// for the views the lessons use. The report is the layout's own measurement of the frame it
// drew: no window's content wider than its region (no clipped line, no table column too narrow
// for its text, no tab label cut short) and every chart's plotting area (a heatmap's grid) at
// least 120 pixels tall at scale 1, in proportion above. Panels that do not fit scroll.
#include "catch2/catch.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "test_util.h"

namespace {

struct View {
  const char* name;
  std::string args;
  std::vector<std::string> charts;  // kinds and ids that must be in the report: "panel/id"
};

int Shot(const std::string& args, const std::string& log) { return fs_test::RunHeadless("shot " + args, log); }

}  // namespace

TEST_CASE("No clipped text and charts at least 120 px tall at every projector size, scale and theme", "[layout]") {
  const std::string lessons = std::string(FS_SOURCE_DIR) + "/scenarios/lessons/";
  const std::vector<View> views = {
      {"tiles, scores and softmax", "--lesson " + lessons + "intro.json --beat 2 --panels tiles,scores,softmax",
       {"scores/S", "scores/P", "softmax/m", "softmax/l", "softmax/rescale", "softmax/probs"}},
      {"the intro's last beat (output panel)", "--lesson " + lessons + "intro.json --beat 3",
       {"output/V", "output/Oacc", "output/O", "softmax/m", "softmax/probs"}},
      {"the precision lab: precision, bits and drift",
       "--lesson " + lessons + "beta_fix.json --beat 1 --panels precision,bits,drift",
       {"precision/shown", "precision/other", "drift/rows", "drift/runs"}},
      {"errors, throughput (a saved report) and drift",
       "--lesson " + lessons + "biased_rounding.json --beat 1 --panels errors,throughput,drift --bench-json " +
           std::string(FS_SOURCE_DIR) + "/tests/data/h100_ladder_sample.json",
       {"errors/O", "errors/Oacc", "errors/hist", "drift/rows"}},
      {"the softmax-limits lab", "--panels tiles,limits",
       {"limits/flatten", "limits/selection", "limits/jacobian", "limits/pattern"}},
      {"the parallelism panel (one head, N = 8192)", "--lesson " + lessons + "fa2_three_changes.json --beat 1",
       {"parallelism/fa2_sms", "parallelism/fa1_sms", "parallelism/split_q", "parallelism/split_k"}},
  };
  const char* sizes[] = {"1024x768", "1280x720", "1280x800", "1920x1080", "2560x1440", "3840x2160"};
  const double scales[] = {1.0, 1.5, 2.0};
  fs_test::TempDir dir;
  int checked = 0;
  for (const View& view : views)
    for (const char* size : sizes)
      for (const double scale : scales)
        for (const bool light : {false, true}) {
          char scale_text[16];
          std::snprintf(scale_text, sizeof scale_text, "%g", scale);
          const std::string report = dir.File("layout.json"), log = dir.File("shot.log");
          const std::string args = "--out " + dir.File("x.png") + " --layout-report " + report + " --size " + size +
                                   " --scale " + scale_text + (light ? " --light " : " ") + view.args;
          INFO(view.name << " at " << size << ", scale " << scale << (light ? ", light" : ", dark"));
          REQUIRE(Shot(args, log) == 0);
          const nlohmann::json j = nlohmann::json::parse(fs_test::ReadBytes(report));
          for (const auto& clipped : j["clipped"]) {
            INFO(clipped.get<std::string>());
            CHECK(false);
          }
          std::vector<std::string> seen;
          for (const auto& c : j["charts"]) {
            const std::string name = c["panel"].get<std::string>() + "/" + c["id"].get<std::string>();
            seen.push_back(name);
            INFO(name << " (" << c["kind"].get<std::string>() << ") is " << c["height"].get<double>() << " px tall");
            CHECK(c["height"].get<double>() >= 120.0 * scale - 0.5);
          }
          for (const std::string& want : view.charts) {
            INFO("the report names " << want);
            CHECK(std::find(seen.begin(), seen.end(), want) != seen.end());
          }
          ++checked;
        }
  CHECK(checked == 6 * 6 * 3 * 2);
}

TEST_CASE("The layout report finds clipped text and short charts where they are", "[layout]") {
  // 640 x 480 at scale 2 is a 320 x 240 screen: the controls and the scores panel cannot fit
  // their widths, and the report must say so (the measurement the test above requires to be
  // empty); the tiles keep their 240 px and the panel scrolls.
  fs_test::TempDir dir;
  const std::string report = dir.File("layout.json"), log = dir.File("shot.log");
  REQUIRE(Shot("--out " + dir.File("x.png") + " --layout-report " + report + " --size 640x480 --scale 2 --panels scores",
               log) == 0);
  const nlohmann::json j = nlohmann::json::parse(fs_test::ReadBytes(report));
  std::string clipped;
  for (const auto& c : j["clipped"]) clipped += c.get<std::string>() + "\n";
  CHECK_THAT(clipped, Catch::Matchers::Contains("controls: content"));
  CHECK_THAT(clipped, Catch::Matchers::Contains("scores: content"));
  REQUIRE(j["charts"].size() == 2);
  for (const auto& c : j["charts"]) {
    CHECK(c["panel"] == "scores");
    CHECK(c["height"].get<double>() == Approx(240.0).margin(0.5));
  }
}
