// Sections: the report · bars · roofline · memory footprint · fa2_mma's sweep · progress
#include "throughput_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "problem.h"

namespace fs {
namespace {

bool SameResultGroup(const BenchResult& a, const BenchResult& b) {
  return a.kernel == b.kernel && a.dtype == b.dtype && a.shape == b.shape;
}

// Reads "<name>=<digits>" at text[*at], advancing past it; false when it is not there.
bool ReadField(const std::string& text, size_t* at, const char* name, int* out) {
  const std::string prefix = std::string(name) + "=";
  if (text.compare(*at, prefix.size(), prefix) != 0) return false;
  size_t i = *at + prefix.size();
  int64_t value = 0;
  const size_t digits_from = i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - digits_from < 6) value = value * 10 + (text[i++] - '0');
  if (i == digits_from || (i < text.size() && text[i] >= '0' && text[i] <= '9')) return false;
  *out = static_cast<int>(value);
  *at = i;
  return true;
}

// The precision policy RunBench gives `dtype` under request r.
NumericPolicy RequestNumerics(const BenchRequest& r, Format dtype) {
  NumericPolicy np = r.numerics;
  if (!r.precision_set) np.precision = NaturalPrecision(dtype);
  return np;
}

bool IsSweepResult(const BenchResult& x, const LadderShape& shape) {
  return x.kernel == "fa2_mma" && x.shape == shape && x.dtype == Format::kBf16 && x.precision == "fa2-bf16" &&
         x.softmax == "standard";
}

// Decades that hold [lo, hi] (both > 0), at least one decade wide.
void DecadeRange(double lo, double hi, double* out_lo, double* out_hi) {
  *out_lo = std::pow(10.0, std::floor(std::log10(lo)));
  *out_hi = std::pow(10.0, std::ceil(std::log10(hi)));
  if (*out_hi <= *out_lo) *out_hi = *out_lo * 10.0;
}

}  // namespace

// ---- the report ------------------------------------------------------------------------------

std::string RecordedText(const BenchReport& r) {
  return "recorded on " + r.device + " at " + r.recorded_at + " (" + r.host + ")";
}

std::vector<LadderShape> ReportShapes(const BenchReport& r) {
  std::vector<LadderShape> shapes;
  for (const BenchResult& x : r.results)
    if (std::find(shapes.begin(), shapes.end(), x.shape) == shapes.end()) shapes.push_back(x.shape);
  return shapes;
}

GpuMemory GpuMemoryOf(const BenchReport& r) {
  if (r.device_memory_bytes > 0) return {r.device_memory_bytes, "recorded with the report"};
  // A number directly followed by "GB" and standing as its own word: "H100 80GB HBM3", "A100-SXM4-40GB".
  const std::string& name = r.device;
  for (size_t at = name.find("GB"); at != std::string::npos; at = name.find("GB", at + 1)) {
    size_t from = at;
    while (from > 0 && name[from - 1] >= '0' && name[from - 1] <= '9') --from;
    const bool word_end = at + 2 == name.size() || name[at + 2] == ' ';
    const bool word_start = from == 0 || name[from - 1] == ' ' || name[from - 1] == '-';
    if (from == at || at - from > 4 || !word_end || !word_start) continue;
    const uint64_t gb = std::stoull(name.substr(from, at - from));
    if (gb > 0) return {gb * 1000000000ull, name.substr(from, at + 2 - from) + " in the device name"};
  }
  return {};
}

bool ParseTileText(const std::string& text, MmaTile* out) {
  MmaTile t;
  size_t at = 0;
  if (!ReadField(text, &at, "Br", &t.br) || at >= text.size() || text[at++] != ' ' ||
      !ReadField(text, &at, "Bc", &t.bc) || t.br <= 0 || t.bc <= 0)
    return false;
  if (at != text.size()) {
    const std::string rest = text.substr(at);
    int warps = 0;
    size_t digits = 1;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9' && digits < 4)
      warps = warps * 10 + (rest[digits++] - '0');
    if (rest[0] != ' ' || digits == 1 || rest.substr(digits) != " warps" || warps <= 0) return false;
    t.warps = warps;
  }
  *out = t;
  return true;
}

// ---- bars ------------------------------------------------------------------------------------

double GemmCeiling(Format dtype, const BenchCeilings& c) {
  return dtype == Format::kFp32 ? c.gemm_fp32_tflops : c.gemm_bf16_tflops;
}

const char* GemmCeilingName(Format dtype) { return dtype == Format::kFp32 ? "FP32 GEMM" : "BF16 GEMM"; }

double PctOfGemm(const BenchResult& r, const BenchCeilings& c) {
  const double ceiling = GemmCeiling(r.dtype, c);
  return ceiling > 0 ? 100.0 * r.tflops / ceiling : 0.0;
}

std::vector<LadderRow> LadderRows(const BenchReport& r, const LadderShape& shape, const BenchRequest* live) {
  std::vector<LadderRow> rows;
  for (const KernelInfo& k : kKernels) {
    const size_t first = rows.size();
    for (const BenchResult& x : r.results) {
      if (x.kernel != k.name || x.shape != shape) continue;
      bool seen = false;
      for (size_t i = first; i < rows.size(); ++i) seen = seen || SameResultGroup(rows[i].result, x);
      if (seen) continue;  // a later tile of the same kernel and format: the sweep's
      LadderRow row;
      row.kernel = &k;
      row.present = true;
      row.result = x;
      rows.push_back(row);
    }
    if (rows.size() > first) continue;
    LadderRow row;
    row.kernel = &k;
    row.absent_note = "not in this report";
    if (live) {
      std::string why;
      bool runs_one = false;
      for (Format dtype : live->dtypes) {
        const std::string no = KernelRunsError(k, dtype, RequestNumerics(*live, dtype));
        runs_one = runs_one || no.empty();
        if (why.empty()) why = no;
      }
      row.absent_note = runs_one ? "not run yet" : why;
    }
    rows.push_back(row);
  }
  double fastest = 0;
  for (const LadderRow& row : rows)
    if (row.present && row.result.status == BenchStatus::kOk) fastest = std::max(fastest, row.result.tflops);
  for (LadderRow& row : rows) {
    if (!row.present || row.result.status != BenchStatus::kOk) continue;
    if (GemmCeiling(row.result.dtype, r.ceilings) > 0)
      row.bar_fraction = std::clamp(row.result.pct_of_gemm / 100.0, 0.0, 1.0);
    else if (fastest > 0)
      row.bar_fraction = row.result.tflops / fastest;
  }
  return rows;
}

// ---- roofline --------------------------------------------------------------------------------

double ArithmeticIntensity(const LadderShape& s, Format dtype) { return AttentionFlops(s) / CompulsoryBytes(s, dtype); }

double StandardTrafficBytes(const LadderShape& s, Format dtype) {
  const double n = s.n;
  return CompulsoryBytes(s, dtype) + 4.0 * static_cast<double>(s.BatchHeads()) * n * n * BytesOf(dtype);
}

double RoofTflops(double peak_tflops, double bandwidth_gbps, double intensity) {
  return std::min(peak_tflops, bandwidth_gbps * intensity / 1000.0);  // GB/s * FLOP/B = GFLOP/s
}

double RidgeIntensity(double peak_tflops, double bandwidth_gbps) {
  return bandwidth_gbps > 0 ? peak_tflops * 1000.0 / bandwidth_gbps : 0.0;
}

RooflineModel Roofline(const std::vector<LadderRow>& rows, const BenchCeilings& c) {
  RooflineModel m;
  m.bf16_peak = c.gemm_bf16_tflops;
  m.fp32_peak = c.gemm_fp32_tflops;
  m.copy_gbps = c.copy_gbps;
  double x_lo = INFINITY, x_hi = 0, y_lo = INFINITY, y_hi = 0;
  const auto include = [&](double x, double y) {
    if (x > 0) x_lo = std::min(x_lo, x), x_hi = std::max(x_hi, x);
    if (y > 0) y_lo = std::min(y_lo, y), y_hi = std::max(y_hi, y);
  };
  for (const LadderRow& row : rows) {
    if (!row.present || row.result.status != BenchStatus::kOk || !(row.result.tflops > 0)) continue;
    RooflinePoint p;
    p.label = std::string(row.kernel->name) + " " + FormatName(row.result.dtype);
    p.dtype = row.result.dtype;
    p.intensity = ArithmeticIntensity(row.result.shape, p.dtype);
    p.tflops = row.result.tflops;
    include(p.intensity, p.tflops);
    m.points.push_back(p);
    if (row.kernel->id == KernelId::kStandard) {
      p.label += ", S and P through HBM";
      p.intensity = AttentionFlops(row.result.shape) / StandardTrafficBytes(row.result.shape, p.dtype);
      p.with_scores = true;
      include(p.intensity, p.tflops);
      m.points.push_back(p);
    }
  }
  for (double peak : {m.bf16_peak, m.fp32_peak})
    if (peak > 0) include(RidgeIntensity(peak, m.copy_gbps), peak);
  if (x_hi == 0) x_lo = 1, x_hi = 1000;
  if (y_hi == 0) y_lo = 1, y_hi = 1000;
  DecadeRange(x_lo, x_hi, &m.x_min, &m.x_max);
  DecadeRange(y_lo, y_hi, &m.y_min, &m.y_max);
  return m;
}

// ---- memory footprint ------------------------------------------------------------------------

int LargestNThatFits(KernelId k, LadderShape s, Format dtype, uint64_t bytes) {
  const auto fits = [&](int n) {
    s.n = n;
    return KernelDeviceBytes(k, s, dtype) <= bytes;
  };
  if (!fits(1)) return 0;
  int lo = 1, hi = kMaxBenchN;  // fits(lo); the answer lies in [lo, hi]
  if (fits(hi)) return hi;
  while (hi - lo > 1) {
    const int mid = lo + (hi - lo) / 2;
    (fits(mid) ? lo : hi) = mid;
  }
  return lo;
}

FootprintModel Footprint(const LadderShape& shape, Format dtype, const GpuMemory& gpu) {
  FootprintModel m;
  m.shape = shape;
  m.dtype = dtype;
  m.gpu = gpu;
  for (int n = 256; n <= kMaxBenchN; n *= 2) {
    LadderShape s = shape;
    s.n = n;
    m.n.push_back(n);
    m.standard.push_back(static_cast<double>(KernelDeviceBytes(KernelId::kStandard, s, dtype)));
    m.flash.push_back(static_cast<double>(KernelDeviceBytes(KernelId::kFa2Mma, s, dtype)));
  }
  if (gpu.bytes > 0) {
    m.standard_largest_n = LargestNThatFits(KernelId::kStandard, shape, dtype, gpu.bytes);
    m.flash_largest_n = LargestNThatFits(KernelId::kFa2Mma, shape, dtype, gpu.bytes);
  }
  return m;
}

// ---- fa2_mma's Br x Bc sweep -------------------------------------------------------------------

std::string SweepTileText(MmaTile t) {
  return t.warps > 0 ? TileText(t) : "Br=" + std::to_string(t.br) + " Bc=" + std::to_string(t.bc);
}

std::string SweepTileNote(int d, MmaTile t) {
  if (Fa2MmaSweepTileFits(d, t)) return "";
  return "accumulators do not fit in registers at d=" + std::to_string(d);
}

SweepModel Fa2MmaSweep(const BenchReport& r, const LadderShape& shape) {
  SweepModel m;
  m.d = shape.d;
  if (!IsAllowed(kFa2MmaSweepD, shape.d)) {
    m.unavailable = "fa2_mma's Br x Bc sweep runs at d = 64 and 128, not " + std::to_string(shape.d);
    return m;
  }
  // The first result of each tile (bf16, fa2-bf16, standard softmax, this shape).
  std::vector<std::pair<MmaTile, const BenchResult*>> found;
  for (const BenchResult& x : r.results) {
    MmaTile t;
    if (!IsSweepResult(x, shape) || !ParseTileText(x.tile, &t)) continue;
    bool seen = false;
    for (const auto& f : found) seen = seen || f.first == t;
    if (!seen) found.push_back({t, &x});
  }
  if (found.empty()) {
    m.unavailable = "no fa2_mma results in bf16 with fa2-bf16 and the standard softmax at this shape: "
                    "`flashscope bench --sweep` times its tiles";
    return m;
  }
  m.warps_recorded = std::all_of(found.begin(), found.end(), [](const auto& f) { return f.first.warps > 0; });
  std::vector<MmaTile> rows;  // Br and warps of each row (warps 0 when not recorded)
  for (MmaTile t : kFa2MmaSweepTiles) {
    const MmaTile row{t.br, 0, m.warps_recorded ? t.warps : 0};
    if (std::find(rows.begin(), rows.end(), row) == rows.end()) rows.push_back(row);
    if (std::find(m.cols.begin(), m.cols.end(), t.bc) == m.cols.end()) m.cols.push_back(t.bc);
  }
  std::sort(m.cols.begin(), m.cols.end());
  for (const MmaTile& row : rows) {
    m.row_labels.push_back("Br=" + std::to_string(row.br) +
                           (row.warps ? ", " + std::to_string(row.warps) + " warps" : ", warps not recorded"));
    for (int bc : m.cols) {
      SweepCell cell;
      cell.tile = MmaTile{row.br, bc, row.warps};
      const BenchResult* x = nullptr;
      for (const auto& f : found)
        if (f.first.br == row.br && f.first.bc == bc && (!m.warps_recorded || f.first.warps == row.warps)) x = f.second;
      const bool in_sweep = !m.warps_recorded || std::find(std::begin(kFa2MmaSweepTiles), std::end(kFa2MmaSweepTiles),
                                                           cell.tile) != std::end(kFa2MmaSweepTiles);
      if (x && x->status == BenchStatus::kOk) {
        cell.has_value = true;
        cell.tflops = x->tflops;
      } else if (x) {
        cell.label = BenchStatusName(x->status);
        cell.note = cell.label + ": " + x->note;
      } else if (!in_sweep) {
        cell.label = "not in the sweep";
        cell.note = "not a tile of the sweep";
      } else if (m.warps_recorded && !SweepTileNote(shape.d, cell.tile).empty()) {
        cell.label = "does not fit";
        cell.note = SweepTileNote(shape.d, cell.tile);
      } else {
        cell.label = "not run";
        cell.note = "not in this report";
      }
      m.cells.push_back(cell);
    }
  }
  for (size_t i = 0; i < m.cells.size(); ++i)
    if (m.cells[i].has_value && (m.best < 0 || m.cells[i].tflops > m.cells[m.best].tflops)) m.best = static_cast<int>(i);
  return m;
}

// ---- progress --------------------------------------------------------------------------------

int ExpectedResults(const BenchRequest& r) {
  int count = 0;
  for (const LadderShape& s : r.shapes)
    for (Format dtype : r.dtypes) {
      const NumericPolicy np = RequestNumerics(r, dtype);
      for (const KernelInfo& k : kKernels) {
        const bool named = std::find(r.kernels.begin(), r.kernels.end(), k.name) != r.kernels.end();
        if (!r.kernels.empty() && !named) continue;
        if (!KernelRunsError(k, dtype, np).empty()) {
          count += named ? 1 : 0;  // a kernel asked for by name that cannot run says why
          continue;
        }
        int tiles = 1;
        if (k.id == KernelId::kFa2Mma && r.sweep && IsAllowed(kFa2MmaSweepD, s.d) && np.softmax == Softmax::kStandard &&
            PrecisionName(np.precision) == "fa2-bf16")
          tiles = static_cast<int>(std::count_if(std::begin(kFa2MmaSweepTiles), std::end(kFa2MmaSweepTiles),
                                                 [&](MmaTile t) { return Fa2MmaSweepTileFits(s.d, t); }));
        count += tiles;
      }
    }
  return count;
}

}  // namespace fs
