// Capture: pixels of the current OpenGL framebuffer, read back and written as a PNG
// (stb_image_write).
#pragma once

#include <string>
#include <vector>

#include "atomic_file.h"

namespace fs {

struct GlApi;  // gl_api.h

// An image top row first, 4 bytes a pixel: red, green, blue and straight (not premultiplied) alpha.
struct RgbaImage {
  int width = 0, height = 0;
  std::vector<unsigned char> rgba;
};

// Reads the region of w x h pixels at (x, y), y counted from the top, of the bound read
// framebuffer, which is fb_height pixels tall. Opaque: alpha is set to 255, so the image looks
// the same in every viewer. Transparent: the framebuffer was cleared to alpha 0 and drawn with
// Dear ImGui's blending, so it holds premultiplied colour; it is divided by alpha
// (Unpremultiply). Returns "" or what went wrong.
std::string ReadRegion(const GlApi& gl, int fb_height, int x, int y, int w, int h, bool transparent, RgbaImage* out);

// Rows read by glReadPixels (bottom row first, RGBA, w x h) as an image top row first: opaque
// (alpha set to 255), or, when the frame was drawn for transparency, unpremultiplied. The
// desktop's ReadRegion and the web page's capture both end here.
void ImageFromGlRows(const std::vector<unsigned char>& gl_rows, int w, int h, bool transparent, RgbaImage* out);

// Premultiplied RGBA (colour already multiplied by alpha, as blending "over" a clear alpha of 0
// leaves it) to straight RGBA, in place. Pixels of alpha 0 become transparent black.
void Unpremultiply(std::vector<unsigned char>* rgba);

// Encodes the image as a PNG into `file` (not committed). Throws FileWriteError.
void WritePng(AtomicFile& file, const RgbaImage& image);

// A path in `dir` named `name` that does not overwrite an existing file (adds _2, _3, ...).
std::string UniquePath(const std::string& dir, const std::string& name);

}  // namespace fs
