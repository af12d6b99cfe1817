#include "chart_audit.h"

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
  if (g_out) g_out->push_back(ChartBox{g_scope, kind, id ? id : "", size.x, size.y});
}

}  // namespace viz
