#include "capture.h"

#include <sys/stat.h>

#include <cstring>
#include <vector>

#include "atomic_file.h"
#include "stb_image_write.h"

namespace fs {
namespace {

// stb hands the encoded PNG over in pieces. It is C code, so nothing may be thrown through
// it: the first error is kept and the rest of the pieces are dropped.
struct PngSink {
  AtomicFile* file;
  std::string error;
};

void WritePngPiece(void* context, void* data, int size) {
  auto* sink = static_cast<PngSink*>(context);
  if (!sink->error.empty() || size <= 0) return;
  try {
    sink->file->Write(data, static_cast<size_t>(size));
  } catch (const FileWriteError& e) {
    sink->error = e.what();
  }
}

}  // namespace

std::string CapturePng(const GlApi& gl, const std::string& path, int width, int height) {
  if (width <= 0 || height <= 0) return "nothing to capture (empty framebuffer)";
  const size_t row_bytes = static_cast<size_t>(width) * 4;
  std::vector<unsigned char> pixels(row_bytes * height);
  gl.PixelStorei(GL_PACK_ALIGNMENT, 1);
  gl.ReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
  if (const GLenum err = gl.GetError(); err != GL_NO_ERROR)
    return "OpenGL could not read the framebuffer (error " + std::to_string(err) + ")";
  // OpenGL's first row is the bottom one; PNG's is the top one. Alpha is set opaque so the
  // image looks the same in every viewer.
  std::vector<unsigned char> flipped(pixels.size());
  for (int y = 0; y < height; ++y) {
    std::memcpy(&flipped[row_bytes * y], &pixels[row_bytes * (height - 1 - y)], row_bytes);
    for (int x = 0; x < width; ++x) flipped[row_bytes * y + 4 * x + 3] = 255;
  }
  try {
    AtomicFile file(path);
    PngSink sink{&file, ""};
    if (!stbi_write_png_to_func(WritePngPiece, &sink, width, height, 4, flipped.data(), static_cast<int>(row_bytes)))
      return path + ": cannot save: the PNG could not be encoded (out of memory?)";
    if (!sink.error.empty()) return sink.error;
    file.Commit();
  } catch (const FileWriteError& e) {
    return e.what();
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
