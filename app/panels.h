// One function per panel (`void DrawXxxPanel(AppState&)`), listed in the panel table
// (scenarios/panel_list.h, app/panel_table.h). The layout gives each area a window with a tab
// bar; a panel draws the contents of its tab. The controls are their own window on the left.
#pragma once

#include <vector>

#include "app_state.h"
#include "imgui.h"

namespace fs {

void DrawControlsPanel(AppState& s);
void DrawTilesPanel(AppState& s);
void DrawSoftmaxPanel(AppState& s);
void DrawScoresPanel(AppState& s);
void DrawOutputPanel(AppState& s);
void DrawComparePanel(AppState& s);
void DrawPrecisionPanel(AppState& s);
void DrawErrorsPanel(AppState& s);
void DrawBitsPanel(AppState& s);
void DrawDriftPanel(AppState& s);
void DrawThroughputPanel(AppState& s);
void DrawLimitsPanel(AppState& s);
void DrawParallelismPanel(AppState& s);

// The cell the inspector explains and the panels highlight: the hovered tile cell (seen this
// frame or the last), otherwise the cell open in the bit view when it is an S or P-bar cell of
// the current step. False when there is none.
bool InspectedCell(const AppState& s, CellRef* out);
// Records the hovered tile cell for the inspector and the linked highlights.
void HoverCell(AppState& s, const CellRef& ref);
// The inspected cell's formula with its numbers (cell_formula.h), as text wrapped at `width`
// (0: the available width).
void DrawCellFormula(const AppState& s, const CellRef& ref, float width = 0.0f);

// The numeric controls (precision preset and stages, softmax, beta, eps) editing `e`; true
// when an edit is complete and should be applied.
bool DrawNumericsControls(Problem& e);

// The panels of the table in their areas, inside [min, max) of the display.
void DrawPanelAreas(AppState& s, ImVec2 min, ImVec2 max);
// Where panel `id` was drawn in the current frame (its area's window), when it is the tab in
// front of its area; false otherwise.
bool PanelRegion(const AppState& s, PanelId id, ImVec2* min, ImVec2* max);
// The panel in front of the area under `pos` in the current frame, if any.
bool PanelAt(const AppState& s, ImVec2 pos, PanelId* id);

// The menu bar (File, View, Help); returns its height in pixels.
float DrawMenuBar(AppState& s);
// The status line at the bottom: backend, device, kernel time, last message.
void DrawStatusBar(AppState& s, float y, float width, float height);

// The window's F12 (whole window) and Shift+F12 (the panel under the mouse): asks the frame loop
// for a capture (capture_render.cpp), or says in the status line why there is nothing to capture.
void RequestCapture(AppState& s, bool panel_under_mouse);
// File > Capture: the whole window, one shown panel, the scale, background and caption.
void DrawCaptureMenu(AppState& s);
// A file name for a capture: CaptureName's, with the panel and the scale when not 1.
std::string CaptureFileName(const AppState& s, const CaptureOptions& o);

// Keyboard: space play/pause, arrows step and row, Home/End, PageUp/PageDown beats, F12 capture
// (Shift+F12: the panel under the mouse).
// `glfw_keys` are the GLFW key codes pressed (or auto-repeated) since the last frame, in order:
// taps shorter than a frame, as presentation clickers send, are not lost.
void HandleKeys(AppState& s, const std::vector<int>& glfw_keys);

}  // namespace fs
