// Hand-built input files for the tests, the mutation test and the fuzz harnesses: .npy bytes
// as numpy lays them out, and trace files whose header is replaced with the length and
// checksum fixed up, so that only the change under test is wrong with them.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "problem.h"
#include "trace_file.h"

namespace fs_test {

// A problem small enough to run in microseconds: N=32, d=16, Br=Bc=16 (4 steps).
inline fs::Problem SmallProblem() {
  fs::Problem p;
  p.n = 32;
  p.d = 16;
  p.br = 16;
  p.bc = 16;
  return p;
}

// A .npy file: magic, version, header length, the header dict padded with spaces and a
// newline to a multiple of 64 bytes, then the data.
inline std::string NpyBytes(const std::string& dict, const std::string& data, int major = 1) {
  const size_t length_bytes = major == 1 ? 2 : 4;
  std::string header = dict;
  const size_t unpadded = 8 + length_bytes + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::string out = "\x93NUMPY";
  out.push_back(static_cast<char>(major));
  out.push_back('\0');
  for (size_t b = 0; b < length_bytes; ++b)
    out.push_back(static_cast<char>((header.size() >> (8 * b)) & 0xFF));
  return out + header + data;
}

inline std::string F32Bytes(const std::vector<float>& values) {
  std::string out;
  for (float v : values) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    for (int b = 0; b < 4; ++b) out.push_back(static_cast<char>((bits >> (8 * b)) & 0xFF));
  }
  return out;
}

inline uint64_t GetLe(const std::string& bytes, size_t at, int count) {
  uint64_t v = 0;
  for (int i = count - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
  return v;
}

inline void PutLe(std::string* bytes, size_t at, uint64_t v, int count) {
  for (int i = 0; i < count; ++i) (*bytes)[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

constexpr size_t kTracePrefixBytes = 16;   // magic, version, header length
constexpr size_t kTraceChecksumBytes = 8;

// The header text of trace file bytes (empty when the file is too short to hold one).
inline std::string TraceHeader(const std::string& file) {
  if (file.size() < kTracePrefixBytes) return "";
  const size_t length = static_cast<size_t>(GetLe(file, 12, 4));
  return length <= file.size() - kTracePrefixBytes ? file.substr(kTracePrefixBytes, length) : "";
}

// Writes a fresh checksum over everything before the last 8 bytes.
inline void FixTraceChecksum(std::string* file) {
  if (file->size() < kTracePrefixBytes + kTraceChecksumBytes) return;
  const size_t body = file->size() - kTraceChecksumBytes;
  PutLe(file, body, fs::TraceChecksum(file->substr(0, body)), kTraceChecksumBytes);
}

// `file` with its header replaced by `header`, the length and checksum fixed up.
inline std::string WithTraceHeader(const std::string& file, const std::string& header) {
  const size_t old_length = static_cast<size_t>(GetLe(file, 12, 4));
  std::string out = file.substr(0, kTracePrefixBytes) + header + file.substr(kTracePrefixBytes + old_length);
  PutLe(&out, 12, header.size(), 4);
  FixTraceChecksum(&out);
  return out;
}

}  // namespace fs_test
