// Precision policies and the softmax variants: the numeric choices a Problem makes, and the
// arithmetic that both twins (kernels/emulate.cpp and kernels/cuda/fa2_teach.cu) share at the
// same named points, so that a BF16 run matches bit for bit as the FP32 one does.
//
// A policy names the storage format of every stage the kernel rounds:
//   inputs   Q, K, V as the kernel reads them
//   scores   S = scale * Q K^T, and the softmax's elementwise results (S - m, exp(S - m))
//   pbar     P-bar as it enters the P V product
//   block    the block product O-bar_j = P-bar_j V_j
//   acc      the accumulator O-tilde (after its rescale and after each add)
//   stats    the row statistics m, l, the rescale factor, L = m + log l
//   output   O = O-tilde / l
// Rounding is round-to-nearest-even with IEEE subnormals, infinities and NaN (FP16 overflow
// gives inf, as the hardware conversion does).
//
// Two rules make a policy an algorithm:
// - FP32 is the CUDA kernel's path: a stage in FP32 fuses multiply-adds where the kernel does
//   (fmaf). A stage in BF16 or FP16 rounds after every operation, as a framework's tensors do
//   (a matmul or a row sum accumulates in FP32 inside and rounds once at the end).
// - O-bar_j is accumulated straight into O-tilde (as the tensor-core mma does, C += A B) when
//   block and acc are both FP32; otherwise O-bar_j is computed on its own in FP32, rounded to
//   its format, and O-tilde <- R(R(rescale * O-tilde) + O-bar_j) in acc's format.
//
// Sections: formats and rounding · policies and presets · softmax variants · shared row ops ·
// FlashAttention-1's row update
#pragma once

#include <cstdint>
#include <string>

#include "fmath.h"

namespace fs {

// ---- formats and rounding ------------------------------------------------------------------

enum class Format : uint8_t { kFp32 = 0, kFp16 = 1, kBf16 = 2 };

const char* FormatName(Format f);  // "fp32", "fp16", "bf16"
bool ParseFormat(const std::string& s, Format* out);
std::string FormatChoices();       // "fp32, fp16, bf16"

// x rounded to bfloat16 (8 exponent bits, 7 stored mantissa bits), returned as the float of
// equal value. NaN stays NaN (quieted), overflow past the largest BF16 rounds to inf.
FS_HD float RoundBf16(float x) {
  const uint32_t u = FloatToBits(x);
  if ((u & 0x7F800000u) == 0x7F800000u && (u & 0x007FFFFFu) != 0)
    return BitsToFloat((u | 0x00400000u) & 0xFFFF0000u);  // NaN: quiet, keep sign and top bits
  const uint32_t lsb = (u >> 16) & 1u;                     // ties go to the even neighbour
  return BitsToFloat((u + 0x7FFFu + lsb) & 0xFFFF0000u);
}

// IEEE binary16 bits of x, round-to-nearest-even (what __float2half_rn returns).
FS_HD uint16_t FloatToHalfBits(float x) {
  const uint32_t u = FloatToBits(x);
  const uint32_t sign = (u >> 16) & 0x8000u;
  const uint32_t abs = u & 0x7FFFFFFFu;
  if (abs > 0x7F800000u) return static_cast<uint16_t>(sign | 0x7E00u | ((abs >> 13) & 0x3FFu));
  if (abs >= 0x47800000u) {  // |x| >= 65536 (and inf): past 65520 everything rounds to inf
    return static_cast<uint16_t>(sign | 0x7C00u);
  }
  if (abs >= 0x38800000u) {  // normal half: |x| >= 2^-14
    // Re-bias the exponent (127 -> 15) and round the 13 dropped mantissa bits to even;
    // a carry out of the mantissa moves into the exponent, up to inf at 65520.
    const uint32_t lsb = (abs >> 13) & 1u;
    const uint32_t rounded = abs + 0xFFFu + lsb;
    const uint32_t h = (rounded >> 13) - ((127u - 15u) << 10);
    return static_cast<uint16_t>(sign | (h > 0x7C00u ? 0x7C00u : h));
  }
  if (abs < 0x33000000u) return static_cast<uint16_t>(sign);  // below half of 2^-24: to zero
  // Subnormal half: value = m * 2^-24 with m < 1024. Shift the full significand (implicit bit
  // included) so that bit 0 is 2^-24, rounding the bits shifted out to even.
  const uint32_t exponent = abs >> 23;                          // 102 .. 112
  const uint32_t significand = (abs & 0x7FFFFFu) | 0x800000u;   // 24 bits
  const uint32_t shift = 126u - exponent;                       // 14 .. 24
  const uint32_t kept = significand >> shift;
  const uint32_t rest = significand & ((1u << shift) - 1u);
  const uint32_t half = 1u << (shift - 1u);
  const uint32_t up = rest > half || (rest == half && (kept & 1u));
  return static_cast<uint16_t>(sign | (kept + up));
}

// IEEE binary16 bits to the float of equal value (exact for every input).
FS_HD float HalfBitsToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1Fu;
  const uint32_t mantissa = h & 0x3FFu;
  if (exponent == 0x1Fu) return BitsToFloat(sign | 0x7F800000u | (mantissa << 13));
  if (exponent != 0) return BitsToFloat(sign | ((exponent + 112u) << 23) | (mantissa << 13));
  // Subnormal or zero: mantissa * 2^-24, exact in float.
  const float magnitude = static_cast<float>(mantissa) * 5.9604644775390625e-8f;
  return sign ? -magnitude : magnitude;
}

FS_HD float RoundFp16(float x) { return HalfBitsToFloat(FloatToHalfBits(x)); }

// x stored in format f.
FS_HD float Round(float x, Format f) {
  return f == Format::kBf16 ? RoundBf16(x) : f == Format::kFp16 ? RoundFp16(x) : x;
}

// ---- policies and presets ------------------------------------------------------------------

struct Precision {
  Format inputs = Format::kFp32;
  Format scores = Format::kFp32;
  Format pbar = Format::kFp32;
  Format block = Format::kFp32;
  Format acc = Format::kFp32;
  Format stats = Format::kFp32;
  Format output = Format::kFp32;

  FS_HD bool AllFp32() const {
    return inputs == Format::kFp32 && scores == Format::kFp32 && pbar == Format::kFp32 &&
           block == Format::kFp32 && acc == Format::kFp32 && stats == Format::kFp32 &&
           output == Format::kFp32;
  }
  // Whether O-bar_j is computed on its own and rounded before it is added (see the top).
  FS_HD bool SeparateBlockProduct() const {
    return block != Format::kFp32 || acc != Format::kFp32;
  }
};

bool operator==(const Precision& a, const Precision& b);
inline bool operator!=(const Precision& a, const Precision& b) { return !(a == b); }

// The stages by name, in the order of the table at the top: for the command line, files and
// the UI. `member` points into Precision.
struct PrecisionStage {
  const char* name;     // "inputs", "scores", "pbar", "block", "acc", "stats", "output"
  const char* meaning;  // one line for help texts and panels
  Format Precision::*member;
};
extern const PrecisionStage kPrecisionStages[7];

// Presets: what real code does.
//   fp32        everything FP32 (the default)
//   fa2-bf16    FlashAttention-2's CUDA kernel on BF16 tensors: BF16 inputs, S and P V
//               accumulated in FP32, P-bar cast to BF16 for the P V product, O-tilde, m, l
//               FP32 across all K/V blocks, O rounded to BF16 once at the end
//   fa2-fp16    the same with FP16
//   paper-bf16  FlashAttention-2 written in PyTorch and run on BF16 tensors (the code of
//               "Why Low-Precision Transformer Training Fails"): every tensor BF16, every
//               operation rounding its result to BF16
struct PrecisionPreset {
  const char* name;
  const char* meaning;
  Precision precision;
};
extern const PrecisionPreset kPrecisionPresets[4];

bool ParsePrecisionPreset(const std::string& s, Precision* out);
std::string PrecisionPresetChoices();  // "fp32, fa2-bf16, fa2-fp16, paper-bf16"
// The preset's name when p is one, otherwise "custom".
std::string PrecisionName(const Precision& p);
// "inputs bf16, scores fp32, ..." (every stage).
std::string DescribePrecision(const Precision& p);

// ---- softmax variants ----------------------------------------------------------------------

// Standard: m_new = max(m_old, rowmax S_j). Stabilized ("SFA", Qiu & Yao): per K/V block and
// row, r_m = rowmax S_j over the visible keys and r_s = the number of visible keys with
// S >= r_m - eps; the shift is m' = beta * r_m when r_m > 0 and r_s > 1, m' = 0 when r_m < 0
// and r_s > 1, otherwise m' = r_m; then m_new = max(m_old, m'). A row with no visible key
// (r_m = -inf) keeps m' = -inf. r_m = 0 exactly falls in neither branch.
enum class Softmax : uint8_t { kStandard = 0, kStabilized = 1 };

const char* SoftmaxName(Softmax s);  // "standard", "stabilized"
bool ParseSoftmax(const std::string& s, Softmax* out);
std::string SoftmaxChoices();

constexpr float kDefaultBeta = 2.0f;
constexpr float kMinBeta = 1.0f;     // exclusive: beta must exceed it
constexpr float kMaxBeta = 16.0f;
constexpr float kDefaultEps = 1e-3f;
constexpr float kMaxEps = 1.0f;

// Which rule set m' (recorded per row and step; FS_HD code stores it as a float).
enum class ShiftBranch : int { kRowMax = 0, kBetaTimesMax = 1, kZero = 2 };

// The numeric choices of one run, as the kernels take them.
struct NumericPolicy {
  Precision precision;
  Softmax softmax = Softmax::kStandard;
  float beta = kDefaultBeta;
  float eps = kDefaultEps;
};

// ---- shared row operations (the named points both twins call) --------------------------------

// The emulation's two row reductions, operands in its order: max keeps the left value unless
// the right one is strictly larger (this decides which NaN or which zero wins).
FS_HD float MaxOf(float a, float b) { return a > b ? a : b; }
FS_HD float SumOf(float a, float b) { return a + b; }

// Whether a visible score counts as tied with the block's row max (r_s).
FS_HD bool NearMax(float s, float r_m, float eps) { return s != kNegInf && s >= r_m - eps; }

// m' from r_m and r_s (see Softmax). beta * r_m is rounded to the stats format.
FS_HD float ShiftOf(const NumericPolicy& np, float r_m, int r_s, ShiftBranch* branch) {
  *branch = ShiftBranch::kRowMax;
  if (np.softmax != Softmax::kStabilized || r_m == kNegInf || r_s <= 1) return r_m;
  if (r_m > 0.0f) {
    *branch = ShiftBranch::kBetaTimesMax;
    return Round(np.beta * r_m, np.precision.stats);
  }
  if (r_m < 0.0f) {
    *branch = ShiftBranch::kZero;
    return 0.0f;
  }
  return r_m;
}

// S = scale * (q . k): the dot product (an FP32 fmaf chain) rounded to the scores format,
// then the scale, rounded again.
FS_HD float ScoreOf(float dot, float scale, Format f) { return Round(Round(dot, f) * scale, f); }

// exp(x - m) with both operations rounded to format f (a no-op for FP32).
FS_HD float ExpShifted(float x, float m, Format f) { return Round(ExpF(Round(x - m, f)), f); }

// l_new from rescale, l_old and the row sum of P-bar (already rounded to the stats format).
FS_HD float UpdateL(float rescale, float l, float rowsum, Format f) {
  if (f == Format::kFp32) return fmaf(rescale, l, rowsum);
  return Round(Round(rescale * l, f) + rowsum, f);
}

// O-tilde <- R(R(rescale * O-tilde) + R(O-bar_j)) on the separate-block-product path.
FS_HD float AddBlockProduct(float o, float rescale, float block_fp32, const Precision& p) {
  return Round(Round(rescale * o, p.acc) + Round(block_fp32, p.block), p.acc);
}

// The row's final values: O = O-tilde / l in the output format, L = m + log l in stats.
FS_HD float FinalO(float o, float l, Format output) { return Round(o / l, output); }
FS_HD float FinalL(float m, float l, Format stats) {
  return Round(m + Round(LogF(l), stats), stats);
}

// ---- FlashAttention-1's row update (FP32; emulate_fa1.cpp and cuda/fa1.cu) -----------------

// l_new = e^(m_old - m_new) l_old + e^(r_m - m_new) l_blk, the first product fused into the add.
FS_HD float Fa1RowSum(float rescale, float l_old, float scale_blk, float l_blk) {
  return fmaf(rescale, l_old, scale_blk * l_blk);
}

// O_new = (l_old e^(m_old - m_new) O_old + e^(r_m - m_new) (P-tilde V)) / l_new for one element:
// the old output weighted back into a sum, the block's product added with one fmaf, and the
// division that FA1 pays at every step (FA2 divides once, at the end).
FS_HD float Fa1Output(float l_old, float rescale, float o_old, float scale_blk, float pv, float l_new) {
  return fmaf(l_old * rescale, o_old, scale_blk * pv) / l_new;
}

}  // namespace fs
