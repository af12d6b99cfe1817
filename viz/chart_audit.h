// A record of the charts a frame drew and their sizes, so a layout can be checked as it was
// drawn (every chart tall enough at every window size and scale), not only looked at. Off
// unless a caller starts it; the charts of viz/ report themselves.
#pragma once

#include <string>
#include <vector>

#include "imgui.h"

namespace viz {

struct ChartBox {
  std::string scope;  // what drew it (the panel), as SetChartScope last named it
  std::string kind;   // "line chart", "bar chart", "histogram", "log chart", "heatmap"
  std::string id;
  float width = 0.0f, height = 0.0f;  // of the plotting area (a heatmap's grid of cells)
};

// Starts recording into `out` (cleared), or stops with null.
void RecordChartsInto(std::vector<ChartBox>* out);
void SetChartScope(const std::string& scope);
// Called by the charts with the size of their plotting area; charts in a region scrolled wholly
// out of view are not recorded.
void RecordChart(const char* kind, const char* id, ImVec2 size);

}  // namespace viz
