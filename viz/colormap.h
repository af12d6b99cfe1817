// Colour maps for heatmaps and the colour palette for chart series.
//
// The maps are tables of sRGB control points with linear interpolation between them. They
// were derived in the OKLab colour space (lightness rising linearly for the sequential maps,
// mirrored lightness for the diverging one) and then rounded, so that equal steps in value
// read as roughly equal steps in brightness on a projector and in grey-scale print.
#pragma once

#include "imgui.h"

namespace viz {

enum class ColorMap {
  kViridis,    // purple -> blue -> teal -> green -> yellow; magnitudes (colour-blind safe)
  kCividis,    // navy -> grey -> yellow; magnitudes, safe for red-green and blue-yellow deficits
  kDiverging,  // blue -> white -> red; signed values, white at the middle of the range
};

struct Rgb {
  float r, g, b;  // sRGB, 0..1
};

const char* ColorMapName(ColorMap map);  // "viridis", "cividis", "diverging"

// Colour at position t of the map; t is clamped to [0, 1] and NaN reads as 0.
Rgb MapRgb(ColorMap map, float t);
ImU32 MapColor(ColorMap map, float t, float alpha = 1.0f);

// Relative luminance (linear-light, Rec. 709 weights) of an sRGB colour, 0..1.
float Luminance(Rgb c);

// Black or white, whichever contrasts more with a background of colour c.
ImU32 ContrastTextColor(Rgb c);

ImU32 ToU32(Rgb c, float alpha = 1.0f);

// Diverging when the range straddles zero (vmin < 0 < vmax), else viridis.
ColorMap DefaultMapFor(float vmin, float vmax);

// Cyan: the cell in the bit view and the inspected cell, framed or marked in every panel.
constexpr ImU32 kLinkColor = IM_COL32(0, 230, 255, 255);

// Animated stepping's easing: fast at first, settling at 1 (t in 0..1).
inline float EaseOut(float t) { return 1.0f - (1.0f - t) * (1.0f - t); }

// Series colours for charts: colour-blind-safe hues that read on light and dark
// backgrounds. Index wraps around.
constexpr int kPaletteSize = 7;
ImU32 PaletteColor(int index, float alpha = 1.0f);
Rgb PaletteRgb(int index);

// The app's named colours, from one palette that both themes define: the hues of data (series,
// kernels, formats) are the same on both, mid lightness; the colours of status text (good,
// bad, warning, note) are lighter on the dark theme and darker on the light one, so they keep
// their contrast. Panels take every colour from here.
enum class Tone {
  kOnChip,      // blocks in SRAM at this step
  kSeriesM,     // the running max m
  kSeriesL,     // the running sum l
  kRescale,     // the rescale factor
  kRunning,     // running probabilities
  kExact,       // the FP64 reference
  kStandard,    // standard attention, the standard softmax
  kFlash,       // FlashAttention kernels, the stabilized softmax
  kLimit,       // a hard limit (device memory)
  kFp32, kBf16, kFp16,  // storage formats
  kGood, kBad, kWarn, kNote,  // status text
};
// Chooses the variant of the status colours; the window calls it when it applies its theme.
void SetLightTheme(bool light);
ImU32 ToneColor(Tone t, float alpha = 1.0f);
ImVec4 ToneColorV(Tone t);

}  // namespace viz
