// A chart with logarithmic x and y axes, drawn with ImDrawList: polylines, labelled points and
// reference lines across the plot. For a roofline (TFLOP/s over FLOP per byte) and for memory
// over sequence length. Data is borrowed, never copied; no interaction state is kept (hovering
// a point shows its values).
#pragma once

#include <cstddef>
#include <vector>

#include "imgui.h"

namespace viz {

// A polyline through (x[i], y[i]); points with a coordinate that is not finite and positive
// are left out (the line breaks there).
struct LogLine {
  const char* label = "";      // in the legend; "" for none
  const double* x = nullptr;
  const double* y = nullptr;
  int count = 0;
  ImU32 color = 0;             // 0 -> palette colour of the line's index
  bool dashed = false;
  bool markers = false;        // a dot at every point
};

// A point with its label written beside it.
struct LogMark {
  const char* label = "";
  double x = 0, y = 0;
  ImU32 color = 0;             // 0 -> palette colour of the mark's index
  bool hollow = false;         // a ring instead of a dot
};

// A line across the whole plot at y = value (x = value when vertical), labelled at its start
// (above its left end; right of its bottom end when vertical).
struct LogRule {
  const char* label = "";
  double value = 0;
  bool vertical = false;
  ImU32 color = 0;             // 0 -> the text colour
};

// Tick label of a value, e.g. bytes as "1 GiB".
using LogTickFormat = void (*)(double value, char* buf, size_t size);

struct LogChartSpec {
  const char* x_label = "";
  const char* y_label = "";
  ImVec2 size = ImVec2(0, 0);            // pixels; 0 -> the available width, 14 text heights
  float min_plot_height = 0.0f;          // > 0: taller than size.y where the legend leaves less plot
  double x_min = 0, x_max = 0;           // the axes' ranges; not both positive and ordered:
  double y_min = 0, y_max = 0;           // the whole decades that hold the data
  const double* x_ticks = nullptr;       // where to put x ticks; null -> LogTicks
  int x_tick_count = 0;
  const double* y_ticks = nullptr;       // where to put y ticks; null -> LogTicks
  int y_tick_count = 0;
  LogTickFormat format_x = nullptr;      // null -> "%g"
  LogTickFormat format_y = nullptr;
  const LogLine* lines = nullptr;
  int line_count = 0;
  const LogMark* marks = nullptr;
  int mark_count = 0;
  const LogRule* rules = nullptr;
  int rule_count = 0;
};

struct LogChartResult {
  ImVec2 plot_min, plot_max;             // screen rectangle of the plot area
  double x_lo = 0, x_hi = 0, y_lo = 0, y_hi = 0;  // the ranges drawn
  int hovered_mark = -1;                 // the mark under the mouse
};

LogChartResult LogChart(const char* id, const LogChartSpec& spec);

// Where v lies between lo and hi on a log axis: 0 at lo, 1 at hi (outside: below 0, above 1).
double LogFraction(double v, double lo, double hi);

// Tick values for a log axis over [lo, hi]: the powers of ten inside it, with 2 and 5 times them
// when fewer than three powers of ten fall inside.
std::vector<double> LogTicks(double lo, double hi);

// The powers of two 2^(k * bits) from the nearest at or below lo to the nearest at or above hi,
// at least two (bits 10: 1 KiB, 1 MiB, 1 GiB...); the first and last also in *range_lo and
// *range_hi (either may be null). Empty when lo or hi is not positive and finite or hi < lo.
std::vector<double> PowerOfTwoTicks(double lo, double hi, int bits, double* range_lo, double* range_hi);

// The whole decades that hold the finite positive values among `values` (count of them), at
// least one decade; false when there are none.
bool DecadesOf(const double* values, int count, double* lo, double* hi);

// Label positions: the screen y of each label wanted at `want`, moved apart so that no two
// are closer than `gap`, keeping their order, inside [top, bottom] where the room allows.
std::vector<float> SpreadLabels(const std::vector<float>& want, float gap, float top, float bottom);

}  // namespace viz
