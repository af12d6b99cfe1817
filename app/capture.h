// Capture: the pixels of the current OpenGL framebuffer to a PNG (stb_image_write).
#pragma once

#include <string>

#include "gl_api.h"

namespace fs {

// Reads width x height pixels of the bound read framebuffer and writes them top row first.
// Returns an empty string on success, otherwise what went wrong.
std::string CapturePng(const GlApi& gl, const std::string& path, int width, int height);

// A path in `dir` named `name` that does not overwrite an existing file (adds _2, _3, ...).
std::string UniquePath(const std::string& dir, const std::string& name);

}  // namespace fs
