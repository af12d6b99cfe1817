// Sections: ticks and label placement · the chart
#include "log_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "chart_audit.h"
#include "colormap.h"

namespace viz {

// ---- ticks and label placement ----------------------------------------------------------------

double LogFraction(double v, double lo, double hi) {
  return (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
}

std::vector<double> LogTicks(double lo, double hi) {
  std::vector<double> ticks;
  if (!(lo > 0) || !(hi > lo) || !std::isfinite(hi)) return ticks;
  const int first = static_cast<int>(std::ceil(std::log10(lo) - 1e-9));
  const int last = static_cast<int>(std::floor(std::log10(hi) + 1e-9));
  const bool fine = last - first + 1 < 3;
  for (int e = first - 1; e <= last; ++e) {
    const double decade = std::pow(10.0, e);
    for (double m : {1.0, 2.0, 5.0}) {
      if (m != 1.0 && !fine) continue;
      const double t = m * decade;
      if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) ticks.push_back(t);
    }
  }
  return ticks;
}

std::vector<double> PowerOfTwoTicks(double lo, double hi, int bits, double* range_lo, double* range_hi) {
  std::vector<double> ticks;
  if (!(lo > 0) || !(hi >= lo) || !std::isfinite(hi) || bits < 1) return ticks;
  const int first = static_cast<int>(std::floor(std::log2(lo) / bits + 1e-9));
  const int last = static_cast<int>(std::ceil(std::log2(hi) / bits - 1e-9));
  const int top = std::max(last, first + 1);
  for (int k = first; k <= top; ++k) ticks.push_back(std::ldexp(1.0, k * bits));
  if (range_lo) *range_lo = ticks.front();
  if (range_hi) *range_hi = ticks.back();
  return ticks;
}

bool DecadesOf(const double* values, int count, double* lo, double* hi) {
  double a = INFINITY, b = 0;
  for (int i = 0; i < count; ++i)
    if (std::isfinite(values[i]) && values[i] > 0) a = std::min(a, values[i]), b = std::max(b, values[i]);
  if (!(b > 0)) return false;
  *lo = std::pow(10.0, std::floor(std::log10(a)));
  *hi = std::pow(10.0, std::ceil(std::log10(b)));
  if (*hi <= *lo) *hi = *lo * 10.0;
  return true;
}

std::vector<float> SpreadLabels(const std::vector<float>& want, float gap, float top, float bottom) {
  std::vector<size_t> order(want.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return want[a] < want[b]; });
  std::vector<float> pos(want.size());
  for (size_t k = 0; k < order.size(); ++k)  // down, apart
    pos[order[k]] = k == 0 ? std::max(want[order[k]], top) : std::max(want[order[k]], pos[order[k - 1]] + gap);
  for (size_t k = order.size(); k-- > 0;)    // back up from the bottom where they ran past it
    pos[order[k]] = std::min(pos[order[k]], k + 1 == order.size() ? bottom : pos[order[k + 1]] - gap);
  for (size_t k = 0; k < order.size(); ++k)  // and never above the top
    pos[order[k]] = std::max(pos[order[k]], top);
  return pos;
}

// ---- the chart ----------------------------------------------------------------------------------

namespace {

ImU32 TextColor(float alpha = 1.0f) { return ImGui::GetColorU32(ImGuiCol_Text, alpha); }

void DefaultFormat(double v, char* buf, size_t size) { std::snprintf(buf, size, "%g", v); }

struct Range {
  double lo = 1, hi = 10;
};

// The spec's range when it is usable, else the decades of the given values, else 1..10.
Range AxisRange(double want_lo, double want_hi, const std::vector<double>& values) {
  Range r;
  if (want_lo > 0 && want_hi > want_lo && std::isfinite(want_hi)) return {want_lo, want_hi};
  if (!DecadesOf(values.data(), static_cast<int>(values.size()), &r.lo, &r.hi)) return Range{};
  return r;
}

void DashedLine(ImDrawList* draw, ImVec2 a, ImVec2 b, ImU32 col, float thickness, float dash) {
  const float len = std::hypot(b.x - a.x, b.y - a.y);
  if (len <= 0) return;
  for (float t = 0; t < len; t += 2 * dash) {
    const float u = std::min(t + dash, len);
    draw->AddLine({a.x + (b.x - a.x) * t / len, a.y + (b.y - a.y) * t / len},
                  {a.x + (b.x - a.x) * u / len, a.y + (b.y - a.y) * u / len}, col, thickness);
  }
}

}  // namespace

LogChartResult LogChart(const char* id, const LogChartSpec& spec) {
  LogChartResult out;
  const float font = ImGui::GetFontSize(), line_h = ImGui::GetTextLineHeight();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  ImVec2 size(spec.size.x > 0 ? spec.size.x : std::max(avail.x, 10 * font), spec.size.y > 0 ? spec.size.y : 14 * font);
  // Taller where the legend's lines at this width leave the plot less than min_plot_height.
  if (spec.min_plot_height > 0.0f) {
    const float y_label_w = spec.y_label && spec.y_label[0] ? ImGui::CalcTextSize(spec.y_label).x + 1.5f * font : 0.0f;
    float lx = y_label_w, legend_lines = 0.0f;
    for (int i = 0; i < spec.line_count; ++i) {
      const LogLine& l = spec.lines[i];
      if (!l.label || !l.label[0]) continue;
      const float w = 1.8f * font + ImGui::CalcTextSize(l.label).x;
      if (lx + w > size.x && lx > 0.0f) lx = 0.0f, legend_lines += 1.0f;
      lx += w + font;
    }
    const float overhead = (legend_lines + 1.5f) * line_h + line_h + 0.3f * font +
                           (spec.x_label && spec.x_label[0] ? line_h : 0.0f) + 2.0f;
    size.y = std::max(size.y, spec.min_plot_height + overhead);
  }
  ImGui::InvisibleButton(id, size);
  const ImVec2 min = ImGui::GetItemRectMin(), max = ImGui::GetItemRectMax();
  const bool hovered = ImGui::IsItemHovered();
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const LogTickFormat fx = spec.format_x ? spec.format_x : DefaultFormat;
  const LogTickFormat fy = spec.format_y ? spec.format_y : DefaultFormat;

  // Ranges: the spec's, or the decades of everything drawn.
  std::vector<double> xs, ys;
  for (int i = 0; i < spec.line_count; ++i)
    for (int k = 0; k < spec.lines[i].count; ++k) xs.push_back(spec.lines[i].x[k]), ys.push_back(spec.lines[i].y[k]);
  for (int i = 0; i < spec.mark_count; ++i) xs.push_back(spec.marks[i].x), ys.push_back(spec.marks[i].y);
  for (int i = 0; i < spec.rule_count; ++i) (spec.rules[i].vertical ? xs : ys).push_back(spec.rules[i].value);
  const Range xr = AxisRange(spec.x_min, spec.x_max, xs), yr = AxisRange(spec.y_min, spec.y_max, ys);
  out.x_lo = xr.lo, out.x_hi = xr.hi, out.y_lo = yr.lo, out.y_hi = yr.hi;

  // Legend: one row (or more) of the labelled lines at the top, after the y label.
  float legend_y = min.y;
  float x = min.x + (spec.y_label && spec.y_label[0] ? ImGui::CalcTextSize(spec.y_label).x + 1.5f * font : 0.0f);
  for (int i = 0; i < spec.line_count; ++i) {
    const LogLine& l = spec.lines[i];
    if (!l.label || !l.label[0]) continue;
    const float w = 1.8f * font + ImGui::CalcTextSize(l.label).x;
    if (x + w > max.x && x > min.x) x = min.x, legend_y += line_h;
    const ImU32 col = l.color ? l.color : PaletteColor(i);
    const float cy = legend_y + 0.5f * line_h;
    if (l.dashed)
      DashedLine(draw, {x, cy}, {x + 1.4f * font, cy}, col, 2.0f, 0.25f * font);
    else
      draw->AddLine({x, cy}, {x + 1.4f * font, cy}, col, 2.0f);
    draw->AddText({x + 1.6f * font, legend_y}, TextColor(), l.label);
    x += w + font;
  }

  // Plot area: y tick labels on the left, x tick labels and the x label below.
  const std::vector<double> yt = spec.y_ticks ? std::vector<double>(spec.y_ticks, spec.y_ticks + spec.y_tick_count)
                                             : LogTicks(yr.lo, yr.hi);
  std::vector<double> xt = spec.x_ticks ? std::vector<double>(spec.x_ticks, spec.x_ticks + spec.x_tick_count)
                                        : LogTicks(xr.lo, xr.hi);
  char buf[64];
  float label_w = 0;
  for (double t : yt) fy(t, buf, sizeof buf), label_w = std::max(label_w, ImGui::CalcTextSize(buf).x);
  const ImVec2 p0(std::floor(min.x + label_w + 0.6f * font), std::floor(legend_y + 1.5f * line_h));
  const ImVec2 p1(std::floor(max.x - 1.2f * font),
                  std::floor(max.y - line_h - 0.3f * font - (spec.x_label && spec.x_label[0] ? line_h : 0.0f)));
  RecordChart("log chart", id, ImVec2(p1.x - p0.x, p1.y - p0.y));
  if (p1.x <= p0.x + font || p1.y <= p0.y + font) return out;  // no room to draw
  out.plot_min = p0, out.plot_max = p1;
  const auto to_x = [&](double v) { return static_cast<float>(p0.x + LogFraction(v, xr.lo, xr.hi) * (p1.x - p0.x)); };
  const auto to_y = [&](double v) { return static_cast<float>(p1.y - LogFraction(v, yr.lo, yr.hi) * (p1.y - p0.y)); };
  const auto usable = [](double a, double b) { return std::isfinite(a) && std::isfinite(b) && a > 0 && b > 0; };

  draw->AddRectFilled(p0, p1, TextColor(0.04f));
  for (double t : yt) {
    if (!(t >= yr.lo * (1 - 1e-9) && t <= yr.hi * (1 + 1e-9))) continue;
    const float py = std::round(to_y(t));
    draw->AddLine({p0.x, py}, {p1.x, py}, TextColor(0.12f));
    fy(t, buf, sizeof buf);
    draw->AddText({p0.x - 0.3f * font - ImGui::CalcTextSize(buf).x, py - 0.5f * line_h}, TextColor(0.85f), buf);
  }
  float last_label_end = -INFINITY;
  for (double t : xt) {
    if (!(t >= xr.lo * (1 - 1e-9) && t <= xr.hi * (1 + 1e-9))) continue;
    const float px = std::round(to_x(t));
    draw->AddLine({px, p0.y}, {px, p1.y}, TextColor(0.12f));
    fx(t, buf, sizeof buf);
    const float w = ImGui::CalcTextSize(buf).x;
    if (px - 0.5f * w < last_label_end + 0.5f * font) continue;  // no room for this label
    draw->AddText({px - 0.5f * w, p1.y + 0.3f * font}, TextColor(0.85f), buf);
    last_label_end = px + 0.5f * w;
  }
  draw->AddRect({p0.x - 1, p0.y - 1}, {p1.x + 1, p1.y + 1}, TextColor(0.4f));
  if (spec.x_label && spec.x_label[0]) {
    const float w = ImGui::CalcTextSize(spec.x_label).x;
    draw->AddText({0.5f * (p0.x + p1.x - w), p1.y + 0.3f * font + line_h}, TextColor(), spec.x_label);
  }
  if (spec.y_label && spec.y_label[0]) draw->AddText(min, TextColor(), spec.y_label);

  draw->PushClipRect(p0, p1, true);
  const float thick = std::max(1.5f, 0.12f * font);
  for (int i = 0; i < spec.rule_count; ++i) {
    const LogRule& r = spec.rules[i];
    if (!(r.value > 0) || !std::isfinite(r.value)) continue;
    const ImU32 col = r.color ? r.color : TextColor(0.8f);
    if (r.vertical) {
      const float px = to_x(r.value);
      DashedLine(draw, {px, p0.y}, {px, p1.y}, col, thick, 0.4f * font);
      if (r.label && r.label[0]) draw->AddText({px + 0.3f * font, p1.y - line_h - 0.2f * font}, col, r.label);
    } else {
      const float py = to_y(r.value);
      DashedLine(draw, {p0.x, py}, {p1.x, py}, col, thick, 0.4f * font);
      if (r.label && r.label[0]) draw->AddText({p0.x + 0.3f * font, py - line_h - 0.1f * font}, col, r.label);
    }
  }
  std::vector<ImVec2> pts;
  for (int i = 0; i < spec.line_count; ++i) {
    const LogLine& l = spec.lines[i];
    const ImU32 col = l.color ? l.color : PaletteColor(i);
    const auto flush = [&] {
      for (size_t k = 1; k < pts.size(); ++k) {
        if (l.dashed)
          DashedLine(draw, pts[k - 1], pts[k], col, thick, 0.4f * font);
        else
          draw->AddLine(pts[k - 1], pts[k], col, thick);
      }
      pts.clear();
    };
    for (int k = 0; k < l.count; ++k) {
      if (!usable(l.x[k], l.y[k])) {
        flush();
        continue;
      }
      pts.push_back({to_x(l.x[k]), to_y(l.y[k])});
      if (l.markers) draw->AddCircleFilled(pts.back(), std::max(2.5f, 0.2f * font), col, 12);
    }
    flush();
  }
  // Marks: a dot each, the labels to the right, moved apart where points sit close together.
  std::vector<float> want;
  std::vector<int> drawn;
  for (int i = 0; i < spec.mark_count; ++i) {
    if (!usable(spec.marks[i].x, spec.marks[i].y)) continue;
    drawn.push_back(i);
    want.push_back(to_y(spec.marks[i].y) - 0.5f * line_h);
  }
  const std::vector<float> label_y = SpreadLabels(want, line_h, p0.y, p1.y - line_h);
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  float nearest = (1.0f * font) * (1.0f * font);
  for (size_t k = 0; k < drawn.size(); ++k) {
    const LogMark& m = spec.marks[drawn[k]];
    const ImU32 col = m.color ? m.color : PaletteColor(drawn[k]);
    const ImVec2 at(to_x(m.x), to_y(m.y));
    const float radius = std::max(4.0f, 0.3f * font);
    if (m.hollow) {
      draw->AddCircle(at, radius, col, 16, 2.0f);
    } else {
      draw->AddCircleFilled(at, radius, col, 16);
      draw->AddCircle(at, radius, TextColor(0.9f), 16, 1.0f);
    }
    if (m.label && m.label[0]) {
      const float w = ImGui::CalcTextSize(m.label).x;
      // Right of the point, or left of it where the plot ends.
      const float lx = at.x + 0.6f * font + w < p1.x ? at.x + 0.6f * font : at.x - 0.6f * font - w;
      if (std::fabs(label_y[k] + 0.5f * line_h - at.y) > 0.6f * line_h)  // moved: a leader line
        draw->AddLine(at, {lx < at.x ? lx + w : lx, label_y[k] + 0.5f * line_h}, TextColor(0.4f));
      draw->AddText({lx, label_y[k]}, TextColor(), m.label);
    }
    const float d2 = (mouse.x - at.x) * (mouse.x - at.x) + (mouse.y - at.y) * (mouse.y - at.y);
    if (hovered && d2 < nearest) nearest = d2, out.hovered_mark = drawn[k];
  }
  draw->PopClipRect();
  if (out.hovered_mark >= 0) {
    const LogMark& m = spec.marks[out.hovered_mark];
    char xs_text[64], ys_text[64];
    fx(m.x, xs_text, sizeof xs_text);
    fy(m.y, ys_text, sizeof ys_text);
    ImGui::SetTooltip("%s\n%s: %s\n%s: %s", m.label, spec.x_label, xs_text, spec.y_label, ys_text);
  }
  return out;
}

}  // namespace viz
