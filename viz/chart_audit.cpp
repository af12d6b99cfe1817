#include "chart_audit.h"

#include "imgui_internal.h"

namespace viz {
namespace {

std::vector<ChartBox>* g_out = nullptr;
std::string g_scope;

}  // namespace

void RecordChartsInto(std::vector<ChartBox>* out) {
  g_out = out;
  if (g_out) g_out->clear();
}

void SetChartScope(const std::string& scope) { g_scope = scope; }

void RecordChart(const char* kind, const char* id, ImVec2 size) {
  // A chart in a region scrolled wholly out of view is not laid out (its window skips items),
  // so there is nothing to measure until it is scrolled in.
  if (g_out && !ImGui::GetCurrentWindowRead()->SkipItems)
    g_out->push_back(ChartBox{g_scope, kind, id ? id : "", size.x, size.y});
}

}  // namespace viz
