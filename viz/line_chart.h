// Line and bar charts and histograms drawn with ImDrawList: axes with "nice" ticks, axis
// labels, a legend, and a hover read-out. Data is borrowed, never copied.
//
// Interaction state kept per chart (keyed by the chart's ImGui ID in the window's storage):
// clicking a legend entry hides or shows that series.
#pragma once

#include <cmath>
#include <vector>

#include "colormap.h"
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
  float x_min = 0, x_max = 0;    // equal -> from the data
  float cursor_x = NAN;          // vertical marker at this x (NaN -> none)
  // Past this x the plot is shaded and marked "not computed yet" (NaN -> none): a loop's
  // history drawn on the axis of its whole run.
  float future_x = NAN;
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
  int marked = -1;               // this group framed in `marked_color` (e.g. the inspected key); -1: none
  ImU32 marked_color = kLinkColor;
};

void BarChart(const char* id, const BarChartSpec& spec, const BarSeries* series,
              int series_count);

// A histogram of borrowed values with the mean and its confidence interval marked, so that a
// bias shows as a histogram shifted away from zero.
struct HistogramSpec {
  const double* values = nullptr;  // non-finite values are skipped (and counted as such)
  int count = 0;
  int stride = 1;                  // in doubles
  int bins = 0;                    // 0 -> about sqrt(count), between 10 and 60
  double x_min = 0, x_max = 0;     // equal -> from the data
  bool centre_zero = true;         // the automatic range is symmetric around 0
  double mean = NAN;               // a vertical line at the mean (NaN -> none)
  double ci_lo = NAN, ci_hi = NAN; // a shaded band, e.g. the mean's 99% interval
  const char* label = "values";    // legend entries: bars, mean, interval
  const char* mean_label = "mean";
  const char* ci_label = "99% CI of the mean";
  const char* x_label = "";
  const char* y_label = "count";
  ImVec2 size = ImVec2(0, 200);    // as LineChartSpec::size
  ImU32 color = 0;                 // bars; 0 -> palette colour 0
  ImU32 mean_color = 0;            // mean and interval; 0 -> palette colour 1
};

struct HistogramResult {
  int counted = 0, skipped = 0;    // finite values binned, non-finite values left out
  int max_count = 0;               // the tallest bin
  double lo = 0, hi = 0;           // x range of the bins
  float zero_x = NAN, mean_x = NAN;  // screen x of 0 and of the mean line (NaN: not drawn)
  ImVec2 plot_min, plot_max;       // screen rectangle of the plot area
};

HistogramResult Histogram(const char* id, const HistogramSpec& spec);

// Tick values with a step of 1, 2 or 5 x 10^k, about `target` of them, the first at or below
// lo and the last at or above hi. Empty when lo or hi is not finite.
std::vector<double> NiceTicks(double lo, double hi, int target);

// The step NiceTicks uses: the 1, 2, 5 x 10^k value nearest above (hi - lo) / target.
double NiceStep(double lo, double hi, int target);

// Tick label of v on an axis whose ticks are `step` apart: as many decimals as the step
// needs, and always enough digits that neighbouring ticks read differently.
void FormatTick(double v, double step, char* buf, size_t n);

}  // namespace viz
