// The controls panel (lesson, stepping, problem, backend, view), the menu bar, the status
// line and the keyboard.
#include <GLFW/glfw3.h>
#include <dirent.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <string>
#include <vector>

#include "imgui.h"
#include "imgui_stdlib.h"
#include "layout_audit.h"
#include "open_files.h"
#include "panel_table.h"
#include "ui_common.h"

namespace fs {

const char* FormatBytes(double bytes, char* buf, int size) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024.0 && u < 4) {
    bytes /= 1024.0;
    ++u;
  }
  std::snprintf(buf, size, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

void WrappedHeading(const std::string& text, float width) {
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_PlotHistogram));
  Paragraph(text, width);
  ImGui::PopStyleColor();
}

void ColoredParagraph(const ImVec4& color, const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, color);
  Paragraph(text);
  ImGui::PopStyleColor();
}

float MinChartHeight() { return 120.0f * ImGui::GetFontSize() / 16.0f; }

float MinChartWidgetHeight(bool legend) {
  return MinChartHeight() + (legend ? 5.0f : 3.0f) * ImGui::GetTextLineHeight();  // a legend may take two lines
}

void SameLineIfFits(float next_width) {
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  if (ImGui::GetItemRectMax().x + spacing + next_width <= right) ImGui::SameLine();
}

std::string FitText(const std::string& text, float width) {
  if (ImGui::CalcTextSize(text.c_str()).x <= width) return text;
  for (size_t cut = text.rfind(' '); cut != std::string::npos && cut > 0; cut = text.rfind(' ', cut - 1)) {
    const std::string shorter = text.substr(0, cut) + "...";
    if (ImGui::CalcTextSize(shorter.c_str()).x <= width) return shorter;
  }
  return "...";
}

float ButtonWidth(const char* label) {
  return ImGui::CalcTextSize(label, nullptr, true).x + 2.0f * ImGui::GetStyle().FramePadding.x;
}

float CheckWidth(const char* label) {
  return ImGui::GetFrameHeight() + ImGui::GetStyle().ItemInnerSpacing.x + ImGui::CalcTextSize(label, nullptr, true).x;
}

void Heading(const char* text) {
  ImGui::TextColored(ImGui::GetStyleColorVec4(ImGuiCol_PlotHistogram), "%s", text);
}

void Paragraph(const std::string& text, float width) {
  if (width <= 0.0f) width = ImGui::GetContentRegionAvail().x;
  width = std::max(width, ImGui::GetFontSize());
  size_t start = 0;
  while (start < text.size()) {
    const size_t line_end = std::min(text.find('\n', start), text.size());
    // The most whole words of this line that fit; a word wider than the width (a long path)
    // is cut where the width ends and goes on on the next line.
    size_t fit = std::string::npos;
    for (size_t end = start;;) {
      const size_t word_end = std::min(text.find(' ', end), line_end);
      if (fit != std::string::npos && ImGui::CalcTextSize(&text[start], &text[0] + word_end).x > width) break;
      fit = word_end;
      if (word_end >= line_end) break;
      end = word_end + 1;
    }
    size_t next = fit + 1;
    if (ImGui::CalcTextSize(&text[start], &text[0] + fit).x > width) {
      size_t cut = start + 1;  // at least one character a line
      while (cut < fit && ImGui::CalcTextSize(&text[start], &text[0] + cut + 1).x <= width) ++cut;
      fit = next = cut;
    }
    ImGui::TextUnformatted(&text[start], &text[0] + fit);
    start = next;
  }
}

namespace {

std::string FormatV(const char* fmt, va_list args) {
  char buf[2048];
  std::vsnprintf(buf, sizeof buf, fmt, args);
  return buf;
}

}  // namespace

void WrappedText(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  const std::string text = FormatV(fmt, args);
  va_end(args);
  Paragraph(text);
}

void Explain(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  const std::string text = FormatV(fmt, args);
  va_end(args);
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  Paragraph(text);
  ImGui::PopStyleColor();
}

namespace {

template <size_t K>
bool ComboInt(const char* label, int* value, const int (&choices)[K]) {
  bool changed = false;
  char preview[16];
  std::snprintf(preview, sizeof preview, "%d", *value);
  if (ImGui::BeginCombo(label, preview)) {
    for (int c : choices) {
      char item[16];
      std::snprintf(item, sizeof item, "%d", c);
      if (ImGui::Selectable(item, c == *value)) {
        *value = c;
        changed = true;
      }
    }
    ImGui::EndCombo();
  }
  return changed;
}

void DrawLessonSection(AppState& s) {
  if (!s.lesson) return;
  const Lesson& lesson = *s.lesson;
  ImGui::PushTextWrapPos(0.0f);
  Heading(lesson.title.c_str());
  if (!lesson.summary.empty() && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", lesson.summary.c_str());
  const Beat& beat = lesson.beats[s.beat];
  ImGui::Text("%d / %d  %s", s.beat + 1, static_cast<int>(lesson.beats.size()), beat.title.c_str());
  ImGui::PopTextWrapPos();
  ImGui::Spacing();
  if (s.beat == 0 && !lesson.summary.empty()) {  // what the lesson is about, before its first beat
    Explain("%s", lesson.summary.c_str());
    ImGui::Spacing();
  }
  Paragraph(beat.text);
  // The beat's text describes the beat's problem: say so when the one on screen differs.
  if (s.problem != beat.problem) {
    ImGui::Spacing();
    Explain("The problem on screen differs from this beat's (changed by hand or by a flag), so the text may not "
            "match it.");
    if (ImGui::SmallButton("Show the beat's problem")) ApplyProblem(s, beat.problem);
  }
  ImGui::Spacing();
  ImGui::BeginDisabled(s.beat == 0);
  if (ImGui::Button("< Previous")) GoToBeat(s, s.beat - 1);
  ImGui::EndDisabled();
  SameLineIfFits(ButtonWidth("Next >"));
  ImGui::BeginDisabled(s.beat + 1 >= static_cast<int>(lesson.beats.size()));
  if (ImGui::Button("Next >")) GoToBeat(s, s.beat + 1);
  ImGui::EndDisabled();
  SameLineIfFits(ImGui::CalcTextSize("PageUp / PageDown").x);
  ImGui::TextDisabled("PageUp / PageDown");
  ImGui::Separator();
}

void DrawStepSection(AppState& s) {
  if (!s.trace) return;
  const Trace& t = *s.trace;
  const StepInfo& st = t.steps[s.step];
  Heading("Step through the loop");
  ImGui::Text("Step %d of %d", s.step + 1, t.StepCount());
  if (s.problem.order == LoopOrder::kFa1)  // K/V blocks outer, the Q blocks that visit them inner
    WrappedText("K/V block %d of %d, Q block %d (of %d..%d)", st.kv_block, s.problem.KvBlocks() - 1, st.q_block,
                FirstQBlock(s.problem, st.kv_block), s.problem.QBlocks() - 1);
  else
    WrappedText("Q block %d of %d, K/V block %d of %d", st.q_block, s.problem.QBlocks() - 1, st.kv_block,
                LastKvBlock(s.problem, st.q_block));
  if (ImGui::Button("|<")) SetStep(s, 0);
  SameLineIfFits(ButtonWidth("<"));
  if (ImGui::Button("<")) SetStep(s, s.step - 1);
  SameLineIfFits(ImGui::GetFontSize() * 4);
  if (ImGui::Button(s.play.playing ? "Pause" : "Play", ImVec2(ImGui::GetFontSize() * 4, 0))) {
    if (!s.play.playing && s.step + 1 >= t.StepCount()) SetStep(s, 0);
    s.play.playing = !s.play.playing;
  }
  SameLineIfFits(ButtonWidth(">"));
  if (ImGui::Button(">")) SetStep(s, s.step + 1);
  SameLineIfFits(ButtonWidth(">|"));
  if (ImGui::Button(">|")) SetStep(s, t.StepCount() - 1);
  if (ImGui::Button("next m jump")) StepToNextMJump(s);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("The next step where the followed row's running max m rises");
  SameLineIfFits(ButtonWidth("next Q block"));
  if (ImGui::Button("next Q block")) StepToNextQBlock(s);
  int step = s.step + 1;
  if (ImGui::SliderInt("step", &step, 1, t.StepCount())) SetStep(s, step - 1);
  ImGui::SliderFloat("steps/s", &s.play.steps_per_second, 0.25f, 30.0f, "%.2f", ImGuiSliderFlags_Logarithmic);
  int row = s.row;
  if (ImGui::SliderInt("row", &row, 0, s.problem.n - 1)) SetRow(s, row);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("The query row followed in the online-softmax panel");
  ImGui::Separator();
}

// FA1 | FA2: the loop order of the step-through. FA1 takes FP32 and the standard softmax only;
// ApplyProblem refuses it with other numerics and says so in the status line.
bool DrawLoopOrderSwitch(Problem& e) {
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("loop order");
  SameLineIfFits(CheckWidth("FA1"));
  int order = e.order == LoopOrder::kFa1 ? 1 : 0;
  bool changed = ImGui::RadioButton("FA1", &order, 1);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("FlashAttention-1: K/V blocks outer, Q blocks inner; O, l and m go back to HBM after "
                      "every step (FP32, standard softmax)");
  SameLineIfFits(CheckWidth("FA2"));
  changed |= ImGui::RadioButton("FA2", &order, 0);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("FlashAttention-2: Q blocks outer, K/V blocks inner; O-tilde, m and l stay on chip");
  if (changed) e.order = order == 1 ? LoopOrder::kFa1 : LoopOrder::kFa2;
  return changed;
}

void DrawProblemSection(AppState& s) {
  Heading("Problem");
  Problem& e = s.edit;
  bool apply = false;
  apply |= DrawLoopOrderSwitch(e);
  ImGui::SliderInt("N", &e.n, 1, kMaxStepN, "%d", ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_AlwaysClamp);
  apply |= ImGui::IsItemDeactivatedAfterEdit();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Sequence length, 1..%d (Ctrl+click to type)", kMaxStepN);
  apply |= ComboInt("d", &e.d, kAllowedD);
  apply |= ComboInt("Br", &e.br, kAllowedBlock);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Rows of a Q block (one thread block's queries)");
  apply |= ComboInt("Bc", &e.bc, kAllowedBlock);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Rows of a K/V block (keys loaded per inner step)");
  apply |= ImGui::Checkbox("causal", &e.causal);
  if (e.pattern == Pattern::kNpy) {
    ImGui::Text("inputs: .npy files");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s\n%s\n%s", e.q_path.c_str(), e.k_path.c_str(), e.v_path.c_str());
  } else {
    const Pattern generated[] = {Pattern::kRandom, Pattern::kSink, Pattern::kTiedMaxima, Pattern::kLowRank,
                                 Pattern::kDrift};
    if (ImGui::BeginCombo("pattern", PatternName(e.pattern))) {
      for (Pattern p : generated)
        if (ImGui::Selectable(PatternName(p), p == e.pattern)) {
          e.pattern = p;
          apply = true;
        }
      ImGui::EndCombo();
    }
    if (e.pattern == Pattern::kLowRank) {
      ImGui::SliderInt("rank", &e.rank, 1, std::min(e.d, kMaxRank), "%d", ImGuiSliderFlags_AlwaysClamp);
      apply |= ImGui::IsItemDeactivatedAfterEdit();
    }
    int seed = static_cast<int>(e.seed & 0x7fffffff);
    if (ImGui::InputInt("seed", &seed)) {
      e.seed = static_cast<uint64_t>(std::max(0, seed));
      apply = true;
    }
  }
  apply |= DrawNumericsControls(e);
  char used[32], budget[32], one[32];
  const uint64_t bytes = TraceBytes(e);
  FormatBytes(double(kTraceBudgetBytes), budget, sizeof budget);
  if (bytes <= kTraceBudgetBytes) {
    ColoredParagraph(ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled),
                     std::string("trace: ") + FormatBytes(double(bytes), used, sizeof used) + " of " + budget);
  } else {  // one Q block's steps at a time (Trace::window)
    const int q_block = s.trace && s.trace->Windowed() ? s.trace->window : 0;
    ColoredParagraph(viz::ToneColorV(viz::Tone::kWarn),
                     std::string("trace: every step would take ") + FormatBytes(double(bytes), used, sizeof used) +
                         ", over the " + budget + " budget: one Q block's steps are recorded at a time (" +
                         FormatBytes(double(TraceBytes(e, std::min(q_block, e.QBlocks() - 1))), one, sizeof one) +
                         "), and stepping into another Q block runs it again");
  }
  if (apply && e != s.problem) RequestProblem(s, e);

  Heading("Backend");
  int kind = s.backend_kind == BackendKind::kCuda ? 1 : 0;
  bool backend_changed = ImGui::RadioButton("CPU emulation", &kind, 0);
  SameLineIfFits(CheckWidth("CUDA"));
  ImGui::BeginDisabled(!s.cuda_unavailable.empty());
  backend_changed |= ImGui::RadioButton("CUDA", &kind, 1);
  ImGui::EndDisabled();
  if (!s.cuda_unavailable.empty() && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("%s", s.cuda_unavailable.c_str());
  if (backend_changed) {
    s.backend_kind = kind == 1 ? BackendKind::kCuda : BackendKind::kCpu;
    if (s.trace_file.empty()) RequestProblem(s, s.problem);
  }
  ImGui::Separator();
}

void DrawViewSection(AppState& s) {
  Heading("View");
  // One checkbox per panel of the table, wrapped to the panel's width.
  const float right = ImGui::GetWindowContentRegionMax().x;
  for (const PanelInfo& panel : kPanels) {
    bool shown = s.view.shown[static_cast<int>(panel.id)];
    const float w = ImGui::GetFrameHeight() + ImGui::GetStyle().ItemInnerSpacing.x + ImGui::CalcTextSize(panel.name).x;
    const float next_x = ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x;
    if (&panel != &kPanels[0] && next_x + w < ImGui::GetWindowPos().x + right) ImGui::SameLine();
    if (ImGui::Checkbox(panel.name, &shown)) s.view.shown[static_cast<int>(panel.id)] = shown;
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s: %s", panel.title, panel.tooltip);
  }
  ImGui::Checkbox("numbers in cells", &s.view.numbers_in_cells);
  SameLineIfFits(CheckWidth("light theme"));
  ImGui::Checkbox("light theme", &s.view.light_theme);
  SameLineIfFits(CheckWidth("animate steps"));
  ImGui::Checkbox("animate steps", &s.view.animate);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Blocks slide from HBM into SRAM and the running probabilities move to their new values");
  float scale = s.view.ui_scale;
  ImGui::SliderFloat("UI scale", &scale, 0.75f, 3.0f, "%.2f");
  if (ImGui::IsItemDeactivatedAfterEdit()) s.view.ui_scale = scale;
  if (ImGui::Button("Save PNG (F12)")) s.capture_requested = true;
}

void LessonFiles(std::vector<std::string>* out) {
  if (DIR* dir = opendir(FS_LESSON_DIR)) {
    while (dirent* e = readdir(dir)) {
      const std::string name = e->d_name;
      if (name.size() > 5 && name.substr(name.size() - 5) == ".json") out->push_back(name);
    }
    closedir(dir);
  }
  std::sort(out->begin(), out->end());
}

void DrawPathPrompt(AppState& s, const char* title, bool* open, bool (*action)(AppState&, const std::string&)) {
  if (*open) {
    ImGui::OpenPopup(title);
    *open = false;
  }
  if (ImGui::BeginPopupModal(title, nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 30);
    if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
    const bool enter = ImGui::InputText("path", &s.dialogs.path, ImGuiInputTextFlags_EnterReturnsTrue);
    if (ImGui::Button("Open") || enter) {
      action(s, s.dialogs.path);
      ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
  }
}

// The inputs dialog: which .npy file is Q, K, V (and dO). Files handed over together (dropped or
// picked) are offered in lists; otherwise each is a path.
void DrawNpyPrompt(AppState& s) {
  constexpr const char* kTitle = "Inputs from .npy files";
  Dialogs& d = s.dialogs;
  if (d.open_npy) {
    ImGui::OpenPopup(kTitle);
    d.open_npy = false;
  }
  if (!ImGui::BeginPopupModal(kTitle, nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
  ImGui::TextUnformatted("float32 or float16 arrays of N x d; N and d come from the files");
  const std::pair<const char*, std::string*> roles[] = {{"Q", &d.npy.q}, {"K", &d.npy.k}, {"V", &d.npy.v},
                                                         {"dO (optional)", &d.npy.dout}};
  for (const auto& [label, path] : roles) {
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 24);
    if (d.npy_offered.empty()) {
      ImGui::InputText(label, path);
      continue;
    }
    if (ImGui::BeginCombo(label, path->empty() ? "(none)" : BaseName(*path).c_str())) {
      if (ImGui::Selectable("(none)", path->empty())) path->clear();
      for (const std::string& f : d.npy_offered)
        if (ImGui::Selectable(BaseName(f).c_str(), f == *path)) *path = f;
      ImGui::EndCombo();
    }
  }
  if (ImGui::Button("Run")) {
    if (OpenNpyInputs(s, d.npy)) d.npy_offered.clear();
    ImGui::CloseCurrentPopup();
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

}  // namespace

void DrawControlsPanel(AppState& s) {
  if (!ImGui::Begin("Controls", nullptr, kPanelFlags)) {
    ImGui::End();
    return;
  }
  AuditScope("controls");
  // Widgets take the width their labels leave (the longest label is "precision").
  ImGui::PushItemWidth(-(ImGui::CalcTextSize("precision").x + ImGui::GetStyle().ItemInnerSpacing.x));
  DrawLessonSection(s);
  DrawStepSection(s);
  DrawProblemSection(s);
  DrawViewSection(s);
  ImGui::PopItemWidth();
  AuditWindow("controls");
  ImGui::End();
}

float DrawMenuBar(AppState& s) {
  float height = 0.0f;
  if (ImGui::BeginMainMenuBar()) {
    if (ImGui::BeginMenu("File")) {
      if (s.pick_files) {  // the page: the browser's picker, for any file it opens
        if (ImGui::MenuItem("Open files...")) s.pick_files();
        if (ImGui::IsItemHovered())
          ImGui::SetTooltip("A trace file, .npy inputs (Q, K, V), a lesson or a bench report; or drop them on the page");
      } else {
        if (ImGui::MenuItem("Open lesson...")) s.dialogs.open_lesson = true;
        if (ImGui::MenuItem("Open trace file...")) s.dialogs.open_trace = true;
        if (ImGui::MenuItem("Open .npy inputs...")) {
          s.dialogs.npy_offered.clear();
          s.dialogs.open_npy = true;
        }
      }
      if (ImGui::BeginMenu("Capture")) {
        DrawCaptureMenu(s);
        ImGui::EndMenu();
      }
      if (ImGui::MenuItem("Save O and L as .npy", nullptr, false, s.trace != nullptr)) SaveOutputs(s);
      if (!s.pick_files) {  // a page is closed by its browser
        ImGui::Separator();
        if (ImGui::MenuItem("Quit")) s.quit = true;
      }
      ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Lessons")) {
      std::vector<std::string> files;
      LessonFiles(&files);
      for (const auto& f : files)
        if (ImGui::MenuItem(f.c_str())) OpenLesson(s, std::string(FS_LESSON_DIR) + "/" + f);
      if (files.empty()) ImGui::TextDisabled("no lessons in %s", FS_LESSON_DIR);
      ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("View")) {
      for (const PanelInfo& panel : kPanels) {
        bool shown = s.view.shown[static_cast<int>(panel.id)];
        if (ImGui::MenuItem(panel.title, nullptr, &shown)) s.view.shown[static_cast<int>(panel.id)] = shown;
      }
      ImGui::Separator();
      ImGui::MenuItem("Numbers in cells", nullptr, &s.view.numbers_in_cells);
      ImGui::MenuItem("Light theme", nullptr, &s.view.light_theme);
      ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Help")) {
      ImGui::Text("Space: play / pause      Left / Right: step");
      ImGui::Text("Home / End: first / last step");
      ImGui::Text("Up / Down: previous / next query row");
      ImGui::Text("PageUp / PageDown: lesson beats");
      ImGui::Text("F12: save the window as PNG; Shift+F12: the panel under the mouse (File > Capture: scale, ...)");
      ImGui::Text("Drop files on the window: trace files, .npy inputs (q, k, v in their names), lessons, bench reports");
      ImGui::EndMenu();
    }
    height = ImGui::GetWindowSize().y;
    ImGui::EndMainMenuBar();
  }
  DrawPathPrompt(s, "Open lesson", &s.dialogs.open_lesson, OpenLesson);
  DrawPathPrompt(s, "Open trace file", &s.dialogs.open_trace, OpenTraceFile);
  DrawNpyPrompt(s);
  return height;
}

namespace {

// A run under way on the worker: what it runs, how far it is, and a button that stops it.
void DrawRunProgress(AppState& s) {
  if (!s.runs) return;
  RunProgressView v;
  for (int lane = 0; lane < kRunLaneCount && !v.busy; ++lane) v = s.runs->Progress(static_cast<RunLane>(lane));
  if (!v.busy) return;
  ImGui::SameLine();
  ImGui::ProgressBar(static_cast<float>(v.fraction), ImVec2(ImGui::GetFontSize() * 6.0f, 0.0f));  // "42%"
  ImGui::SameLine();
  // What runs, cut to leave the line room for the Cancel button.
  const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  const float room = right - ImGui::GetCursorScreenPos().x - ButtonWidth("Cancel") - 2 * ImGui::GetStyle().ItemSpacing.x;
  ImGui::TextUnformatted(FitText("running " + v.what, room).c_str());
  ImGui::SameLine();
  if (ImGui::SmallButton("Cancel")) CancelRuns(s);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Stop the run; what is shown stays");
}

}  // namespace

void DrawStatusBar(AppState& s, float y, float width, float height) {
  ImGui::SetNextWindowPos(ImVec2(0, y));
  ImGui::SetNextWindowSize(ImVec2(width, height));
  if (!ImGui::Begin("##status", nullptr, kPanelFlags | ImGuiWindowFlags_NoDecoration)) {
    ImGui::End();
    return;
  }
  // Which backend produced what is shown, always first and in colour.
  const bool gpu = s.trace && s.trace->backend == "CUDA";
  ImGui::TextColored(gpu ? viz::ToneColorV(viz::Tone::kGood) : viz::ToneColorV(viz::Tone::kWarn), "[%s]",
                     s.trace ? s.trace->backend.c_str() : "-");
  if (!gpu && ImGui::IsItemHovered())
    ImGui::SetTooltip("%s", s.cuda_unavailable.empty() ? "CUDA is available: choose it under Backend"
                                                        : ("No GPU kernel: " + s.cuda_unavailable).c_str());
  DrawRunProgress(s);
  // One line: the source when the message leaves room for it; a message too long for the
  // line is cut at a word with "..." (the whole of it in the tooltip).
  const std::string source = SourceLine(s);
  const float gap = ImGui::GetStyle().ItemSpacing.x;
  const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  const float bar_w = ImGui::CalcTextSize("|").x + 2 * gap;
  const float status_w = s.status.text.empty() ? 0.0f : ImGui::CalcTextSize(s.status.text.c_str()).x + bar_w;
  if (ImGui::GetItemRectMax().x + gap + ImGui::CalcTextSize(source.c_str()).x + status_w <= right) {
    ImGui::SameLine();
    ImGui::TextUnformatted(source.c_str());
  } else if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("%s", source.c_str());
  }
  if (!s.status.text.empty()) {
    ImGui::SameLine();
    ImGui::TextDisabled("|");
    ImGui::SameLine();
    const std::string shown = FitText(s.status.text, right - ImGui::GetCursorScreenPos().x);
    if (s.status.error)
      ImGui::TextColored(viz::ToneColorV(viz::Tone::kBad), "%s", shown.c_str());
    else
      ImGui::TextUnformatted(shown.c_str());
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", s.status.text.c_str());
  }
  AuditWindow("status line");
  ImGui::End();
}

void HandleKeys(AppState& s, const std::vector<int>& glfw_keys) {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput || ImGui::IsPopupOpen(nullptr, ImGuiPopupFlags_AnyPopupId)) return;
  for (const int key : glfw_keys) {
    switch (key) {
      case GLFW_KEY_SPACE: s.play.playing = !s.play.playing; break;
      case GLFW_KEY_RIGHT: SetStep(s, s.step + 1); break;
      case GLFW_KEY_LEFT: SetStep(s, s.step - 1); break;
      case GLFW_KEY_HOME: SetStep(s, 0); break;
      case GLFW_KEY_END: SetStep(s, s.trace ? s.trace->StepCount() - 1 : 0); break;
      case GLFW_KEY_UP: SetRow(s, s.row - 1); break;
      case GLFW_KEY_DOWN: SetRow(s, s.row + 1); break;
      case GLFW_KEY_PAGE_UP: GoToBeat(s, s.beat - 1); break;
      case GLFW_KEY_PAGE_DOWN: GoToBeat(s, s.beat + 1); break;
      case GLFW_KEY_F12: RequestCapture(s, io.KeyShift); break;
      default: break;
    }
  }
}

}  // namespace fs
