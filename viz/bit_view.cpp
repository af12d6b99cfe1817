#include "bit_view.h"

#include <algorithm>

namespace viz {
namespace {

ImU32 TextColor(float alpha = 1.0f) { return ImGui::GetColorU32(ImGuiCol_Text, alpha); }

// A field name centred over boxes [x0, x1), shortened to its first letter when it does not fit.
void FieldLabel(ImDrawList* draw, float x0, float x1, float y, const char* name, ImU32 color) {
  const ImVec2 ts = ImGui::CalcTextSize(name);
  if (ts.x <= x1 - x0) {
    draw->AddText({0.5f * (x0 + x1 - ts.x), y}, color, name);
  } else {
    const char first[2] = {name[0], 0};
    draw->AddText({0.5f * (x0 + x1 - ImGui::CalcTextSize(first).x), y}, color, first);
  }
}

}  // namespace

BitViewResult BitView(const char* id, const BitViewSpec& spec) {
  BitViewResult result;
  const float font = ImGui::GetFontSize(), line_h = ImGui::GetTextLineHeight();
  const int stored = 1 + spec.exponent_bits + spec.mantissa_bits;
  const int dropped = std::clamp(spec.dropped_count, 0, 64);
  const int total = stored + dropped;
  const float field_gap = 0.4f * font;  // between sign, exponent, mantissa and the dropped part
  const int gaps = 2 + (dropped > 0 ? 1 : 0);
  const float avail = ImGui::GetContentRegionAvail().x;
  float box = spec.box > 0.0f ? spec.box : std::min(1.5f * font, (avail - gaps * field_gap) / std::max(1, total));
  box = std::max(box, 4.0f);
  result.box = box;
  const float width = total * box + gaps * field_gap;
  const float height = line_h + box + (dropped > 0 ? line_h + 0.4f * font : 0.0f);
  ImGui::InvisibleButton(id, ImVec2(std::max(1.0f, width), height));
  const ImVec2 origin = ImGui::GetItemRectMin();
  ImDrawList* draw = ImGui::GetWindowDrawList();

  const float top = origin.y + line_h;
  const bool digits = box >= 0.8f * font;  // 0 / 1 written in the boxes when they fit
  float x = origin.x;
  // One box for bit `value`, filled in the field's colour when it is 1, outlined when 0.
  auto add_box = [&](bool value, ImU32 color) {
    const ImVec2 a(x, top), b(x + box - 1.0f, top + box - 1.0f);
    if (value) draw->AddRectFilled(a, b, color);
    draw->AddRect(a, b, color, 0.0f, 0, std::max(1.0f, 0.08f * font));
    if (digits) {
      const char* text = value ? "1" : "0";
      const ImVec2 ts = ImGui::CalcTextSize(text);
      draw->AddText({a.x + 0.5f * (box - 1.0f - ts.x), a.y + 0.5f * (box - 1.0f - ts.y)},
                    value ? IM_COL32(255, 255, 255, 255) : TextColor(0.85f), text);
    }
    x += box;
    ++result.boxes;
  };
  struct Field {
    const char* name;
    int count;
    ImU32 color;
  };
  const Field fields[] = {{"sign", 1, kSignColor}, {"exponent", spec.exponent_bits, kExponentColor},
                          {"mantissa", spec.mantissa_bits, kMantissaColor}};
  result.first_box_min = ImVec2(x, top);
  int bit = stored - 1;
  for (const Field& field : fields) {
    const float x0 = x;
    for (int i = 0; i < field.count; ++i, --bit) add_box((spec.bits >> bit) & 1u, field.color);
    FieldLabel(draw, x0, x, origin.y, field.name, field.color);
    x += field_gap;
  }
  if (dropped > 0) {
    const float x0 = x;
    result.guard_min = ImVec2(x, top);
    for (int i = dropped - 1; i >= 0; --i) add_box((spec.dropped >> i) & 1u, kDroppedColor);
    result.sticky_max = ImVec2(x, top + box);
    FieldLabel(draw, x0, x, origin.y, "dropped", kDroppedColor);
    // G and R under their boxes; S under the span of the rest, with a bracket.
    const float below = top + box + 0.1f * font;
    const char* marks[2] = {"G", "R"};
    for (int i = 0; i < std::min(2, dropped); ++i) {
      const ImVec2 ts = ImGui::CalcTextSize(marks[i]);
      draw->AddText({x0 + (i + 0.5f) * box - 0.5f * ts.x, below}, TextColor(), marks[i]);
    }
    if (dropped > 2) {
      const float s0 = x0 + 2 * box + 2.0f, s1 = x - 3.0f, yb = top + box + 0.3f * font;
      draw->AddLine({s0, yb}, {s1, yb}, TextColor(0.7f));
      draw->AddLine({s0, yb}, {s0, yb - 0.2f * font}, TextColor(0.7f));
      draw->AddLine({s1, yb}, {s1, yb - 0.2f * font}, TextColor(0.7f));
      const char* text = "S (any 1)";
      const ImVec2 ts = ImGui::CalcTextSize(text);
      const float tx = ts.x <= s1 - s0 ? 0.5f * (s0 + s1 - ts.x) : 0.5f * (s0 + s1 - ImGui::CalcTextSize("S").x);
      draw->AddText({tx, yb + 0.1f * font}, TextColor(), ts.x <= s1 - s0 ? text : "S");
    }
  }
  return result;
}

}  // namespace viz
