// Line and bar charts, histograms. Sections: ticks, shared chart frame (layout, legend, axes),
// LineChart, BarChart, Histogram.
#include "line_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>

#include "chart_audit.h"
#include "colormap.h"

namespace viz {
namespace {

constexpr int kMaxTicks = 1000;
constexpr float kDefaultHeightFonts = 14.0f;  // chart height when size.y is 0
constexpr float kHoverRadiusFonts = 2.5f;     // nearest-point read-out reaches this far
constexpr float kRightPadFonts = 1.2f;        // room for half of the last x tick label

ImU32 TextColor(float alpha = 1.0f) { return ImGui::GetColorU32(ImGuiCol_Text, alpha); }

// ---- Chart frame ------------------------------------------------------------------------

struct LegendEntry {
  const char* label = "";
  ImU32 color = 0;
  ImGuiID key = 0;  // window storage key of the "hidden" flag
  bool hidden = false;
  ImVec2 min, max;  // screen rectangle, after layout
};

struct Axis {
  double lo = 0.0, hi = 1.0;  // in axis units (log10 of the value for a log axis)
  bool log = false;
  double step = 1.0;           // tick step in axis units, for labels
  std::vector<double> ticks;   // in axis units
};

// Everything about one chart's screen geometry.
struct Frame {
  ImVec2 min, max;            // the whole widget
  ImVec2 plot_min, plot_max;  // the data area
  float legend_h = 0.0f;      // height of the legend rows at the top
  bool hovered = false, clicked = false;
};

float AxisToX(const Frame& f, const Axis& a, double v) {
  return static_cast<float>(f.plot_min.x + (v - a.lo) / (a.hi - a.lo) * (f.plot_max.x - f.plot_min.x));
}
float AxisToY(const Frame& f, const Axis& a, double v) {
  return static_cast<float>(f.plot_max.y - (v - a.lo) / (a.hi - a.lo) * (f.plot_max.y - f.plot_min.y));
}

ImVec2 ChartSize(ImVec2 size) {
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float font = ImGui::GetFontSize();
  return ImVec2(size.x > 0 ? size.x : std::max(avail.x, 10 * font),
                size.y > 0 ? size.y : kDefaultHeightFonts * font);
}

// Submits the input item and lays out the legend rows; legend entries get their
// rectangles and a click on one toggles its hidden flag.
Frame BeginFrame(const char* id, ImVec2 size, bool legend, const char* y_label,
                 std::vector<LegendEntry>* entries) {
  Frame f;
  ImGui::InvisibleButton(id, size);
  f.min = ImGui::GetItemRectMin();
  f.max = ImGui::GetItemRectMax();
  f.hovered = ImGui::IsItemHovered();
  f.clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);

  const float font = ImGui::GetFontSize(), line_h = ImGui::GetTextLineHeight();
  ImGuiStorage* storage = ImGui::GetStateStorage();
  bool any_label = false;
  for (LegendEntry& e : *entries) {
    e.hidden = storage->GetBool(e.key, false);
    any_label = any_label || (e.label && e.label[0]);
  }
  if (!legend || !any_label) return f;

  // Entries in reading order, packed into rows that are right-aligned with the plot; the
  // first row leaves room for the y label on the left.
  const float swatch_w = 1.4f * font, gap = 0.3f * font, spacing = 1.0f * font;
  const float right = f.max.x - kRightPadFonts * font;
  const float label_room = y_label && y_label[0] ? ImGui::CalcTextSize(y_label).x + font : 0.0f;
  int rows = 0;
  size_t row_begin = 0;
  float row_w = 0.0f;
  auto place_row = [&](size_t end) {  // right-align entries [row_begin, end) on row `rows`
    float x = right - row_w;
    for (size_t i = row_begin; i < end; ++i) {
      LegendEntry& e = (*entries)[i];
      if (!e.label || !e.label[0]) continue;
      const float w = swatch_w + gap + ImGui::CalcTextSize(e.label).x;
      e.min = ImVec2(x, f.min.y + rows * line_h);
      e.max = ImVec2(x + w, e.min.y + line_h);
      x += w + spacing;
    }
    ++rows;
    row_begin = end;
    row_w = 0.0f;
  };
  for (size_t i = 0; i < entries->size(); ++i) {
    const LegendEntry& e = (*entries)[i];
    if (!e.label || !e.label[0]) continue;
    const float w = swatch_w + gap + ImGui::CalcTextSize(e.label).x;
    const float room = right - f.min.x - (rows == 0 ? label_room : 0.0f);
    if (row_w > 0.0f && row_w + spacing + w > room) place_row(i);
    row_w += (row_w > 0.0f ? spacing : 0.0f) + w;
  }
  place_row(entries->size());
  f.legend_h = rows * line_h;
  if (f.clicked) {
    const ImVec2 m = ImGui::GetIO().MousePos;
    for (LegendEntry& e : *entries) {
      if (e.label && e.label[0] && m.x >= e.min.x && m.x < e.max.x && m.y >= e.min.y && m.y < e.max.y) {
        e.hidden = !e.hidden;
        storage->SetBool(e.key, e.hidden);
      }
    }
  }
  return f;
}

void DrawLegend(const std::vector<LegendEntry>& entries, bool bars) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float font = ImGui::GetFontSize(), line_h = ImGui::GetTextLineHeight();
  for (const LegendEntry& e : entries) {
    if (!e.label || !e.label[0]) continue;
    const float cy = e.min.y + 0.5f * line_h;
    const float sx0 = e.min.x, sx1 = e.min.x + 1.4f * font;
    const ImU32 col = e.hidden ? TextColor(0.25f) : e.color;
    if (bars) {
      draw->AddRectFilled({sx0 + 0.2f * font, cy - 0.35f * font}, {sx1 - 0.2f * font, cy + 0.35f * font}, col);
    } else {
      draw->AddLine({sx0, cy}, {sx1, cy}, col, std::max(2.0f, 0.15f * font));
    }
    draw->AddText({sx1 + 0.3f * font, e.min.y},
                  e.hidden ? ImGui::GetColorU32(ImGuiCol_TextDisabled) : TextColor(), e.label);
  }
}

struct TickLabel {
  char text[32];
};

// Positions the plot area inside the frame, leaving room for the y tick labels on the left,
// the legend or y label on top, and the x tick labels and x label below.
void LayoutPlot(Frame* f, const char* x_label, const char* y_label,
                const std::vector<TickLabel>& y_text) {
  const float font = ImGui::GetFontSize(), line_h = ImGui::GetTextLineHeight();
  float label_w = 0.0f;
  for (const TickLabel& t : y_text) label_w = std::max(label_w, ImGui::CalcTextSize(t.text).x);
  const bool has_y_label = y_label && y_label[0];
  const bool has_x_label = x_label && x_label[0];
  // The top tick label is centred on the plot's top edge: half a line above the legend
  // row (or y label) keeps them apart.
  const float top = std::max(f->legend_h, has_y_label ? line_h : 0.0f) + 0.5f * line_h;
  const float bottom = line_h + 0.3f * font + (has_x_label ? line_h : 0.0f);
  f->plot_min = ImVec2(std::floor(f->min.x + label_w + 0.6f * font), std::floor(f->min.y + top));
  f->plot_max = ImVec2(std::floor(f->max.x - kRightPadFonts * font), std::floor(f->max.y - bottom));
  if (f->plot_max.x < f->plot_min.x + font) f->plot_max.x = f->plot_min.x + font;
  if (f->plot_max.y < f->plot_min.y + font) f->plot_max.y = f->plot_min.y + font;
}

// Background, grid lines at the ticks, border, tick labels and axis labels.
void DrawAxes(const Frame& f, const char* x_label, const char* y_label,
              const std::vector<float>& x_tick_px, const std::vector<TickLabel>& x_text,
              const Axis& y, const std::vector<TickLabel>& y_text) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float font = ImGui::GetFontSize(), line_h = ImGui::GetTextLineHeight();
  draw->AddRectFilled(f.plot_min, f.plot_max, TextColor(0.04f));
  const ImU32 grid = TextColor(0.12f);
  for (size_t i = 0; i < y_text.size(); ++i) {
    const float py = std::round(AxisToY(f, y, y.ticks[i]));
    draw->AddLine({f.plot_min.x, py}, {f.plot_max.x, py}, grid);
    const ImVec2 ts = ImGui::CalcTextSize(y_text[i].text);
    draw->AddText({f.plot_min.x - 0.3f * font - ts.x, py - 0.5f * line_h}, TextColor(0.85f), y_text[i].text);
  }
  for (size_t i = 0; i < x_tick_px.size(); ++i) {
    const float px = std::round(x_tick_px[i]);
    draw->AddLine({px, f.plot_min.y}, {px, f.plot_max.y}, grid);
    draw->AddLine({px, f.plot_max.y}, {px, f.plot_max.y + 0.25f * font}, TextColor(0.5f));
    const ImVec2 ts = ImGui::CalcTextSize(x_text[i].text);
    draw->AddText({px - 0.5f * ts.x, f.plot_max.y + 0.3f * font}, TextColor(0.85f), x_text[i].text);
  }
  draw->AddRect({f.plot_min.x - 1, f.plot_min.y - 1}, {f.plot_max.x + 1, f.plot_max.y + 1}, TextColor(0.4f));
  if (x_label && x_label[0]) {
    const ImVec2 ts = ImGui::CalcTextSize(x_label);
    draw->AddText({0.5f * (f.plot_min.x + f.plot_max.x - ts.x), f.plot_max.y + 0.3f * font + line_h},
                  TextColor(), x_label);
  }
  if (y_label && y_label[0]) draw->AddText({f.min.x, f.min.y}, TextColor(), y_label);
}

// Y axis from a data range (auto) or the spec's range (manual); ticks in axis units.
Axis MakeYAxis(double dmin, double dmax, float y_min, float y_max, bool log, float plot_h) {
  const float line_h = ImGui::GetTextLineHeight();
  const int target = std::max(2, static_cast<int>(plot_h / (2.2f * line_h)));
  Axis a;
  a.log = log;
  const bool manual = y_min != y_max && std::isfinite(y_min) && std::isfinite(y_max) &&
                      (!log || (y_min > 0 && y_max > 0));
  if (log) {
    if (manual) {
      a.lo = std::log10(std::min(y_min, y_max));
      a.hi = std::log10(std::max(y_min, y_max));
    } else if (dmin <= dmax) {
      a.lo = std::floor(std::log10(dmin));
      a.hi = std::ceil(std::log10(dmax));
      if (a.hi <= a.lo) a.hi = a.lo + 1.0;
    } else {
      a.lo = 0.0;
      a.hi = 1.0;
    }
    // Decades, every k-th when there are many.
    const double decades = std::floor(a.hi) - std::ceil(a.lo);
    const int every = std::max(1, static_cast<int>(std::ceil((decades + 1) / target)));
    for (double e = std::ceil(a.lo / every) * every; e <= a.hi + 1e-9; e += every) a.ticks.push_back(e);
    a.step = 1.0;
    if (a.ticks.size() < 2) {  // less than a decade: linear nice ticks, placed on the log axis
      a.ticks.clear();
      const double lo = std::pow(10.0, a.lo), hi = std::pow(10.0, a.hi);
      for (double t : NiceTicks(lo, hi, target)) {
        if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9) && t > 0) a.ticks.push_back(std::log10(t));
      }
      a.step = -1.0;  // label from the linear value
    }
    return a;
  }
  if (manual) {
    a.lo = std::min(y_min, y_max);
    a.hi = std::max(y_min, y_max);
    a.step = NiceStep(a.lo, a.hi, target);
    for (double t : NiceTicks(a.lo, a.hi, target)) {
      if (t >= a.lo - 1e-9 * a.step && t <= a.hi + 1e-9 * a.step) a.ticks.push_back(t);
    }
    return a;
  }
  if (!(dmin <= dmax)) {
    dmin = 0.0;
    dmax = 1.0;
  }
  a.ticks = NiceTicks(dmin, dmax, target);
  a.step = NiceStep(dmin, dmax, target);
  a.lo = a.ticks.front();
  a.hi = a.ticks.back();
  return a;
}

// X axis over [lo, hi] with as many nice ticks as fit the plot's width without their labels
// touching; integer: only whole-number ticks. Fills the tick labels and their pixel positions.
Axis MakeXAxis(const Frame& f, double lo, double hi, bool integer, std::vector<TickLabel>* text,
               std::vector<float>* px) {
  const float font = ImGui::GetFontSize();
  Axis x;
  x.lo = lo;
  x.hi = hi;
  const float plot_w = f.plot_max.x - f.plot_min.x;
  for (int target = std::max(2, static_cast<int>(plot_w / (5 * font))); target >= 1; --target) {
    x.step = NiceStep(lo, hi, target);
    if (integer) x.step = std::max(1.0, x.step);  // steps >= 1 are 1, 2, 5, 10...: whole
    x.ticks.clear();
    const double first = std::ceil(lo / x.step - 1e-9);
    for (int i = 0; i < kMaxTicks; ++i) {
      const double t = (first + i) * x.step;
      if (t > hi + 1e-9 * x.step) break;
      x.ticks.push_back(t);
    }
    text->assign(x.ticks.size(), TickLabel{});
    float widest = 0.0f;
    for (size_t i = 0; i < text->size(); ++i) {
      FormatTick(x.ticks[i], x.step, (*text)[i].text, sizeof (*text)[i].text);
      widest = std::max(widest, ImGui::CalcTextSize((*text)[i].text).x);
    }
    if ((widest + font) * text->size() <= plot_w) break;
  }
  px->clear();
  for (size_t i = 0; i < text->size(); ++i) px->push_back(AxisToX(f, x, x.ticks[i]));
  return x;
}

std::vector<TickLabel> FormatYTicks(const Axis& a) {
  std::vector<TickLabel> text(a.ticks.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const double t = a.ticks[i];
    if (a.log) {
      std::snprintf(text[i].text, sizeof text[i].text, "%g", std::pow(10.0, t));
    } else {
      FormatTick(t, a.step, text[i].text, sizeof text[i].text);
    }
  }
  return text;
}

}  // namespace

// Tick label with as many decimals as the step needs ("0.25" -> step 0.05 -> 2 decimals).
void FormatTick(double v, double step, char* buf, size_t n) {
  if (std::fabs(v) < step * 1e-6) v = 0.0;  // no "-0" or "1e-17" at zero
  const double mag = std::max(std::fabs(v), step);
  if (mag >= 1e6 || step < 1e-4) {
    // Enough significant digits that neighbouring ticks differ (1.00001 next to 1.00002).
    const int digits = std::clamp(static_cast<int>(std::ceil(std::log10(mag / step))) + 1, 3, 12);
    std::snprintf(buf, n, "%.*g", digits, v);
  } else {
    const int decimals = step >= 1.0 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
    std::snprintf(buf, n, "%.*f", decimals, v);
  }
}


// ---- Ticks --------------------------------------------------------------------------------

double NiceStep(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return 0.0;
  double range = std::fabs(hi - lo);
  if (!(range > 0.0)) range = lo == 0.0 ? 1.0 : 0.2 * std::fabs(lo);
  target = std::clamp(target, 1, kMaxTicks);
  const double raw = range / target;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / p;  // in [1, 10)
  const double nice = f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0;
  return nice * p;
}

std::vector<double> NiceTicks(double lo, double hi, int target) {
  std::vector<double> ticks;
  if (!std::isfinite(lo) || !std::isfinite(hi)) return ticks;
  if (lo > hi) std::swap(lo, hi);
  if (lo == hi) {  // widen a point into a small range around it
    const double d = lo == 0.0 ? 0.5 : 0.1 * std::fabs(lo);
    lo -= d;
    hi += d;
  }
  const double step = NiceStep(lo, hi, target);
  const double first = std::floor(lo / step), last = std::ceil(hi / step);
  for (double i = first; i <= last && ticks.size() <= size_t(2 * kMaxTicks); i += 1.0) {
    ticks.push_back(i * step);
  }
  return ticks;
}

// Legend entries of a chart's series (LineSeries or BarSeries): label, colour (palette when
// 0) and the ID under which the series' hidden flag is stored.
template <typename Series>
std::vector<LegendEntry> LegendOf(const char* id, const Series* series, int series_count) {
  std::vector<LegendEntry> entries(static_cast<size_t>(std::max(0, series_count)));
  ImGui::PushID(id);
  for (int i = 0; i < series_count; ++i) {
    entries[i].label = series[i].label;
    entries[i].color = series[i].color ? series[i].color : PaletteColor(i);
    entries[i].key = (series[i].label && series[i].label[0])
                         ? ImGui::GetID(series[i].label)
                         : ImGui::GetID(reinterpret_cast<const void*>(static_cast<intptr_t>(i)));
  }
  ImGui::PopID();
  return entries;
}

// ---- LineChart ----------------------------------------------------------------------------

void LineChart(const char* id, const LineChartSpec& spec, const LineSeries* series,
               int series_count) {
  if (!series) series_count = 0;
  const float font = ImGui::GetFontSize();
  std::vector<LegendEntry> entries = LegendOf(id, series, series_count);
  Frame f = BeginFrame(id, ChartSize(spec.size), spec.legend, spec.y_label, &entries);

  auto x_at = [](const LineSeries& s, int i) {
    return s.x ? s.x[size_t(i) * s.stride] : static_cast<float>(i);
  };
  auto usable = [&](float xv, float yv) {
    return std::isfinite(xv) && std::isfinite(yv) && (!spec.log_y || yv > 0.0f);
  };

  // fn(series, index, x, y) for every drawable point of the visible series.
  auto for_each_point = [&](auto fn) {
    for (int s = 0; s < series_count; ++s) {
      const LineSeries& ls = series[s];
      if (entries[s].hidden || !ls.y || ls.stride < 1) continue;
      for (int i = 0; i < ls.count; ++i) {
        const float xv = x_at(ls, i), yv = ls.y[size_t(i) * ls.stride];
        if (usable(xv, yv)) fn(s, i, xv, yv);
      }
    }
  };

  // Data ranges of the visible series.
  double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin;
  double ymin = xmin, ymax = -xmin;
  for_each_point([&](int, int, float xv, float yv) {
    xmin = std::min<double>(xmin, xv);
    xmax = std::max<double>(xmax, xv);
    ymin = std::min<double>(ymin, yv);
    ymax = std::max<double>(ymax, yv);
  });
  if (spec.x_min < spec.x_max) {
    xmin = spec.x_min;
    xmax = spec.x_max;
  } else if (!(xmin <= xmax)) {
    xmin = 0.0;
    xmax = 1.0;
  } else if (xmin == xmax) {
    xmin -= 0.5;
    xmax += 0.5;
  }

  // Y axis first (its labels set the left margin), then the x ticks that fit the width.
  LayoutPlot(&f, spec.x_label, spec.y_label, {});
  const Axis y = MakeYAxis(ymin, ymax, spec.y_min, spec.y_max, spec.log_y, f.plot_max.y - f.plot_min.y);
  const std::vector<TickLabel> y_text = FormatYTicks(y);
  LayoutPlot(&f, spec.x_label, spec.y_label, y_text);

  std::vector<TickLabel> x_text;
  std::vector<float> x_px;
  const Axis x = MakeXAxis(f, xmin, xmax, spec.integer_x, &x_text, &x_px);
  DrawAxes(f, spec.x_label, spec.y_label, x_px, x_text, y, y_text);
  RecordChart("line chart", id, ImVec2(f.plot_max.x - f.plot_min.x, f.plot_max.y - f.plot_min.y));

  // Series: one polyline per run of usable points.
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float thickness = std::max(1.5f, 0.11f * font);
  const float marker_r = std::max(2.0f, 0.18f * font);
  auto to_screen = [&](float xv, float yv) {
    const double ya = spec.log_y ? std::log10(static_cast<double>(yv)) : yv;
    return ImVec2(AxisToX(f, x, xv), AxisToY(f, y, ya));
  };
  draw->PushClipRect({f.plot_min.x - thickness, f.plot_min.y - thickness},
                     {f.plot_max.x + thickness, f.plot_max.y + thickness}, true);
  if (std::isfinite(spec.future_x) && spec.future_x < x.hi) {
    const float fx = std::max(f.plot_min.x, AxisToX(f, x, std::max<double>(spec.future_x, x.lo)));
    draw->AddRectFilled({fx, f.plot_min.y}, f.plot_max, TextColor(0.08f));
    const char* note = "not computed yet";
    const ImVec2 ts = ImGui::CalcTextSize(note);
    if (f.plot_max.x - fx > ts.x + 0.6f * font)
      draw->AddText({f.plot_max.x - ts.x - 0.3f * font, f.plot_min.y + 0.2f * font}, TextColor(0.45f), note);
  }
  std::vector<ImVec2> pts;
  for (int s = 0; s < series_count; ++s) {
    const LineSeries& ls = series[s];
    if (entries[s].hidden || !ls.y || ls.stride < 1) continue;
    const ImU32 col = entries[s].color;
    auto flush = [&]() {
      if (pts.size() >= 2) draw->AddPolyline(pts.data(), static_cast<int>(pts.size()), col, 0, thickness);
      pts.clear();
    };
    for (int i = 0; i < ls.count; ++i) {
      const float xv = x_at(ls, i), yv = ls.y[size_t(i) * ls.stride];
      if (!usable(xv, yv)) {
        flush();
        continue;
      }
      const ImVec2 p = to_screen(xv, yv);
      if (ls.step && !pts.empty()) pts.push_back(ImVec2(p.x, pts.back().y));
      pts.push_back(p);
      if (ls.markers) draw->AddCircleFilled(p, marker_r, col, 12);
    }
    flush();
  }
  if (std::isfinite(spec.cursor_x) && spec.cursor_x >= x.lo && spec.cursor_x <= x.hi) {
    const float cx = std::round(AxisToX(f, x, spec.cursor_x));
    draw->AddLine({cx, f.plot_min.y}, {cx, f.plot_max.y}, TextColor(0.7f), std::max(1.5f, 0.1f * font));
  }
  draw->PopClipRect();
  DrawLegend(entries, false);

  // Hover: the nearest point of any visible series.
  const ImVec2 m = ImGui::GetIO().MousePos;
  if (f.hovered && m.x >= f.plot_min.x && m.x <= f.plot_max.x && m.y >= f.plot_min.y &&
      m.y <= f.plot_max.y) {
    const float radius = kHoverRadiusFonts * font;
    float best = radius * radius;
    int best_s = -1, best_i = -1;
    for_each_point([&](int s, int i, float xv, float yv) {
      const ImVec2 p = to_screen(xv, yv);
      const float d2 = (p.x - m.x) * (p.x - m.x) + (p.y - m.y) * (p.y - m.y);
      if (d2 < best) {
        best = d2;
        best_s = s;
        best_i = i;
      }
    });
    if (best_s >= 0) {
      const LineSeries& ls = series[best_s];
      const float xv = x_at(ls, best_i), yv = ls.y[size_t(best_i) * ls.stride];
      const ImVec2 p = to_screen(xv, yv);
      draw->AddCircle(p, marker_r + 2.0f, TextColor(), 16, 2.0f);
      const char* xl = spec.x_label && spec.x_label[0] ? spec.x_label : "x";
      const char* yl = spec.y_label && spec.y_label[0] ? spec.y_label : "y";
      ImGui::BeginTooltip();
      if (ls.label && ls.label[0]) {
        ImGui::ColorButton("##swatch", ImGui::ColorConvertU32ToFloat4(entries[best_s].color),
                           ImGuiColorEditFlags_NoTooltip, ImVec2(0.8f * font, 0.8f * font));
        ImGui::SameLine();
        ImGui::TextUnformatted(ls.label);
      }
      ImGui::Text("%s = %.6g", xl, xv);
      ImGui::Text("%s = %.6g", yl, yv);
      ImGui::EndTooltip();
    }
  }
}

// ---- BarChart -----------------------------------------------------------------------------

void BarChart(const char* id, const BarChartSpec& spec, const BarSeries* series, int series_count) {
  if (!series) series_count = 0;
  const float font = ImGui::GetFontSize();
  std::vector<LegendEntry> entries = LegendOf(id, series, series_count);
  Frame f = BeginFrame(id, ChartSize(spec.size), spec.legend, spec.y_label, &entries);

  // Groups: one per index of the longest series (hidden ones included, so that hiding a
  // series does not move the others).
  int groups = 0, visible = 0;
  double ymin = 0.0, ymax = 0.0;  // bars start at zero, so zero is always in range
  bool any_value = false;
  for (int s = 0; s < series_count; ++s) {
    const BarSeries& bs = series[s];
    if (!bs.values) continue;
    groups = std::max(groups, bs.count);
    if (entries[s].hidden) continue;
    ++visible;
    for (int i = 0; i < bs.count; ++i) {
      const float v = bs.values[i];
      if (!std::isfinite(v)) continue;
      ymin = std::min<double>(ymin, v);
      ymax = std::max<double>(ymax, v);
      any_value = true;
    }
  }
  if (!any_value) ymax = 1.0;

  LayoutPlot(&f, spec.x_label, spec.y_label, {});
  const Axis y = MakeYAxis(ymin, ymax, spec.y_min, spec.y_max, false, f.plot_max.y - f.plot_min.y);
  const std::vector<TickLabel> y_text = FormatYTicks(y);
  LayoutPlot(&f, spec.x_label, spec.y_label, y_text);

  // X ticks at group centres, every k-th index with k = 1, 2, 5, 10, ... so labels fit.
  const float plot_w = f.plot_max.x - f.plot_min.x;
  const float group_w = plot_w / std::max(1, groups);
  std::vector<TickLabel> x_text;
  std::vector<float> x_px;
  if (groups > 0) {
    char widest_text[32];
    std::snprintf(widest_text, sizeof widest_text, "%d", groups - 1 + spec.x_offset);
    const float label_w = ImGui::CalcTextSize(widest_text).x + font;
    const int target = std::max(1, static_cast<int>(plot_w / label_w));
    const int every = std::max(1, static_cast<int>(std::lround(NiceStep(0, groups, target))));
    for (int i = 0; i < groups; ++i) {
      const int label = i + spec.x_offset;
      if (((label % every) + every) % every != 0) continue;
      x_px.push_back(f.plot_min.x + (i + 0.5f) * group_w);
      x_text.emplace_back();
      std::snprintf(x_text.back().text, sizeof x_text.back().text, "%d", label);
    }
  }
  DrawAxes(f, spec.x_label, spec.y_label, x_px, x_text, y, y_text);
  RecordChart("bar chart", id, ImVec2(f.plot_max.x - f.plot_min.x, f.plot_max.y - f.plot_min.y));

  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 m = ImGui::GetIO().MousePos;
  int hover = -1;
  if (f.hovered && groups > 0 && m.x >= f.plot_min.x && m.x < f.plot_max.x && m.y >= f.plot_min.y &&
      m.y <= f.plot_max.y) {
    hover = std::min(groups - 1, static_cast<int>((m.x - f.plot_min.x) / group_w));
    draw->AddRectFilled({f.plot_min.x + hover * group_w, f.plot_min.y},
                        {f.plot_min.x + (hover + 1) * group_w, f.plot_max.y}, TextColor(0.08f));
  }

  draw->PushClipRect(f.plot_min, f.plot_max, true);
  const float inner = group_w * 0.8f;
  const float bar_w = inner / std::max(1, visible);
  const float bar_gap = bar_w >= 4.0f ? 1.0f : 0.0f;
  const float zero_y = AxisToY(f, y, std::clamp(0.0, y.lo, y.hi));
  int k = 0;
  for (int s = 0; s < series_count; ++s) {
    const BarSeries& bs = series[s];
    if (entries[s].hidden || !bs.values) continue;
    for (int i = 0; i < bs.count; ++i) {
      const float v = bs.values[i];
      if (!std::isfinite(v)) continue;
      const float x0 = f.plot_min.x + i * group_w + 0.5f * (group_w - inner) + k * bar_w;
      const float vy = AxisToY(f, y, v);
      draw->AddRectFilled({x0, std::min(vy, zero_y)}, {x0 + bar_w - bar_gap, std::max(vy, zero_y)},
                          entries[s].color);
    }
    ++k;
  }
  if (y.lo < 0.0 && y.hi > 0.0) {
    draw->AddLine({f.plot_min.x, std::round(zero_y)}, {f.plot_max.x, std::round(zero_y)}, TextColor(0.5f));
  }
  if (spec.marked >= 0 && spec.marked < groups) {
    const float t = std::max(2.0f, 0.12f * font);
    const ImVec2 a(f.plot_min.x + spec.marked * group_w, f.plot_min.y + 1.0f);
    const ImVec2 b(std::max(a.x + 2.0f * t, f.plot_min.x + (spec.marked + 1) * group_w), f.plot_max.y - 1.0f);
    draw->AddRect(a, b, IM_COL32(0, 0, 0, 200), 0.0f, 0, t + 2.0f);
    draw->AddRect(a, b, spec.marked_color, 0.0f, 0, t);
  }
  draw->PopClipRect();
  DrawLegend(entries, true);

  if (hover >= 0) {
    ImGui::BeginTooltip();
    ImGui::Text("%s %d", spec.x_label && spec.x_label[0] ? spec.x_label : "index", hover + spec.x_offset);
    for (int s = 0; s < series_count; ++s) {
      const BarSeries& bs = series[s];
      if (entries[s].hidden || !bs.values || hover >= bs.count) continue;
      ImGui::PushID(s);
      ImGui::ColorButton("##swatch", ImGui::ColorConvertU32ToFloat4(entries[s].color),
                         ImGuiColorEditFlags_NoTooltip, ImVec2(0.8f * font, 0.8f * font));
      ImGui::PopID();
      ImGui::SameLine();
      const char* label = bs.label && bs.label[0] ? bs.label : "value";
      if (std::isfinite(bs.values[hover])) {
        ImGui::Text("%s: %.6g", label, bs.values[hover]);
      } else {
        ImGui::Text("%s: %g (no bar)", label, bs.values[hover]);
      }
    }
    ImGui::EndTooltip();
  }
}

// ---- Histogram ----------------------------------------------------------------------------

HistogramResult Histogram(const char* id, const HistogramSpec& spec) {
  HistogramResult result;
  const float font = ImGui::GetFontSize();
  const ImU32 bar_color = spec.color ? spec.color : PaletteColor(0, 0.85f);
  const ImU32 mean_color = spec.mean_color ? spec.mean_color : PaletteColor(1);
  const bool has_mean = std::isfinite(spec.mean);
  const bool has_ci = std::isfinite(spec.ci_lo) && std::isfinite(spec.ci_hi);
  std::vector<LegendEntry> entries;
  ImGui::PushID(id);
  auto add_entry = [&](const char* label, ImU32 color, const char* key) {
    entries.emplace_back();
    entries.back().label = label;
    entries.back().color = color;
    entries.back().key = ImGui::GetID(key);
  };
  add_entry(spec.label, bar_color, "bars");
  if (has_mean) add_entry(spec.mean_label, mean_color, "mean");
  if (has_ci) add_entry(spec.ci_label, (mean_color & ~IM_COL32_A_MASK) | IM_COL32(0, 0, 0, 90), "ci");
  ImGui::PopID();
  Frame f = BeginFrame(id, ChartSize(spec.size), true, spec.y_label, &entries);

  // Range: the spec's, or the finite data's (symmetric around 0 when asked), never empty.
  const int stride = std::max(1, spec.stride);
  double lo = spec.x_min, hi = spec.x_max;
  const bool manual = lo < hi && std::isfinite(lo) && std::isfinite(hi);
  if (!manual) {
    lo = std::numeric_limits<double>::infinity();
    hi = -lo;
    for (int i = 0; spec.values && i < spec.count; ++i) {
      const double v = spec.values[size_t(i) * stride];
      if (!std::isfinite(v)) continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    if (has_mean) {
      lo = std::min(lo, spec.mean);
      hi = std::max(hi, spec.mean);
    }
    if (!(lo <= hi)) lo = hi = 0.0;
    if (spec.centre_zero) {
      hi = std::max(std::fabs(lo), std::fabs(hi));
      lo = -hi;
    }
    if (hi - lo <= 0.0) {
      const double half = lo == 0.0 ? 1.0 : 0.5 * std::fabs(lo);
      lo -= half;
      hi += half;
    }
  }
  result.lo = lo;
  result.hi = hi;

  // Bins.
  int finite = 0;
  for (int i = 0; spec.values && i < spec.count; ++i) finite += std::isfinite(spec.values[size_t(i) * stride]) ? 1 : 0;
  const int bins = spec.bins > 0 ? spec.bins : std::clamp(static_cast<int>(std::sqrt(static_cast<double>(finite))), 10, 60);
  std::vector<int> counts(bins, 0);
  for (int i = 0; spec.values && i < spec.count; ++i) {
    const double v = spec.values[size_t(i) * stride];
    if (!std::isfinite(v)) {
      ++result.skipped;
      continue;
    }
    if (v < lo || v > hi) continue;  // outside a manual range
    ++counts[std::min(bins - 1, static_cast<int>((v - lo) / (hi - lo) * bins))];
    ++result.counted;
  }
  for (int c : counts) result.max_count = std::max(result.max_count, c);

  LayoutPlot(&f, spec.x_label, spec.y_label, {});
  const Axis y = MakeYAxis(0.0, std::max(1, result.max_count), 0.0f, 0.0f, false, f.plot_max.y - f.plot_min.y);
  const std::vector<TickLabel> y_text = FormatYTicks(y);
  LayoutPlot(&f, spec.x_label, spec.y_label, y_text);
  std::vector<TickLabel> x_text;
  std::vector<float> x_px;
  const Axis x = MakeXAxis(f, lo, hi, false, &x_text, &x_px);
  DrawAxes(f, spec.x_label, spec.y_label, x_px, x_text, y, y_text);
  RecordChart("histogram", id, ImVec2(f.plot_max.x - f.plot_min.x, f.plot_max.y - f.plot_min.y));
  result.plot_min = f.plot_min;
  result.plot_max = f.plot_max;

  ImDrawList* draw = ImGui::GetWindowDrawList();
  draw->PushClipRect(f.plot_min, f.plot_max, true);
  if (has_ci && !entries.back().hidden) {
    const float a = AxisToX(f, x, std::max(lo, spec.ci_lo)), b = AxisToX(f, x, std::min(hi, spec.ci_hi));
    draw->AddRectFilled({std::min(a, b - 2.0f), f.plot_min.y}, {std::max(b, a + 2.0f), f.plot_max.y},
                        entries.back().color);
  }
  if (!entries[0].hidden) {
    const float bin_w = (f.plot_max.x - f.plot_min.x) / bins;
    const float gap = bin_w >= 4.0f ? 1.0f : 0.0f;
    const float zero_y = AxisToY(f, y, 0.0);
    for (int b = 0; b < bins; ++b) {
      if (counts[b] == 0) continue;
      const float x0 = f.plot_min.x + b * bin_w;
      draw->AddRectFilled({x0, AxisToY(f, y, counts[b])}, {x0 + bin_w - gap, zero_y}, bar_color);
    }
  }
  const float line_w = std::max(2.0f, 0.14f * font);
  if (lo < 0.0 && hi > 0.0) {  // zero, dashed, so the shift away from it is visible
    result.zero_x = std::round(AxisToX(f, x, 0.0));
    const float dash = 0.4f * font;
    for (float yy = f.plot_min.y; yy < f.plot_max.y; yy += 2 * dash)
      draw->AddLine({result.zero_x, yy}, {result.zero_x, std::min(yy + dash, f.plot_max.y)}, TextColor(0.8f), 1.5f);
  }
  if (has_mean && spec.mean >= lo && spec.mean <= hi && !entries[1].hidden) {
    result.mean_x = std::round(AxisToX(f, x, spec.mean));
    draw->AddLine({result.mean_x, f.plot_min.y}, {result.mean_x, f.plot_max.y}, mean_color, line_w);
  }
  draw->PopClipRect();
  DrawLegend(entries, true);

  // Hover: the bin under the mouse.
  const ImVec2 m = ImGui::GetIO().MousePos;
  if (f.hovered && m.x >= f.plot_min.x && m.x < f.plot_max.x && m.y >= f.plot_min.y && m.y <= f.plot_max.y) {
    const int b = std::min(bins - 1, static_cast<int>((m.x - f.plot_min.x) / (f.plot_max.x - f.plot_min.x) * bins));
    const double b0 = lo + (hi - lo) * b / bins, b1 = lo + (hi - lo) * (b + 1) / bins;
    ImGui::BeginTooltip();
    ImGui::Text("[%.4g, %.4g): %d of %d", b0, b1, counts[b], result.counted);
    if (has_mean) ImGui::Text("%s = %.4g", spec.mean_label, spec.mean);
    if (has_ci) ImGui::Text("%s: [%.4g, %.4g]", spec.ci_label, spec.ci_lo, spec.ci_hi);
    if (result.skipped > 0) ImGui::Text("%d values are not finite and are not shown", result.skipped);
    ImGui::EndTooltip();
  }
  return result;
}

}  // namespace viz
