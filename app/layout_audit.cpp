#include "layout_audit.h"

#include <nlohmann/json.hpp>

#include "imgui.h"
#include "imgui_internal.h"
#include "printf.h"

namespace fs {
namespace {

LayoutAudit* g_audit = nullptr;
constexpr float kSlackPx = 1.0f;  // rounding of positions

}  // namespace

void StartLayoutAudit(LayoutAudit* into) {
  g_audit = into;
  viz::RecordChartsInto(into ? &into->charts : nullptr);
}

void BeginAuditFrame() {
  if (!g_audit) return;
  g_audit->clipped.clear();
  g_audit->charts.clear();
}

void AuditScope(const char* where) { viz::SetChartScope(where); }

void AuditWindow(const char* where) {
  if (!g_audit) return;
  ImGuiContext& g = *GImGui;
  ImGuiWindow* w = g.CurrentWindow;
  // Items placed past the visible right edge (the window does not scroll sideways).
  const float right = w->InnerClipRect.Max.x + w->Scroll.x;
  if (w->DC.CursorMaxPos.x > right + kSlackPx)
    g_audit->clipped.push_back(Printf("%s: content %.0f px wide in a region of %.0f px", where,
                                      w->DC.CursorMaxPos.x - w->DC.CursorStartPos.x,
                                      right - w->DC.CursorStartPos.x));
  // Table columns narrower than what was written in them this frame.
  for (int i = 0; i < g.Tables.GetMapSize(); ++i) {
    ImGuiTable* t = g.Tables.TryGetMapData(i);
    if (!t || t->OuterWindow != w || t->LastFrameActive != g.FrameCount) continue;
    for (int c = 0; c < t->ColumnsCount; ++c) {
      const ImGuiTableColumn& col = t->Columns[c];
      const float content = std::max(col.ContentMaxXUnfrozen, col.ContentMaxXHeadersUsed);
      if (col.IsVisibleX && content > col.ClipRect.Max.x + kSlackPx)
        g_audit->clipped.push_back(Printf("%s: column %d of a table needs %.0f px, has %.0f", where, c,
                                          content - col.WorkMinX, col.ClipRect.Max.x - col.WorkMinX));
    }
  }
  // Tab labels cut short because the tabs do not fit their bar.
  for (int i = 0; i < g.TabBars.GetMapSize(); ++i) {
    ImGuiTabBar* bar = g.TabBars.TryGetMapData(i);
    if (!bar || bar->CurrFrameVisible != g.FrameCount || bar->Tabs.Size == 0) continue;
    if (!w->InnerRect.Contains(bar->BarRect.GetCenter())) continue;  // another window's
    if (bar->WidthAllTabsIdeal > bar->BarRect.GetWidth() + kSlackPx)
      g_audit->clipped.push_back(Printf("%s: its tabs need %.0f px, have %.0f", where, bar->WidthAllTabsIdeal,
                                        bar->BarRect.GetWidth()));
  }
}

std::string LayoutAuditJson(const LayoutAudit& a) {
  nlohmann::json j;
  j["clipped"] = a.clipped;
  j["charts"] = nlohmann::json::array();
  for (const viz::ChartBox& c : a.charts)
    j["charts"].push_back({{"panel", c.scope}, {"kind", c.kind}, {"id", c.id}, {"width", c.width},
                           {"height", c.height}});
  return j.dump(1);
}

}  // namespace fs
