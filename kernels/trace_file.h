// Trace files: record every step on a GPU server, replay it on a laptop without one.
//
//   offset  size      content
//   0       8         magic "FSTRACE\0"
//   8       4         format version, uint32 little-endian (kTraceFormatVersion)
//   12      4         header length H in bytes, uint32 little-endian
//   16      H         header: UTF-8 JSON (problem, layout, step count, provenance, array sizes)
//   16+H    4*F       float32 little-endian: data (steps x step_floats), o (N x d), lse (N)
//   end-8   8         FNV-1a 64 of every byte before it, uint64 little-endian
//
// The step list is not stored: it is a pure function of the problem (PlanSteps), and the
// loader checks that the header's layout and step count agree with it.
// A windowed trace (Trace::window) stores only one Q block's step records: its header has
// "window": {"q_block": i, "held_steps": h}, and data is (h x step_floats), in slot order.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "atomic_file.h"
#include "trace.h"

namespace fs {

// The first 8 bytes of every trace file (the NUL included).
constexpr char kTraceMagic[] = "FSTRACE";

// 2: the step record gained r_m, r_s, m' and O-bar, and the problem its numeric policy.
// FA1's traces (problem "order": "fa1", FlashAttention-1's loop order) are version 2 files too:
// their layout lists the fields FA1 records; a file without "order" is FA2's.
constexpr uint32_t kTraceFormatVersion = 2;

// Anything wrong with a trace file, with the file name and what was wrong.
struct TraceFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Writes through an AtomicFile (atomic_file.h), so a failed save leaves an existing file as
// it was. Refuses a trace whose arrays do not fit its problem.
void SaveTrace(const std::string& path, const Trace& t);
// The same bytes into `file`, for commands that write several outputs together (throws
// TraceFileError or FileWriteError).
void WriteTrace(AtomicFile& file, const Trace& t);

// Verifies magic, version, header (format, encoding, problem, layout, sizes and shapes,
// provenance), sizes and checksum; refuses files larger than any trace could be before
// allocating anything.
Trace LoadTrace(const std::string& path);
// The same from bytes in memory; `name` stands for the file in messages.
Trace ParseTrace(const std::string& bytes, const std::string& name);

// FNV-1a 64 of `bytes`: a trace file ends with this of every byte before it.
uint64_t TraceChecksum(const std::string& bytes);
// FNV-1a 64 of a trace's numbers alone: every step record held, then O, then L, as their
// float bits. Two runs of one problem have the same digest exactly when they computed the same
// bits, whatever machine, backend or build ran them (the web page and the desktop app print it).
uint64_t TraceDigest(const Trace& t);

// One line for the status bar, e.g. "recorded with CUDA on NVIDIA H100 80GB HBM3
// (host gpu01) at 2026-11-22T10:00:00Z, kernel 0.12 ms".
std::string TraceProvenance(const Trace& t);

}  // namespace fs
