#include "capture.h"

#include <sys/stat.h>

#include <algorithm>
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

void ImageFromGlRows(const std::vector<unsigned char>& gl_rows, int w, int h, bool transparent, RgbaImage* out) {
  // OpenGL's first row is the bottom one; PNG's is the top one.
  const size_t row_bytes = static_cast<size_t>(w) * 4;
  out->width = w;
  out->height = h;
  out->rgba.resize(gl_rows.size());
  for (int row = 0; row < h; ++row)
    std::memcpy(&out->rgba[row_bytes * row], &gl_rows[row_bytes * (h - 1 - row)], row_bytes);
  if (transparent) {
    Unpremultiply(&out->rgba);
  } else {
    for (size_t i = 3; i < out->rgba.size(); i += 4) out->rgba[i] = 255;
  }
}

void Unpremultiply(std::vector<unsigned char>* rgba) {
  for (size_t i = 0; i + 3 < rgba->size(); i += 4) {
    unsigned char* p = &(*rgba)[i];
    const unsigned a = p[3];
    for (int c = 0; c < 3; ++c)
      p[c] = a == 0 ? 0 : static_cast<unsigned char>(std::min(255u, (p[c] * 255u + a / 2) / a));
  }
}

void WritePng(AtomicFile& file, const RgbaImage& image) {
  PngSink sink{&file, ""};
  if (!stbi_write_png_to_func(WritePngPiece, &sink, image.width, image.height, 4, image.rgba.data(), image.width * 4))
    throw FileWriteError(file.Path() + ": cannot save: the PNG could not be encoded (out of memory?)");
  if (!sink.error.empty()) throw FileWriteError(sink.error);
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
