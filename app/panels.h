// One function per panel (`void DrawXxxPanel(AppState&)`), dispatched by the show flags in
// ViewOptions. Each begins its own window at the position the layout set.
#pragma once

#include <vector>

#include "app_state.h"

namespace fs {

void DrawControlsPanel(AppState& s);
void DrawTilesPanel(AppState& s);
void DrawSoftmaxPanel(AppState& s);
void DrawScoresPanel(AppState& s);
void DrawComparePanel(AppState& s);

// The menu bar (File, View, Help); returns its height in pixels.
float DrawMenuBar(AppState& s);
// The status line at the bottom: backend, device, kernel time, last message.
void DrawStatusBar(AppState& s, float y, float width, float height);

// Keyboard: space play/pause, arrows step and row, Home/End, PageUp/PageDown beats, F12 capture.
// `glfw_keys` are the GLFW key codes pressed (or auto-repeated) since the last frame, in order:
// taps shorter than a frame, as presentation clickers send, are not lost.
void HandleKeys(AppState& s, const std::vector<int>& glfw_keys);

}  // namespace fs
