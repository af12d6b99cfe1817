// Small helpers shared by the panels.
#pragma once

#include <string>

#include "colormap.h"
#include "imgui.h"

namespace fs {

// Panels sit in a computed layout: no moving, resizing or saved settings.
constexpr ImGuiWindowFlags kPanelFlags = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                                         ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings |
                                         ImGuiWindowFlags_NoBringToFrontOnFocus;

// Human-readable bytes: "512 B", "12.0 KiB", "3.4 MiB", "1.2 GiB".
const char* FormatBytes(double bytes, char* buf, int size);

// The least height of a chart or heatmap: 120 pixels at UI scale 1 (a 16-pixel font), more in
// proportion at larger scales. A panel whose charts do not fit its area scrolls instead.
float MinChartHeight();
// The least height of a chart widget whose plotting area is MinChartHeight: room added for its
// tick labels and axis labels, and its legend when it has one.
float MinChartWidgetHeight(bool legend = true);

// Keeps the next item on the current line when `next_width` pixels still fit in the region,
// so a row of buttons or labels wraps instead of running past the panel's edge.
void SameLineIfFits(float next_width);
// `text` when it fits in `width` pixels, otherwise its longest start cut at a space that fits
// with "..." after it.
std::string FitText(const std::string& text, float width);
// The width of a button, radio button or checkbox with this label.
float ButtonWidth(const char* label);
float CheckWidth(const char* label);

// A heading in the accent colour.
void Heading(const char* text);
// A heading wrapped like Paragraph to `width` (0: the available width).
void WrappedHeading(const std::string& text, float width = 0.0f);

// Text wrapped at spaces only (ImGui's own wrapping also breaks after '.', which splits
// numbers such as -2.40625 across lines).
// width 0: the available width.
void Paragraph(const std::string& text, float width = 0.0f);

// Paragraph in a colour.
void ColoredParagraph(const ImVec4& color, const std::string& text);

// Formatted text wrapped like Paragraph.
void WrappedText(const char* fmt, ...) IM_FMTARGS(1);

// Text that explains, in the dimmed text colour and wrapped like Paragraph.
void Explain(const char* fmt, ...) IM_FMTARGS(1);

}  // namespace fs
