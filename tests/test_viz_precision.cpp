// The precision lab's widgets, checked by what they drew: the colour of the topmost triangle
// under a point of the window's draw list stands for the pixel there.
//
// Sections: helpers · heatmap outlines, marked cell, diverging colours · histogram · bit view
#include "catch2/catch.hpp"

#include <cfloat>
#include <cmath>
#include <limits>
#include <vector>

#include "bit_view.h"
#include "colormap.h"
#include "heatmap.h"
#include "imgui.h"
#include "line_chart.h"
#include "test_imgui.h"

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// An ImGui context with a built font atlas and one full-window frame at a time.
class Frame {
 public:
  Frame() : context_(fs_test::CreateHeadlessContext(ImVec2(1280, 800))) {
    ImGuiIO& io = ImGui::GetIO();
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(io.DisplaySize);
    ImGui::Begin("viz precision test", nullptr, ImGuiWindowFlags_NoDecoration);
  }
  ~Frame() {
    ImGui::End();
    ImGui::Render();
    ImGui::DestroyContext(context_);
  }
  Frame(const Frame&) = delete;
  Frame& operator=(const Frame&) = delete;

 private:
  ImGuiContext* context_ = nullptr;
};

float Cross(ImVec2 a, ImVec2 b, ImVec2 p) { return (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x); }

// Colour of the last drawn triangle that covers p (fully opaque vertices only, so that the
// transparent fringe of anti-aliased shapes does not count); 0 when none does.
ImU32 ColourAt(ImVec2 p) {
  const ImDrawList* dl = ImGui::GetWindowDrawList();
  ImU32 found = 0;
  for (int i = 0; i + 2 < dl->IdxBuffer.Size; i += 3) {
    const ImDrawVert& a = dl->VtxBuffer[dl->IdxBuffer[i]];
    const ImDrawVert& b = dl->VtxBuffer[dl->IdxBuffer[i + 1]];
    const ImDrawVert& c = dl->VtxBuffer[dl->IdxBuffer[i + 2]];
    if ((a.col >> IM_COL32_A_SHIFT) != 255 || a.col != b.col || b.col != c.col) continue;
    const float d1 = Cross(a.pos, b.pos, p), d2 = Cross(b.pos, c.pos, p), d3 = Cross(c.pos, a.pos, p);
    const bool neg = d1 < 0 || d2 < 0 || d3 < 0, pos = d1 > 0 || d2 > 0 || d3 > 0;
    if (!(neg && pos)) found = a.col;
  }
  return found;
}

struct CellGeometry {
  ImVec2 min;
  float w, h;
  ImVec2 Centre(int r, int c) const { return ImVec2(min.x + (c + 0.5f) * w, min.y + (r + 0.5f) * h); }
  // A point inside the cell, one pixel from its left edge.
  ImVec2 NearLeftEdge(int r, int c) const { return ImVec2(min.x + c * w + 1.0f, min.y + (r + 0.5f) * h); }
};

CellGeometry Cells(const viz::HeatmapResult& r, int rows, int cols) {
  return {r.grid_min, (r.grid_max.x - r.grid_min.x) / cols, (r.grid_max.y - r.grid_min.y) / rows};
}

}  // namespace

// ---- heatmap ------------------------------------------------------------------------------------

TEST_CASE("Heatmap outlines exactly the cells of the outline mask, each on its own", "[viz][precision]") {
  Frame frame;
  // A P-bar tile: two adjacent exact ones in row 1, one in row 3.
  const int rows = 4, cols = 6;
  std::vector<float> p(rows * cols, 0.25f);
  std::vector<unsigned char> ones(rows * cols, 0);
  for (int i : {1 * cols + 2, 1 * cols + 3, 3 * cols + 0}) {
    p[i] = 1.0f;
    ones[i] = 1;
  }
  viz::HeatmapSpec spec;
  spec.values = p.data();
  spec.rows = rows;
  spec.cols = cols;
  spec.outline = ones.data();
  spec.size = ImVec2(360, 240);
  const viz::HeatmapResult r = viz::Heatmap("P", spec);
  const CellGeometry g = Cells(r, rows, cols);
  for (int row = 0; row < rows; ++row)
    for (int col = 0; col < cols; ++col) {
      INFO("cell " << row << ", " << col);
      const bool outlined = ones[row * cols + col] != 0;
      CHECK((ColourAt(g.NearLeftEdge(row, col)) == viz::kOutlineColor) == outlined);
      // The cell's own colour stays visible inside the outline.
      CHECK(ColourAt(g.Centre(row, col)) == viz::MapColor(viz::ColorMap::kViridis, p[row * cols + col] == 1.0f ? 1.0f : 0.0f));
    }
  // Neighbouring outlined cells keep a frame each: the shared edge is drawn from both sides.
  const ImVec2 right_of_first(g.min.x + 3 * g.w - 1.0f, g.min.y + 1.5f * g.h);
  CHECK(ColourAt(right_of_first) == viz::kOutlineColor);
}

TEST_CASE("Heatmap frames the marked cell in the mark colour", "[viz][precision]") {
  Frame frame;
  std::vector<float> v(5 * 5, 0.5f);
  viz::HeatmapSpec spec;
  spec.values = v.data();
  spec.rows = spec.cols = 5;
  spec.size = ImVec2(250, 250);
  spec.marked_row = 2;
  spec.marked_col = 4;
  const viz::HeatmapResult r = viz::Heatmap("marked", spec);
  const CellGeometry g = Cells(r, 5, 5);
  // The frame lies on the cell's edge, a little outside.
  const ImVec2 on_left_edge(g.min.x + 4 * g.w, g.min.y + 2.5f * g.h);
  CHECK(ColourAt(on_left_edge) == viz::kMarkColor);
  CHECK(ColourAt(ImVec2(g.min.x + 1 * g.w, g.min.y + 2.5f * g.h)) != viz::kMarkColor);
}

TEST_CASE("A diverging error map is white at 0, blue below and red above", "[viz][precision]") {
  Frame frame;
  const float errors[] = {-0.02f, 0.0f, 0.01f, kNaN};
  viz::HeatmapSpec spec;
  spec.values = errors;
  spec.rows = 1;
  spec.cols = 4;
  spec.vmin = -0.02f;
  spec.vmax = 0.02f;
  spec.auto_map = false;
  spec.map = viz::ColorMap::kDiverging;
  spec.size = ImVec2(400, 100);
  const viz::HeatmapResult r = viz::Heatmap("errors", spec);
  const CellGeometry g = Cells(r, 1, 4);
  CHECK(ColourAt(g.Centre(0, 0)) == viz::MapColor(viz::ColorMap::kDiverging, 0.0f));
  CHECK(ColourAt(g.Centre(0, 1)) == viz::MapColor(viz::ColorMap::kDiverging, 0.5f));
  CHECK(ColourAt(g.Centre(0, 2)) == viz::MapColor(viz::ColorMap::kDiverging, 0.75f));
  const ImVec4 low = ImGui::ColorConvertU32ToFloat4(ColourAt(g.Centre(0, 0)));
  const ImVec4 zero = ImGui::ColorConvertU32ToFloat4(ColourAt(g.Centre(0, 1)));
  const ImVec4 high = ImGui::ColorConvertU32ToFloat4(ColourAt(g.Centre(0, 2)));
  CHECK(low.z > low.x);
  CHECK(high.x > high.z);
  CHECK(std::min({zero.x, zero.y, zero.z}) > 0.9f);
}

// ---- histogram ---------------------------------------------------------------------------------

TEST_CASE("A histogram of errors biased low draws its mean left of zero with its interval", "[viz][precision]") {
  Frame frame;
  std::vector<double> errors;
  for (int i = 0; i < 400; ++i) errors.push_back(-0.006 + 0.004 * std::sin(0.7 * i));
  errors.push_back(std::nan(""));
  viz::HistogramSpec spec;
  spec.values = errors.data();
  spec.count = static_cast<int>(errors.size());
  spec.mean = -0.006;
  spec.ci_lo = -0.0065;
  spec.ci_hi = -0.0055;
  spec.size = ImVec2(600, 300);
  spec.mean_color = IM_COL32(10, 200, 30, 255);
  const viz::HistogramResult r = viz::Histogram("errors", spec);
  CHECK(r.counted == 400);
  CHECK(r.skipped == 1);
  CHECK(r.lo == -r.hi);  // centred on zero
  CHECK(r.hi >= 0.0099);
  REQUIRE(std::isfinite(r.zero_x));
  REQUIRE(std::isfinite(r.mean_x));
  CHECK(r.mean_x < r.zero_x);
  const float expected = r.plot_min.x + static_cast<float>((-0.006 - r.lo) / (r.hi - r.lo)) * (r.plot_max.x - r.plot_min.x);
  CHECK(r.mean_x == Approx(expected).margin(1.0));
  const float mid_y = 0.5f * (r.plot_min.y + r.plot_max.y);
  CHECK(ColourAt(ImVec2(r.mean_x, r.plot_min.y + 2.0f)) == spec.mean_color);
  CHECK(ColourAt(ImVec2(r.mean_x, mid_y)) == spec.mean_color);  // over the bars
  // No bar to the right of the largest value.
  CHECK(ColourAt(ImVec2(r.plot_max.x - 3.0f, r.plot_max.y - 2.0f)) != viz::PaletteColor(0, 0.85f));
}

TEST_CASE("A histogram with only non-finite values draws no bars and no mean", "[viz][precision]") {
  Frame frame;
  const double values[] = {std::nan(""), INFINITY};
  viz::HistogramSpec spec;
  spec.values = values;
  spec.count = 2;
  spec.mean = std::nan("");
  spec.size = ImVec2(300, 150);
  const viz::HistogramResult r = viz::Histogram("none", spec);
  CHECK(r.counted == 0);
  CHECK(r.skipped == 2);
  CHECK(r.max_count == 0);
  CHECK(std::isnan(r.mean_x));
}

// ---- bit view ----------------------------------------------------------------------------------

TEST_CASE("The bit view of BF16 -4.71875 fills the boxes of its 1 bits in their field colours", "[viz][precision]") {
  Frame frame;
  // -4.71875 in BF16: 1 10000001 0010111.
  viz::BitViewSpec spec;
  spec.bits = 0xC097u;
  spec.exponent_bits = 8;
  spec.mantissa_bits = 7;
  spec.box = 8.0f;  // no digits at this size: the fill is what is seen
  const viz::BitViewResult r = viz::BitView("bits", spec);
  CHECK(r.boxes == 16);
  const float gap = 0.4f * ImGui::GetFontSize();
  // Box i of field f starts after the fields before it and their gaps.
  auto inside = [&](int box, int gaps_before) {
    return ImVec2(r.first_box_min.x + box * r.box + gaps_before * gap + 0.3f * r.box, r.first_box_min.y + 0.3f * r.box);
  };
  CHECK(ColourAt(inside(0, 0)) == viz::kSignColor);          // sign 1
  CHECK(ColourAt(inside(1, 1)) == viz::kExponentColor);      // exponent 1...
  CHECK(ColourAt(inside(2, 1)) != viz::kExponentColor);      // ...0
  CHECK(ColourAt(inside(8, 1)) == viz::kExponentColor);      // ...1
  CHECK(ColourAt(inside(9, 2)) != viz::kMantissaColor);      // mantissa 0 0 1 0 1 1 1
  CHECK(ColourAt(inside(11, 2)) == viz::kMantissaColor);
  CHECK(ColourAt(inside(15, 2)) == viz::kMantissaColor);
}

TEST_CASE("The bit view marks the dropped bits after the mantissa", "[viz][precision]") {
  Frame frame;
  // FP32 -4.70316124 (0xC096804C) cut for BF16: sign, exponent, 7 kept bits, 16 dropped.
  viz::BitViewSpec spec;
  spec.bits = 0xC096u;
  spec.exponent_bits = 8;
  spec.mantissa_bits = 7;
  spec.dropped = 0x804Cu;  // 1000 0000 0100 1100: guard 1, round 0, sticky 1
  spec.dropped_count = 16;
  spec.box = 8.0f;
  const viz::BitViewResult r = viz::BitView("rounding", spec);
  CHECK(r.boxes == 32);
  CHECK(r.sticky_max.x - r.guard_min.x == Approx(16 * r.box));
  CHECK(ColourAt(ImVec2(r.guard_min.x + 0.3f * r.box, r.guard_min.y + 0.3f * r.box)) == viz::kDroppedColor);  // guard 1
  CHECK(ColourAt(ImVec2(r.guard_min.x + 1.3f * r.box, r.guard_min.y + 0.3f * r.box)) != viz::kDroppedColor);  // round 0
  CHECK(ColourAt(ImVec2(r.sticky_max.x - 2.7f * r.box, r.guard_min.y + 0.3f * r.box)) == viz::kDroppedColor);  // bit 2
  CHECK(ColourAt(ImVec2(r.sticky_max.x - 0.7f * r.box, r.guard_min.y + 0.3f * r.box)) != viz::kDroppedColor);  // bit 0
}
