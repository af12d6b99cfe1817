#include "ladder.h"

#include <limits>

#include "problem.h"

namespace fs {

const KernelInfo kKernels[4] = {
    {KernelId::kStandard, "standard", "Standard attention (cuBLAS)",
     "S = QK^T and P = softmax(S) written to HBM: N^2 memory and traffic", false, true, true, true},
    {KernelId::kFa1, "fa1", "FlashAttention-1 loop order",
     "tiles and online softmax, K/V blocks outer: O, m, l re-read and re-written each step", true,
     true, false, false},
    {KernelId::kFa2Teach, "fa2_teach", "FlashAttention-2, teaching kernel",
     "Q blocks outer, deferred rescaling, split-Q; FP32 on CUDA cores, readable and traced", true,
     true, false, false},
    {KernelId::kFa2Mma, "fa2_mma", "FlashAttention-2 on tensor cores",
     "mma.sync, ldmatrix, cp.async, swizzled shared memory, exp2: the fast FA2", false, false, true,
     true},
};

const KernelInfo* FindKernel(const std::string& name) {
  for (const KernelInfo& k : kKernels)
    if (name == k.name) return &k;
  return nullptr;
}

const KernelInfo& KernelOf(KernelId id) {
  for (const KernelInfo& k : kKernels)
    if (k.id == id) return k;
  return kKernels[0];  // unreachable: every id is in the table
}

std::string KernelChoices() {
  std::string out;
  for (const KernelInfo& k : kKernels) out += (out.empty() ? "" : ", ") + std::string(k.name);
  return out;
}

Precision NaturalPrecision(Format dtype) {
  const char* name = dtype == Format::kBf16 ? "fa2-bf16" : dtype == Format::kFp16 ? "fa2-fp16" : "fp32";
  Precision p;
  ParsePrecisionPreset(name, &p);
  return p;
}

int BytesOf(Format dtype) { return dtype == Format::kFp32 ? 4 : 2; }

std::string KernelRunsError(const KernelInfo& k, Format dtype, const NumericPolicy& np) {
  const bool stored = dtype == Format::kFp32 ? k.runs_fp32 : dtype == Format::kBf16 ? k.runs_bf16 : k.runs_fp16;
  const std::string who = std::string(k.name) + " ";
  if (!stored) {
    std::string formats;
    if (k.runs_fp32) formats += "fp32";
    if (k.runs_bf16) formats += std::string(formats.empty() ? "" : ", ") + "bf16";
    if (k.runs_fp16) formats += std::string(formats.empty() ? "" : ", ") + "fp16";
    return who + "stores Q, K, V and O in " + formats + ", not " + FormatName(dtype);
  }
  const std::string policy = PrecisionName(np.precision);
  switch (k.id) {
    case KernelId::kStandard:
    case KernelId::kFa1:
      if (np.precision != NaturalPrecision(dtype))
        return who + "runs the " + PrecisionName(NaturalPrecision(dtype)) + " preset in " +
               FormatName(dtype) + ", not " + policy;
      if (np.softmax != Softmax::kStandard) return who + "runs the standard softmax only";
      return "";
    case KernelId::kFa2Teach:
      return "";
    case KernelId::kFa2Mma:
      if (dtype == Format::kBf16 && (policy == "fa2-bf16" || policy == "paper-bf16")) return "";
      if (dtype == Format::kFp16 && policy == "fa2-fp16") return "";
      return who + "runs fa2-bf16 or paper-bf16 in bf16 and fa2-fp16 in fp16, not " + policy +
             " in " + FormatName(dtype);
  }
  return "";
}

std::string ShapeText(const LadderShape& s) {
  return std::to_string(s.batch) + "x" + std::to_string(s.heads) + "x" + std::to_string(s.n) + "x" +
         std::to_string(s.d) + (s.causal ? "c" : "");
}

bool ParseShapeText(std::string text, LadderShape* out) {
  LadderShape shape;
  if (!text.empty() && (text.back() == 'c' || text.back() == 'C')) {
    shape.causal = true;
    text.pop_back();
  }
  int* fields[4] = {&shape.batch, &shape.heads, &shape.n, &shape.d};
  size_t begin = 0;
  for (int i = 0; i < 4; ++i) {
    const size_t end = i < 3 ? text.find('x', begin) : text.size();
    if (end == std::string::npos || end == begin || end - begin > 10) return false;
    int64_t value = 0;
    for (size_t c = begin; c < end; ++c) {
      if (text[c] < '0' || text[c] > '9') return false;
      value = value * 10 + (text[c] - '0');
    }
    if (value > std::numeric_limits<int>::max()) return false;
    *fields[i] = static_cast<int>(value);
    begin = end + 1;
  }
  *out = shape;
  return true;
}

double AttentionFlops(const LadderShape& s) {
  const double n = s.n;
  return 4.0 * static_cast<double>(s.BatchHeads()) * n * n * s.d * (s.causal ? 0.5 : 1.0);
}

double CompulsoryBytes(const LadderShape& s, Format dtype) {
  const double rows = static_cast<double>(s.BatchHeads()) * s.n;
  return rows * s.d * 4.0 * BytesOf(dtype) + rows * 4.0;
}

uint64_t KernelDeviceBytes(KernelId k, const LadderShape& s, Format dtype) {
  const uint64_t rows = s.BatchHeads() * static_cast<uint64_t>(s.n);
  const uint64_t io = rows * s.d * 4 * BytesOf(dtype) + rows * 4;  // Q, K, V, O; L
  if (k == KernelId::kStandard) return io + rows * static_cast<uint64_t>(s.n) * BytesOf(dtype);
  if (k == KernelId::kFa1) return io + rows * 8;  // l and m of every row, kept in HBM
  return io;
}

std::string TileText(MmaTile t) {
  return "Br=" + std::to_string(t.br) + " Bc=" + std::to_string(t.bc) + " " + std::to_string(t.warps) + " warps";
}

Precision KernelPrecision(const KernelInfo& k, Format dtype, const Precision& asked) {
  Precision p = asked;
  if (k.id == KernelId::kStandard && dtype != Format::kFp32) p.scores = p.pbar = dtype;
  return p;
}

double ValidationTolerance(const NumericPolicy& np) {
  const Precision& p = np.precision;
  if (p.AllFp32()) return 1e-4;
  if (p.acc != Format::kFp32 || p.block != Format::kFp32 || p.stats != Format::kFp32) return 0.1;
  bool bf16 = false;
  for (const PrecisionStage& stage : kPrecisionStages) bf16 = bf16 || p.*stage.member == Format::kBf16;
  return (bf16 ? 2e-2 : 5e-3) * (p.scores != Format::kFp32 ? 2.0 : 1.0);
}

size_t Fa2TeachSmemBytes(int br, int bc, int d) {
  const size_t q_tile = static_cast<size_t>(br) * d;
  const size_t kv_tile = static_cast<size_t>(bc) * (d + 1);
  const size_t sp_tile = static_cast<size_t>(br) * bc;
  return (q_tile + kv_tile + sp_tile) * sizeof(float);
}

size_t Fa1SmemBytes(int br, int bc, int d) {
  const size_t kv_tiles = 2 * static_cast<size_t>(bc) * (d + 1);
  const size_t q_tile = static_cast<size_t>(br) * d;
  const size_t sp_tile = static_cast<size_t>(br) * bc;
  return (kv_tiles + q_tile + sp_tile) * sizeof(float);
}

}  // namespace fs
