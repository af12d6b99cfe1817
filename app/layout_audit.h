// The layout checked by its own measurements: while an audit is on, every window of the frame
// reports content wider than its region (a clipped line, a table column too narrow for its
// text, tab labels cut short), and every chart its size (viz/chart_audit.h). `shot
// --layout-report` writes what the last frame measured, and a test checks it at every window
// size, UI scale and theme a lecture hall meets.
#pragma once

#include <string>
#include <vector>

#include "chart_audit.h"

namespace fs {

struct LayoutAudit {
  std::vector<std::string> clipped;   // "tiles: a table column needs 96 px, has 71" ...
  std::vector<viz::ChartBox> charts;
};

// Starts auditing every frame into `into` (null stops); each frame replaces what the last one
// recorded (BeginAuditFrame).
void StartLayoutAudit(LayoutAudit* into);
void BeginAuditFrame();
// Names the window being drawn, for the charts it draws.
void AuditScope(const char* where);
// Checks the current window's contents so far, its tables and its tab bar; call before End.
void AuditWindow(const char* where);
// {"clipped": [...], "charts": [{"panel", "kind", "id", "width", "height"}, ...]}
std::string LayoutAuditJson(const LayoutAudit& a);

}  // namespace fs
