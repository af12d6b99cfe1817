#include "sm_grid.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "chart_audit.h"
#include "colormap.h"

namespace viz {

SmGridResult SmGrid(const char* id, const SmGridSpec& spec) {
  SmGridResult out;
  const float font = ImGui::GetFontSize();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const ImVec2 size(spec.size.x > 0 ? spec.size.x : std::max(avail.x, 10 * font),
                    spec.size.y > 0 ? spec.size.y : 10 * font);
  ImGui::InvisibleButton(id, size);
  RecordChart("sm grid", id, size);
  if (spec.sms < 1) return out;
  const ImVec2 min = ImGui::GetItemRectMin();
  ImDrawList* draw = ImGui::GetWindowDrawList();
  // Columns so that the cells come out as near square as the box allows.
  int cols = std::max(1, static_cast<int>(std::lround(std::sqrt(spec.sms * size.x / std::max(1.0f, size.y)))));
  cols = std::min(cols, spec.sms);
  const int rows = (spec.sms + cols - 1) / cols;
  const float cw = size.x / cols, ch = size.y / rows;
  const float gap = std::max(1.0f, std::min(cw, ch) * 0.12f);
  const ImU32 frame = ImGui::GetColorU32(ImGuiCol_Border);
  const ImU32 empty = ImGui::GetColorU32(ImGuiCol_FrameBg);
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  const bool hovered = ImGui::IsItemHovered();
  for (int sm = 0; sm < spec.sms; ++sm) {
    const float x0 = min.x + (sm % cols) * cw + gap * 0.5f, y0 = min.y + (sm / cols) * ch + gap * 0.5f;
    const float x1 = x0 + cw - gap, y1 = y0 + ch - gap;
    draw->AddRectFilled(ImVec2(x0, y0), ImVec2(x1, y1), empty);
    const int slots = std::max(spec.slots, 0);
    for (int k = 0; k < slots; ++k) {
      const int who = spec.owner ? spec.owner[sm * slots + k] : -1;
      if (who < 0) continue;
      const float sx0 = x0 + (x1 - x0) * k / slots, sx1 = x0 + (x1 - x0) * (k + 1) / slots;
      draw->AddRectFilled(ImVec2(sx0, y0), ImVec2(std::max(sx0 + 1.0f, sx1 - (slots > 1 ? 1.0f : 0.0f)), y1),
                          PaletteColor(who));
    }
    draw->AddRect(ImVec2(x0, y0), ImVec2(x1, y1), frame);
    if (hovered && mouse.x >= x0 && mouse.x < x1 && mouse.y >= y0 && mouse.y < y1) {
      out.hovered_sm = sm;
      out.hovered_slot = slots > 0 ? std::clamp(static_cast<int>((mouse.x - x0) / (x1 - x0) * slots), 0, slots - 1) : -1;
      draw->AddRect(ImVec2(x0 - 1, y0 - 1), ImVec2(x1 + 1, y1 + 1), kLinkColor, 0.0f, 0, 2.0f);
    }
  }
  return out;
}

int WarpSplit(const char* id, int br, int bc, int warps, bool by_rows, ImVec2 size) {
  ImGui::InvisibleButton(id, size);
  RecordChart("warp split", id, size);
  if (br < 1 || bc < 1 || warps < 1) return -1;
  const ImVec2 box_min = ImGui::GetItemRectMin();
  // The tile keeps its aspect (Br tall, Bc wide) within the box, centred.
  const float scale = std::min(size.x / bc, size.y / br);
  const float w = bc * scale, h = br * scale;
  const ImVec2 min(box_min.x + (size.x - w) * 0.5f, box_min.y + (size.y - h) * 0.5f);
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  const bool hovered = ImGui::IsItemHovered();
  int under = -1;
  for (int wi = 0; wi < warps; ++wi) {
    const float a = static_cast<float>(wi) / warps, b = static_cast<float>(wi + 1) / warps;
    const ImVec2 p0 = by_rows ? ImVec2(min.x, min.y + a * h) : ImVec2(min.x + a * w, min.y);
    const ImVec2 p1 = by_rows ? ImVec2(min.x + w, min.y + b * h) : ImVec2(min.x + b * w, min.y + h);
    const Rgb c = PaletteRgb(wi);
    draw->AddRectFilled(p0, p1, ToU32(c, 0.85f));
    draw->AddRect(p0, p1, ImGui::GetColorU32(ImGuiCol_Border));
    char text[16];
    std::snprintf(text, sizeof text, "w%d", wi);
    const ImVec2 ts = ImGui::CalcTextSize(text);
    if (ts.x + 2 <= p1.x - p0.x && ts.y <= p1.y - p0.y)
      draw->AddText(ImVec2((p0.x + p1.x - ts.x) * 0.5f, (p0.y + p1.y - ts.y) * 0.5f), ContrastTextColor(c), text);
    if (hovered && mouse.x >= p0.x && mouse.x < p1.x && mouse.y >= p0.y && mouse.y < p1.y) under = wi;
  }
  return under;
}

}  // namespace viz
