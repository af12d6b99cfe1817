// One frame of the app and its style, shared by the window, the captures and the web page
// (frame.cpp); how the frame reaches the screen is theirs.
#pragma once

#include "app_state.h"

namespace fs {

// The UI scale, theme and font pixel scale the style and fonts were last built for.
struct AppliedStyle {
  float scale = -1.0f;
  bool light = false;
  int pixel_scale = 1;
};

// The style and fonts for `view`. The fonts are rasterized at pixel_scale times their size and
// drawn at 1 / pixel_scale, so that a frame drawn with io.DisplayFramebufferScale =
// pixel_scale has the same layout with every glyph sharp at the higher resolution. With the
// renderer ready, its font texture is made again.
void ApplyStyle(const ViewOptions& view, int pixel_scale, AppliedStyle* applied, bool renderer_ready);
// Menu, controls, the panels in their areas, status line.
void DrawFrame(AppState& s);

}  // namespace fs
