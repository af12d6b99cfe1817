// The throughput panel's model: what its views draw, computed from a bench report
// (kernels/bench.h) and the ladder's formulas (kernels/ladder.h). Plain C++ with no window and
// no thread, so that the tests call it directly and a build without threads has it too.
//
// Sections: the report · bars · roofline · memory footprint · fa2_mma's sweep · progress
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench.h"
#include "ladder.h"

namespace fs {

// ---- the report ------------------------------------------------------------------------------

// "recorded on NVIDIA H100 80GB HBM3 at 2026-11-22T08:34:54Z (vm)"
std::string RecordedText(const BenchReport& r);

// The shapes of the report's results, in the order they first appear.
std::vector<LadderShape> ReportShapes(const BenchReport& r);

// The GPU's memory: the report's device_memory_bytes when it recorded them, else the size the
// device's name states in GB ("NVIDIA H100 80GB HBM3": 80e9 bytes); 0 when neither says.
struct GpuMemory {
  uint64_t bytes = 0;
  std::string source;  // "recorded with the report", "80GB in the device name", "" when unknown
};
GpuMemory GpuMemoryOf(const BenchReport& r);

// Reads TileText's "Br=128 Bc=64 4 warps", and "Br=64 Bc=32" of reports that did not record
// the warps (warps 0). False for anything else.
bool ParseTileText(const std::string& text, MmaTile* out);

// ---- bars ------------------------------------------------------------------------------------

// The GEMM ceiling a result is measured against: FP32 kernels the FP32 GEMM, 16-bit ones the
// BF16 GEMM (0: not measured).
double GemmCeiling(Format dtype, const BenchCeilings& c);
const char* GemmCeilingName(Format dtype);  // "FP32 GEMM" or "BF16 GEMM"
// 100 * tflops / GemmCeiling, 0 without a ceiling: what RunBench writes into pct_of_gemm.
double PctOfGemm(const BenchResult& r, const BenchCeilings& c);

// One row of the bars: a kernel in one storage format at the shown shape, or a kernel the
// report has no result of, with the reason.
struct LadderRow {
  const KernelInfo* kernel = nullptr;
  bool present = false;
  BenchResult result;          // present: the kernel's first result for this shape and format (its
                               // default tile; a sweep's other tiles follow it in the report)
  std::string absent_note;     // not present: why
  double bar_fraction = 0;     // of the bar's full length: pct_of_gemm / 100 where the report has
                               // that ceiling, else TFLOP/s against the fastest row; 0 unless ok
};

// Rows in ladder order, formats in the order the report has them. `live`, when the report is
// the live ladder's, says why an absent kernel is absent (the formats or numerics it does not
// run, or not run yet); otherwise an absent kernel is "not in this report".
std::vector<LadderRow> LadderRows(const BenchReport& r, const LadderShape& shape, const BenchRequest* live = nullptr);

// ---- roofline --------------------------------------------------------------------------------

// FLOPs per compulsory byte (AttentionFlops / CompulsoryBytes).
double ArithmeticIntensity(const LadderShape& s, Format dtype);
// The roof at `intensity` FLOP/byte: min(peak, bandwidth * intensity), in TFLOP/s.
double RoofTflops(double peak_tflops, double bandwidth_gbps, double intensity);
// Where the bandwidth slope meets the peak, FLOP/byte (0 without a bandwidth).
double RidgeIntensity(double peak_tflops, double bandwidth_gbps);

// Bytes standard attention moves through HBM: the compulsory ones, and S and P four times over
// (B H N^2 elements in its format: S written, read and overwritten by P in the softmax, P read
// by P V); a causal run computes and stores all of S too.
double StandardTrafficBytes(const LadderShape& s, Format dtype);

struct RooflinePoint {
  std::string label;   // "fa2_mma bf16"
  Format dtype = Format::kFp32;
  double intensity = 0, tflops = 0;
  bool with_scores = false;  // standard's second point: x with S and P counted (StandardTrafficBytes)
};

struct RooflineModel {
  std::vector<RooflinePoint> points;   // the ok rows; standard's twice, with and without S and P
  double bf16_peak = 0, fp32_peak = 0; // GEMM ceilings, TFLOP/s (0: not measured)
  double copy_gbps = 0;                // copy bandwidth (0: not measured)
  double x_min = 0, x_max = 0;         // decades that hold the points and the ridges
  double y_min = 0, y_max = 0;
};
RooflineModel Roofline(const std::vector<LadderRow>& rows, const BenchCeilings& c);

// ---- memory footprint ------------------------------------------------------------------------

// The longest sequence (1..kMaxBenchN) whose run of kernel k at `s` (its N replaced) holds at most
// `bytes` of device memory (KernelDeviceBytes); 0 when not even N = 1 fits.
int LargestNThatFits(KernelId k, LadderShape s, Format dtype, uint64_t bytes);

struct FootprintModel {
  LadderShape shape;                   // B, H, d and causal of the curves; N is the marked one
  Format dtype = Format::kFp32;
  std::vector<double> n;               // powers of two from 256 to kMaxBenchN
  std::vector<double> standard, flash; // KernelDeviceBytes of standard and fa2 at each n
  GpuMemory gpu;
  int standard_largest_n = 0;          // LargestNThatFits for standard (0 when gpu.bytes is 0)
  int flash_largest_n = 0;
};
FootprintModel Footprint(const LadderShape& shape, Format dtype, const GpuMemory& gpu);

// ---- fa2_mma's Br x Bc sweep -------------------------------------------------------------------

// TileText, or "Br=64 Bc=32" for a tile whose warps were not recorded.
std::string SweepTileText(MmaTile t);

// Why fa2_mma's sweep leaves tile t out at head dimension d ("" when it fits).
std::string SweepTileNote(int d, MmaTile t);

struct SweepCell {
  MmaTile tile;                // warps 0: the report does not record them
  bool has_value = false;      // an ok result
  double tflops = 0;
  std::string note;            // without a value: why, in full
  std::string label;           // without a value: a few words for the cell ("does not fit", "not run")
};

struct SweepModel {
  std::string unavailable;             // why there is no sweep for the shape ("" when there is)
  int d = 0;
  bool warps_recorded = true;
  std::vector<std::string> row_labels; // "Br=64, 4 warps"; "Br=64, warps not recorded"
  std::vector<int> cols;               // Bc
  std::vector<SweepCell> cells;        // rows x cols, row-major
  int best = -1;                       // the cell of the most TFLOP/s
  int Rows() const { return static_cast<int>(row_labels.size()); }
};
// The sweep's results (fa2_mma, bf16, fa2-bf16, standard softmax) at `shape`: the grid of
// kFa2MmaSweepTiles, or of (Br, Bc) for a report whose tiles do not record their warps.
SweepModel Fa2MmaSweep(const BenchReport& r, const LadderShape& shape);

// ---- progress --------------------------------------------------------------------------------

// How many results RunBench gives for request r (fa2_mma's sweep counted by the tiles that fit).
int ExpectedResults(const BenchRequest& r);

}  // namespace fs
