#include "capture.h"

#include <GL/gl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "stb_image_write.h"

namespace fs {

std::string CapturePng(const std::string& path, int width, int height) {
  if (width <= 0 || height <= 0) return "nothing to capture (empty framebuffer)";
  const size_t row_bytes = static_cast<size_t>(width) * 4;
  std::vector<unsigned char> pixels(row_bytes * height);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
  if (const GLenum err = glGetError(); err != GL_NO_ERROR)
    return "OpenGL could not read the framebuffer (error " + std::to_string(err) + ")";
  // OpenGL's first row is the bottom one; PNG's is the top one. Alpha is set opaque so the
  // image looks the same in every viewer.
  std::vector<unsigned char> flipped(pixels.size());
  for (int y = 0; y < height; ++y) {
    std::memcpy(&flipped[row_bytes * y], &pixels[row_bytes * (height - 1 - y)], row_bytes);
    for (int x = 0; x < width; ++x) flipped[row_bytes * y + 4 * x + 3] = 255;
  }
  const std::string tmp = path + ".tmp";
  if (!stbi_write_png(tmp.c_str(), width, height, 4, flipped.data(), static_cast<int>(row_bytes)))
    return "cannot write " + path + " (" + std::strerror(errno) + ")";
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    return "cannot write " + path + " (" + why + ")";
  }
  return "";
}

std::string UniquePath(const std::string& dir, const std::string& name) {
  const std::string prefix = dir.empty() || dir == "." ? "" : dir + "/";
  const auto dot = name.rfind('.');
  const std::string stem = name.substr(0, dot), ext = dot == std::string::npos ? "" : name.substr(dot);
  std::string path = prefix + name;
  struct stat st;
  for (int i = 2; stat(path.c_str(), &st) == 0; ++i) path = prefix + stem + "_" + std::to_string(i) + ext;
  return path;
}

}  // namespace fs
