// .npy files: load Q, K, V from a user's own model (float32 or float16, shape N x d, C order)
// and save O and L. Errors name the file and what was wrong with it.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "inputs.h"

namespace fs {

struct NpyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct NpyArray {
  std::vector<size_t> shape;
  std::vector<float> data;   // converted to float32, C order
  std::string dtype;         // as stored: "<f4" or "<f2"
};

// Reads a little-endian float32 ("<f4") or float16 ("<f2") array in C order (format 1.0,
// 2.0 or 3.0). Throws NpyError naming the file for anything else: missing file, bad magic,
// unsupported dtype or version, Fortran order, truncated data.
NpyArray LoadNpy(const std::string& path);

// Writes float32 "<f4" in C order, format 1.0. Throws NpyError if the file cannot be written
// or shape does not match the data size.
void SaveNpy(const std::string& path, const float* data, const std::vector<size_t>& shape);

// Q, K, V from three files: each must be 2-D (N, d) with the same N and d, N in 1..kMaxStepN,
// d one of kAllowedD. Throws NpyError naming the file and the allowed shapes.
Inputs LoadQkvNpy(const std::string& q_path, const std::string& k_path,
                  const std::string& v_path);

}  // namespace fs
