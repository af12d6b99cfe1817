// A Dear ImGui context for drawing without a window: a built font atlas and one full-screen
// window per frame, the way the app's headless capture draws. What the frame wrote as text
// items (Text, TextUnformatted, the panels' paragraphs) can be read back through ImGui's log.
#pragma once

#include <string>

#include "imgui.h"

namespace fs_test {

// A new current context of that display size with its font atlas built. The OpenGL 3 renderer
// declares vertex offsets; without them one draw list holds at most 64k vertices.
inline ImGuiContext* CreateHeadlessContext(ImVec2 size, bool vertex_offsets = true) {
  ImGuiContext* context = ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  io.LogFilename = nullptr;
  io.DisplaySize = size;
  io.DeltaTime = 1.0f / 60.0f;
  if (vertex_offsets) io.BackendFlags |= ImGuiBackendFlags_RendererHasVtxOffset;
  unsigned char* pixels = nullptr;
  int width = 0, height = 0;
  io.Fonts->GetTexDataAsRGBA32(&pixels, &width, &height);
  return context;
}

class HeadlessFrame {
 public:
  explicit HeadlessFrame(ImVec2 size = ImVec2(1280, 800)) : context_(CreateHeadlessContext(size)) {
    ImGuiIO& io = ImGui::GetIO();
    io.SetClipboardTextFn = [](void* user, const char* text) { *static_cast<std::string*>(user) = text; };
    io.ClipboardUserData = &logged_;
  }
  ~HeadlessFrame() { ImGui::DestroyContext(context_); }
  HeadlessFrame(const HeadlessFrame&) = delete;
  HeadlessFrame& operator=(const HeadlessFrame&) = delete;

  // One frame that calls draw() inside a full-screen window, and returns the text it wrote.
  template <typename Draw>
  std::string Text(Draw draw) {
    ImGui::SetCurrentContext(context_);  // another frame may have been made current since
    ImGuiIO& io = ImGui::GetIO();
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(io.DisplaySize);
    ImGui::Begin("headless", nullptr, ImGuiWindowFlags_NoDecoration);
    logged_.clear();
    ImGui::LogToClipboard();
    draw();
    ImGui::LogFinish();
    ImGui::End();
    ImGui::Render();
    return logged_;
  }

 private:
  ImGuiContext* context_ = nullptr;
  std::string logged_;
};

}  // namespace fs_test
