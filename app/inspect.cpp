// The cell inspector: which cell is inspected (hovered or clicked), and its formula drawn with
// the real numbers.
#include "cell_formula.h"
#include "panels.h"
#include "ui_common.h"

namespace fs {

bool InspectedCell(const AppState& s, CellRef* out) {
  if (s.view.has_hover && s.view.hover_frame >= ImGui::GetFrameCount() - 1 && s.view.hover.step == s.step) {
    *out = s.view.hover;
    return true;
  }
  const CellRef& c = s.lab.cell;
  if (s.lab.has_cell && c.step == s.step && (c.field == CellField::kS || c.field == CellField::kP)) {
    *out = c;
    return true;
  }
  return false;
}

void HoverCell(AppState& s, const CellRef& ref) {
  s.view.has_hover = true;
  s.view.hover = ref;
  s.view.hover_frame = ImGui::GetFrameCount();
}

void DrawCellFormula(const AppState& s, const CellRef& ref, float width) {
  if (!s.trace) return;
  const CellFormula f = ExplainCell(*s.trace, s.lab.rounded.get(), ref);
  if (!f.error.empty()) {
    Explain("%s", f.error.c_str());
    return;
  }
  WrappedHeading(f.title, width);
  for (const std::string& line : f.lines) Paragraph(line, width);
}

}  // namespace fs
