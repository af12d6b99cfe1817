// Line and bar charts drawn with ImDrawList: axes with "nice" ticks, axis labels, a legend,
// and a hover read-out. Data is borrowed, never copied.
//
// Interaction state kept per chart (keyed by the chart's ImGui ID in the window's storage):
// clicking a legend entry hides or shows that series.
#pragma once

#include <cmath>
#include <vector>

#include "imgui.h"

namespace viz {

struct LineSeries {
  const char* label = "";
  const float* x = nullptr;  // null -> the index 0, 1, 2, ...
  const float* y = nullptr;  // non-finite values leave gaps
  int count = 0;
  int stride = 1;            // in floats, for both x and y
  ImU32 color = 0;           // 0 -> palette colour of the series index
  bool markers = false;      // a dot at every point
  bool step = false;         // piecewise constant: each value holds until the next x
};

struct LineChartSpec {
  const char* x_label = "";
  const char* y_label = "";
  ImVec2 size = ImVec2(0, 200);  // pixels; x 0 -> available width, y 0 -> 14 text heights
  float y_min = 0, y_max = 0;    // equal -> auto
  bool log_y = false;            // log10 axis; values <= 0 are skipped
  float cursor_x = NAN;          // vertical marker at this x (NaN -> none)
  bool legend = true;
  bool integer_x = false;        // x is a count or an index: ticks only at whole numbers
};

void LineChart(const char* id, const LineChartSpec& spec, const LineSeries* series,
               int series_count);

// Grouped bars, one group per index, e.g. running probabilities against exact softmax.
struct BarSeries {
  const char* label = "";
  const float* values = nullptr;  // non-finite values draw no bar
  int count = 0;
  ImU32 color = 0;  // 0 -> palette colour of the series index
};

struct BarChartSpec {
  const char* x_label = "";
  const char* y_label = "";
  ImVec2 size = ImVec2(0, 200);  // as LineChartSpec::size
  float y_min = 0, y_max = 0;    // equal -> auto, always including 0
  int x_offset = 0;              // added to indices in tick labels and read-out
  bool legend = true;
};

void BarChart(const char* id, const BarChartSpec& spec, const BarSeries* series,
              int series_count);

// Tick values with a step of 1, 2 or 5 x 10^k, about `target` of them, the first at or below
// lo and the last at or above hi. Empty when lo or hi is not finite.
std::vector<double> NiceTicks(double lo, double hi, int target);

// The step NiceTicks uses: the 1, 2, 5 x 10^k value nearest above (hi - lo) / target.
double NiceStep(double lo, double hi, int target);

// Tick label of v on an axis whose ticks are `step` apart: as many decimals as the step
// needs, and always enough digits that neighbouring ticks read differently.
void FormatTick(double v, double step, char* buf, size_t n);

}  // namespace viz
