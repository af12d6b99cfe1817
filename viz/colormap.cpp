#include "colormap.h"

#include <algorithm>
#include <cmath>

namespace viz {
namespace {

constexpr int kStops = 11;  // control points per map, at t = 0, 0.1, ..., 1

// OKLab lightness 0.30 -> 0.93 (linear in t), hue turning from 305 deg (purple) to 105 deg
// (yellow), chroma clipped to the sRGB gamut.
constexpr Rgb kViridisStops[kStops] = {
    {0.242f, 0.069f, 0.378f}, {0.227f, 0.186f, 0.478f}, {0.184f, 0.292f, 0.553f},
    {0.095f, 0.396f, 0.606f}, {0.000f, 0.494f, 0.627f}, {0.000f, 0.589f, 0.638f},
    {0.000f, 0.686f, 0.632f}, {0.178f, 0.782f, 0.581f}, {0.455f, 0.855f, 0.478f},
    {0.721f, 0.907f, 0.309f}, {0.987f, 0.932f, 0.158f},
};

// OKLab lightness 0.28 -> 0.92, a straight line in the a-b plane from a navy blue to a
// yellow; the path passes close to neutral grey in the middle, so no red or green is used.
constexpr Rgb kCividisStops[kStops] = {
    {0.000f, 0.156f, 0.333f}, {0.082f, 0.231f, 0.370f}, {0.180f, 0.305f, 0.391f},
    {0.275f, 0.377f, 0.407f}, {0.371f, 0.450f, 0.419f}, {0.469f, 0.524f, 0.425f},
    {0.569f, 0.598f, 0.426f}, {0.672f, 0.673f, 0.420f}, {0.778f, 0.749f, 0.406f},
    {0.885f, 0.826f, 0.381f}, {0.995f, 0.904f, 0.342f},
};

// Blue half: OKLab hue 262 deg, lightness 0.475 -> 0.975, chroma falling to zero at the
// middle. Red half: hue 28 deg, the same chroma, lightness solved so that each red stop
// has the luminance of its mirrored blue stop (equal |value| reads equally strong).
constexpr Rgb kDivergingStops[kStops] = {
    {0.146f, 0.335f, 0.708f}, {0.296f, 0.464f, 0.781f}, {0.449f, 0.590f, 0.849f},
    {0.608f, 0.716f, 0.908f}, {0.777f, 0.842f, 0.956f}, {0.967f, 0.967f, 0.967f},
    {0.954f, 0.804f, 0.782f}, {0.900f, 0.651f, 0.616f}, {0.830f, 0.500f, 0.458f},
    {0.748f, 0.347f, 0.305f}, {0.657f, 0.177f, 0.149f},
};

// Hues spaced for colour-vision deficiencies (blue, orange, green, vermilion, purple,
// sky, grey), mid lightness so they read on both white and near-black backgrounds.
constexpr Rgb kPalette[kPaletteSize] = {
    {0.078f, 0.447f, 0.741f}, {0.929f, 0.561f, 0.078f}, {0.078f, 0.620f, 0.471f},
    {0.835f, 0.341f, 0.086f}, {0.749f, 0.439f, 0.651f}, {0.380f, 0.694f, 0.886f},
    {0.553f, 0.553f, 0.553f},
};

const Rgb* StopsOf(ColorMap map) {
  switch (map) {
    case ColorMap::kCividis: return kCividisStops;
    case ColorMap::kDiverging: return kDivergingStops;
    case ColorMap::kViridis: break;
  }
  return kViridisStops;
}

float SrgbToLinear(float c) {
  return c <= 0.04045f ? c / 12.92f : std::pow((c + 0.055f) / 1.055f, 2.4f);
}

ImU32 Pack(float r, float g, float b, float a) {
  auto byte = [](float v) { return static_cast<int>(std::clamp(v, 0.0f, 1.0f) * 255.0f + 0.5f); };
  return IM_COL32(byte(r), byte(g), byte(b), byte(a));
}

}  // namespace

const char* ColorMapName(ColorMap map) {
  switch (map) {
    case ColorMap::kCividis: return "cividis";
    case ColorMap::kDiverging: return "diverging";
    case ColorMap::kViridis: break;
  }
  return "viridis";
}

Rgb MapRgb(ColorMap map, float t) {
  if (!(t > 0.0f)) t = 0.0f;  // also catches NaN
  if (t > 1.0f) t = 1.0f;
  const Rgb* stops = StopsOf(map);
  const float x = t * (kStops - 1);
  const int i = std::min(static_cast<int>(x), kStops - 2);
  const float f = x - static_cast<float>(i);
  const Rgb& a = stops[i];
  const Rgb& b = stops[i + 1];
  return {a.r + (b.r - a.r) * f, a.g + (b.g - a.g) * f, a.b + (b.b - a.b) * f};
}

ImU32 MapColor(ColorMap map, float t, float alpha) { return ToU32(MapRgb(map, t), alpha); }

float Luminance(Rgb c) {
  return 0.2126f * SrgbToLinear(c.r) + 0.7152f * SrgbToLinear(c.g) + 0.0722f * SrgbToLinear(c.b);
}

ImU32 ContrastTextColor(Rgb c) {
  // Contrast ratios (L + 0.05) against black and white are equal at L = 0.179.
  constexpr float kEqualContrastLuminance = 0.179f;
  return Luminance(c) > kEqualContrastLuminance ? IM_COL32(0, 0, 0, 255)
                                                : IM_COL32(255, 255, 255, 255);
}

ImU32 ToU32(Rgb c, float alpha) { return Pack(c.r, c.g, c.b, alpha); }

ColorMap DefaultMapFor(float vmin, float vmax) {
  return (vmin < 0.0f && vmax > 0.0f) ? ColorMap::kDiverging : ColorMap::kViridis;
}

Rgb PaletteRgb(int index) {
  const int i = ((index % kPaletteSize) + kPaletteSize) % kPaletteSize;
  return kPalette[i];
}

ImU32 PaletteColor(int index, float alpha) { return ToU32(PaletteRgb(index), alpha); }

namespace {

bool g_light_theme = false;

}  // namespace

void SetLightTheme(bool light) { g_light_theme = light; }

ImU32 ToneColor(Tone t, float alpha) {
  const ImVec4 v = ToneColorV(t);
  return ToU32(Rgb{v.x, v.y, v.z}, alpha);
}

ImVec4 ToneColorV(Tone t) {
  const auto rgb = [](int r, int g, int b) { return ImVec4(r / 255.0f, g / 255.0f, b / 255.0f, 1.0f); };
  const bool light = g_light_theme;
  switch (t) {
    case Tone::kOnChip: return rgb(230, 159, 0);     // orange
    case Tone::kSeriesM: return rgb(0, 114, 178);    // blue
    case Tone::kSeriesL: return rgb(0, 158, 115);    // bluish green
    case Tone::kRescale: return rgb(213, 94, 0);     // vermilion
    case Tone::kRunning: return rgb(230, 159, 0);    // orange
    case Tone::kExact: return rgb(86, 180, 233);     // sky blue
    case Tone::kStandard: return rgb(213, 94, 0);    // vermilion
    case Tone::kFlash: return rgb(0, 114, 178);      // blue
    case Tone::kLimit: return rgb(204, 51, 51);      // red
    case Tone::kFp32: return rgb(86, 180, 233);      // sky blue
    case Tone::kBf16: return rgb(230, 159, 0);       // orange
    case Tone::kFp16: return rgb(204, 121, 167);     // reddish purple
    case Tone::kGood: return light ? rgb(20, 125, 55) : rgb(77, 204, 115);
    case Tone::kBad: return light ? rgb(200, 40, 30) : rgb(255, 102, 90);
    case Tone::kWarn: return light ? rgb(175, 100, 0) : rgb(242, 158, 25);
    case Tone::kNote: return light ? rgb(25, 90, 200) : rgb(90, 153, 255);
  }
  return rgb(128, 128, 128);
}

}  // namespace viz
