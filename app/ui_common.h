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

// A heading in the accent colour.
void Heading(const char* text);

// Text wrapped at spaces only (ImGui's own wrapping also breaks after '.', which splits
// numbers such as -2.40625 across lines).
// width 0: the available width.
void Paragraph(const std::string& text, float width = 0.0f);

// Formatted text wrapped like Paragraph.
void WrappedText(const char* fmt, ...) IM_FMTARGS(1);

// Text that explains, in the dimmed text colour and wrapped like Paragraph.
void Explain(const char* fmt, ...) IM_FMTARGS(1);

}  // namespace fs
