// The panel table with its draw functions: scenarios/panel_list.h's list expanded once more.
// The layout, the View menu and the View checkboxes read it.
#pragma once

#include "panels.h"

namespace fs {

struct PanelInfo {
  PanelId id;
  const char* name;     // --panels and lesson files
  const char* title;    // the tab's label and the menu entry
  PanelArea area;
  void (*draw)(AppState&);
  const char* tooltip;
};

constexpr PanelInfo kPanels[] = {
#define FS_PANEL_INFO(id, name, title, area, draw, shown, tip) {PanelId::id, name, title, PanelArea::area, draw, tip},
    FS_PANELS(FS_PANEL_INFO)
#undef FS_PANEL_INFO
};
static_assert(std::size(kPanels) == kPanelCount, "one entry per panel");

}  // namespace fs
