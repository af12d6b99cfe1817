// .npy files: load Q, K, V from a user's own model (float32 or float16, shape N x d, C order)
// and save O and L. Errors name the file and what was wrong with it.
#pragma once

#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "atomic_file.h"
#include "inputs.h"

namespace fs {

// The first bytes of every .npy file.
constexpr char kNpyMagic[] = "\x93NUMPY";
constexpr size_t kNpyMagicBytes = 6;

struct NpyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct NpyArray {
  std::vector<size_t> shape;
  std::vector<float> data;   // converted to float32, C order
  std::string dtype;         // as stored: "<f4" or "<f2"
};

// A rule on the shape, checked once the header is read and before any data is: it throws
// NpyError to refuse the file.
using NpyShapeCheck = std::function<void(const std::vector<size_t>& shape)>;

// Reads a little-endian float32 ("<f4") or float16 ("<f2") array in C order (format 1.0,
// 2.0 or 3.0). Throws NpyError naming the file for anything else: missing file, bad magic,
// unsupported dtype or version, Fortran order, a malformed or deeply nested header,
// truncated data, a shape that check_shape refuses.
NpyArray LoadNpy(const std::string& path, const NpyShapeCheck& check_shape = nullptr);
// The same from bytes in memory; `name` stands for the file in messages.
NpyArray ParseNpy(const std::string& bytes, const std::string& name,
                  const NpyShapeCheck& check_shape = nullptr);

// Writes float32 "<f4" in C order, format 1.0, through an AtomicFile: an existing file is
// replaced only by a complete one. Throws NpyError if the file cannot be written or shape
// does not match the data size.
void SaveNpy(const std::string& path, const float* data, const std::vector<size_t>& shape);
// The same bytes into `file`, for commands that write several outputs together (throws
// NpyError or FileWriteError).
void WriteNpy(AtomicFile& file, const float* data, const std::vector<size_t>& shape);

// Q, K, V from three files: each must be 2-D (N, d) with the same N and d, N in 1..kMaxStepN,
// d one of kAllowedD, checked before the data is read, and every value finite. Throws
// NpyError naming the file and the allowed shapes, or the first non-finite value's place.
Inputs LoadQkvNpy(const std::string& q_path, const std::string& k_path,
                  const std::string& v_path);

}  // namespace fs
