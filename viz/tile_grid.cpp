#include "tile_grid.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "colormap.h"
#include "heatmap.h"

namespace viz {
namespace {

constexpr int kDefaultAccentIndex = 1;   // palette orange: "hot", the data on chip
constexpr float kVisitedAlpha = 0.32f;   // visited tiles: a tint of the accent
constexpr float kMinWidthFonts = 1.5f;   // narrowest drawing before the aspect gives way
constexpr float kDefaultHeightFonts = 16.0f;
constexpr Rgb kSkippedFill = {0.62f, 0.62f, 0.62f};

ImU32 TextColor(float alpha = 1.0f) { return ImGui::GetColorU32(ImGuiCol_Text, alpha); }

ImU32 AccentOr(ImU32 accent) { return accent ? accent : PaletteColor(kDefaultAccentIndex); }

ImU32 WithAlpha(ImU32 col, float alpha) {
  ImVec4 c = ImGui::ColorConvertU32ToFloat4(col);
  c.w *= alpha;
  return ImGui::ColorConvertFloat4ToU32(c);
}

float HatchSpacing() { return std::max(4.0f, 0.45f * ImGui::GetFontSize()); }

// Fills one tile (or legend swatch) the way its state is drawn everywhere.
void FillTile(ImDrawList* draw, ImVec2 a, ImVec2 b, TileState s, ImU32 accent, ImVec2 hatch_origin) {
  switch (s) {
    case TileState::kIdle: draw->AddRectFilled(a, b, TextColor(0.06f)); break;
    case TileState::kVisited: draw->AddRectFilled(a, b, WithAlpha(accent, kVisitedAlpha)); break;
    case TileState::kInSram: draw->AddRectFilled(a, b, accent); break;
    case TileState::kSkipped:
      // Lines in the text colour (light on the dark theme, dark on the light one), so the
      // hatching reads on both over the half-transparent grey.
      AddHatchedRect(draw, a, b, ToU32(kSkippedFill, 0.55f), TextColor(0.55f), HatchSpacing(), hatch_origin);
      break;
  }
}

}  // namespace

const char* TileStateName(TileState s) {
  switch (s) {
    case TileState::kIdle: return "not loaded yet";
    case TileState::kVisited: return "visited";
    case TileState::kInSram: return "in SRAM";
    case TileState::kSkipped: return "skipped";
  }
  return "?";
}

TileGridResult TileGrid(const char* id, const TileGridSpec& spec) {
  TileGridResult result;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float font = ImGui::GetFontSize(), line_h = ImGui::GetTextLineHeight();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const bool has_label = spec.label && spec.label[0];
  const float label_h = has_label ? line_h + 0.25f * font : 0.0f;

  // Bounding box, then the largest drawing of the given aspect that fits it.
  const float aspect = spec.aspect > 0.0f && std::isfinite(spec.aspect) ? spec.aspect : 1.0f;
  const float box_w = spec.size.x > 0 ? spec.size.x : std::max(avail.x, 4 * font);
  float box_h;
  if (spec.size.y > 0) {
    box_h = spec.size.y;
  } else {
    const float max_h = std::max(avail.y, kDefaultHeightFonts * font);
    box_h = std::min(box_w * aspect + label_h, max_h);
  }
  const float area_h = std::max(font, box_h - label_h);
  float w = box_w, h = box_w * aspect;
  if (h > area_h) {
    h = area_h;
    w = std::min(box_w, std::max(h / aspect, kMinWidthFonts * font));
  }

  ImGui::InvisibleButton(id, ImVec2(std::max(1.0f, box_w), std::max(1.0f, label_h + h)));
  const bool item_hovered = ImGui::IsItemHovered();
  const bool clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
  const ImVec2 box_min = ImGui::GetItemRectMin();

  const ImVec2 g0(std::floor(box_min.x + 0.5f * (box_w - w)), std::floor(box_min.y + label_h));
  const ImVec2 g1(g0.x + std::floor(w), g0.y + std::floor(h));
  if (has_label) {  // centred over the drawing, clipped to the bounding box
    const ImVec2 ts = ImGui::CalcTextSize(spec.label);
    const float lx = std::max(box_min.x, 0.5f * (g0.x + g1.x - ts.x));
    const ImVec4 clip(box_min.x, box_min.y, box_min.x + box_w, box_min.y + label_h);
    draw->AddText(nullptr, 0.0f, {lx, box_min.y}, TextColor(), spec.label, nullptr, 0.0f, &clip);
  }

  const int rows = spec.tile_rows, cols = spec.tile_cols;
  if (!spec.states || rows <= 0 || cols <= 0) {
    draw->AddRect(g0, g1, TextColor(0.35f));
    return result;
  }
  const ImU32 accent = AccentOr(spec.accent);
  const float tw = (g1.x - g0.x) / cols, th = (g1.y - g0.y) / rows;
  auto tile_min = [&](int r, int c) { return ImVec2(g0.x + c * tw, g0.y + r * th); };
  auto tile_max = [&](int r, int c) { return ImVec2(g0.x + (c + 1) * tw, g0.y + (r + 1) * th); };

  const bool sliding = spec.slide_t < 1.0f && spec.slide_from_row >= 0 && spec.slide_from_col >= 0 &&
                       spec.slide_from_row < rows && spec.slide_from_col < cols;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      TileState state = spec.states[size_t(r) * cols + c];
      if (sliding && state == TileState::kInSram) state = TileState::kIdle;  // the block is on its way
      FillTile(draw, tile_min(r, c), tile_max(r, c), state, accent, g0);
    }
  }
  // Tile boundaries, skipped when tiles would be thinner than the lines.
  const ImU32 sep = TextColor(0.25f);
  if (tw >= 3.0f) {
    for (int c = 1; c < cols; ++c) {
      const float x = std::round(g0.x + c * tw);
      draw->AddLine({x, g0.y}, {x, g1.y}, sep);
    }
  }
  if (th >= 3.0f) {
    for (int r = 1; r < rows; ++r) {
      const float y = std::round(g0.y + r * th);
      draw->AddLine({g0.x, y}, {g1.x, y}, sep);
    }
  }
  draw->AddRect({g0.x - 1, g0.y - 1}, {g1.x + 1, g1.y + 1}, TextColor(0.6f));
  // The marked row and column: a cyan line with a dark halo across the matrix.
  const float mark_t = std::max(2.0f, 0.12f * font);
  if (spec.mark_row >= 0.0f && spec.mark_row < 1.0f) {
    const float y = std::round(g0.y + spec.mark_row * (g1.y - g0.y));
    draw->AddLine({g0.x, y}, {g1.x, y}, IM_COL32(0, 0, 0, 200), mark_t + 2.0f);
    draw->AddLine({g0.x, y}, {g1.x, y}, kLinkColor, mark_t);
  }
  if (spec.mark_col >= 0.0f && spec.mark_col < 1.0f) {
    const float x = std::round(g0.x + spec.mark_col * (g1.x - g0.x));
    draw->AddLine({x, g0.y}, {x, g1.y}, IM_COL32(0, 0, 0, 200), mark_t + 2.0f);
    draw->AddLine({x, g0.y}, {x, g1.y}, kLinkColor, mark_t);
  }
  // Tiles in SRAM get an outline in the text colour so they stand out in both themes.
  const float t = std::max(1.5f, 0.12f * font);
  const float ease = sliding ? EaseOut(spec.slide_t) : 1.0f;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      if (spec.states[size_t(r) * cols + c] != TileState::kInSram) continue;
      ImVec2 a = tile_min(r, c), b = tile_max(r, c);
      if (sliding) {
        const ImVec2 fa = tile_min(spec.slide_from_row, spec.slide_from_col);
        a = ImVec2(fa.x + (a.x - fa.x) * ease, fa.y + (a.y - fa.y) * ease);
        b = ImVec2(a.x + tw, a.y + th);
        draw->AddRectFilled(a, b, accent);
      }
      draw->AddRect(a, b, TextColor(), 0.0f, 0, t);
    }
  }

  const Cell hit = item_hovered ? CellAt(g0, g1, rows, cols, ImGui::GetIO().MousePos) : Cell{-1, -1};
  if (hit.row >= 0) {
    result.hovered = true;
    result.tile_row = hit.row;
    result.tile_col = hit.col;
    result.clicked = clicked;
    draw->AddRect(tile_min(hit.row, hit.col), tile_max(hit.row, hit.col), TextColor(0.9f), 0.0f, 0, 2.0f);
    const char* name = spec.tooltip_row_name && spec.tooltip_row_name[0] ? spec.tooltip_row_name : "block";
    const TileState s = spec.states[size_t(hit.row) * cols + hit.col];
    ImGui::BeginTooltip();
    if (cols == 1) {
      ImGui::Text("%s %d: %s", name, hit.row, TileStateName(s));
    } else if (rows == 1) {
      ImGui::Text("%s %d: %s", name, hit.col, TileStateName(s));
    } else {
      ImGui::Text("%s (%d, %d): %s", name, hit.row, hit.col, TileStateName(s));
    }
    ImGui::EndTooltip();
  }
  return result;
}

void TileLegend(ImU32 accent) {
  const float font = ImGui::GetFontSize(), line_h = ImGui::GetTextLineHeight();
  const float sw = 0.9f * font;
  const TileState states[] = {TileState::kInSram, TileState::kVisited, TileState::kIdle,
                              TileState::kSkipped};
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  bool first = true;
  for (TileState s : states) {
    // Swatch and name stay together; an entry that would pass the region's edge starts a line.
    const float entry_w = sw + 0.3f * font + ImGui::CalcTextSize(TileStateName(s)).x;
    if (!first && ImGui::GetItemRectMax().x + font + entry_w <= right) ImGui::SameLine(0.0f, font);
    first = false;
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const ImVec2 a(p.x, p.y + 0.5f * (line_h - sw)), b(a.x + sw, a.y + sw);
    ImGui::Dummy(ImVec2(sw, line_h));
    FillTile(draw, a, b, s, AccentOr(accent), a);
    draw->AddRect({a.x - 1, a.y - 1}, {b.x + 1, b.y + 1},
                  s == TileState::kInSram ? TextColor() : TextColor(0.35f));
    ImGui::SameLine(0.0f, 0.3f * font);
    ImGui::TextUnformatted(TileStateName(s));
  }
}

}  // namespace viz
