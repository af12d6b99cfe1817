// PNGs written by `flashscope shot`, read back for the tests: pixels and how two differ.
#pragma once

#include <cstdlib>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "stb_image.h"

namespace fs_test {

// Pixels of an RGB image, row-major, 3 bytes each.
struct Image {
  int width = 0, height = 0;
  std::vector<unsigned char> rgb;
  bool Is(int x, int y, unsigned char r, unsigned char g, unsigned char b) const {
    const unsigned char* p = &rgb[(size_t(y) * width + x) * 3];
    return p[0] == r && p[1] == g && p[2] == b;
  }
};

inline Image LoadPng(const std::string& png) {
  Image im;
  int channels = 0;
  unsigned char* px = stbi_load(png.c_str(), &im.width, &im.height, &channels, 3);
  REQUIRE(px != nullptr);
  im.rgb.assign(px, px + size_t(im.width) * im.height * 3);
  stbi_image_free(px);
  return im;
}

// Pixels that differ in any channel between two images of the same size.
inline size_t DifferingPixels(const Image& a, const Image& b) {
  REQUIRE(a.width == b.width);
  REQUIRE(a.height == b.height);
  size_t count = 0;
  for (size_t i = 0; i < a.rgb.size(); i += 3)
    count += a.rgb[i] != b.rgb[i] || a.rgb[i + 1] != b.rgb[i + 1] || a.rgb[i + 2] != b.rgb[i + 2];
  return count;
}

}  // namespace fs_test
