// Captures drawn for what they are for (a slide, an animation), not read off the screen: the
// frame is drawn again into an offscreen image at 1, 2 or 4 times the pixels, optionally with a
// transparent background and a caption, and cropped to one panel's region when one is asked for.
#pragma once

#include <string>

#include "app_state.h"
#include "capture.h"
#include "gui.h"

namespace fs {

// What was captured, and where in the frame (in the image's pixels).
struct Captured {
  RgbaImage image;
  int x = 0, y = 0;                 // the region's corner in the whole frame
  int frame_width = 0, frame_height = 0;
};

// Draws `s` at width x height (the window's own pixels) times o.pixel_scale into an offscreen
// image and reads back the whole frame or o.panel's region (the panel is shown and brought to
// the front of its area). finish_work: compute everything the panels show before drawing (shot,
// export); the window draws what it has. Returns "" or what went wrong.
std::string DrawCapture(Gui* gui, AppState& s, int width, int height, const CaptureOptions& o, bool finish_work,
                        Captured* out);

// "FlashScope · N=256 d=64 Br=Bc=64 · step 5 of 16 · CPU emulation"
std::string CaptionText(const AppState& s);

// Draws the capture asked for into a PNG beside the others (capture_dir); the status line says
// where, or why not. `size` is the window's size.
void SaveWindowCapture(Gui* gui, AppState& s, ImVec2 size);

}  // namespace fs
