#include "precision.h"

#include "names.h"

namespace fs {
namespace {

constexpr Named<Format> kFormatNames[] = {
    {Format::kFp32, "fp32"}, {Format::kFp16, "fp16"}, {Format::kBf16, "bf16"}};
constexpr Named<Softmax> kSoftmaxNames[] = {{Softmax::kStandard, "standard"},
                                            {Softmax::kStabilized, "stabilized"}};
constexpr Format F32 = Format::kFp32, F16 = Format::kFp16, B16 = Format::kBf16;

}  // namespace

const char* FormatName(Format f) { return NameOf(kFormatNames, f); }
bool ParseFormat(const std::string& s, Format* out) { return ParseName(kFormatNames, s, out); }
std::string FormatChoices() { return NameChoices(kFormatNames); }

bool operator==(const Precision& a, const Precision& b) {
  for (const auto& stage : kPrecisionStages)
    if (a.*stage.member != b.*stage.member) return false;
  return true;
}

const PrecisionStage kPrecisionStages[7] = {
    {"inputs", "Q, K, V as the kernel reads them", &Precision::inputs},
    {"scores", "S = scale QK^T and the softmax's elementwise results", &Precision::scores},
    {"pbar", "P-bar as it enters the P V product", &Precision::pbar},
    {"block", "the block product P-bar_j V_j", &Precision::block},
    {"acc", "the accumulator O-tilde", &Precision::acc},
    {"stats", "the row statistics m, l, rescale and L", &Precision::stats},
    {"output", "the output O", &Precision::output},
};

//                                   inputs scores pbar block acc  stats output
const PrecisionPreset kPrecisionPresets[4] = {
    {"fp32", "everything FP32", {F32, F32, F32, F32, F32, F32, F32}},
    {"fa2-bf16", "FlashAttention-2's CUDA kernel on BF16: FP32 S, l, m and O-tilde; P-bar to BF16 for PV; O to BF16 at the end",
     {B16, F32, B16, F32, F32, F32, B16}},
    {"fa2-fp16", "FlashAttention-2's CUDA kernel on FP16: FP32 S, l, m and O-tilde; P-bar to FP16 for PV; O to FP16 at the end",
     {F16, F32, F16, F32, F32, F32, F16}},
    {"paper-bf16", "FlashAttention-2 in PyTorch on BF16 tensors: every operation rounds to BF16",
     {B16, B16, B16, B16, B16, B16, B16}},
};

bool ParsePrecisionPreset(const std::string& s, Precision* out) {
  for (const auto& preset : kPrecisionPresets)
    if (s == preset.name) {
      *out = preset.precision;
      return true;
    }
  return false;
}

std::string PrecisionPresetChoices() {
  std::string out;
  for (const auto& preset : kPrecisionPresets) out += (out.empty() ? "" : ", ") + std::string(preset.name);
  return out;
}

std::string PrecisionName(const Precision& p) {
  for (const auto& preset : kPrecisionPresets)
    if (preset.precision == p) return preset.name;
  return "custom";
}

std::string DescribePrecision(const Precision& p) {
  std::string out;
  for (const auto& stage : kPrecisionStages)
    out += (out.empty() ? "" : ", ") + std::string(stage.name) + " " + FormatName(p.*stage.member);
  return out;
}

const char* SoftmaxName(Softmax s) { return NameOf(kSoftmaxNames, s); }
bool ParseSoftmax(const std::string& s, Softmax* out) { return ParseName(kSoftmaxNames, s, out); }
std::string SoftmaxChoices() { return NameChoices(kSoftmaxNames); }

}  // namespace fs
