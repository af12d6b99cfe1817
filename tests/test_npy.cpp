// .npy reading and writing: what numpy writes is read exactly, what we write numpy can read,
// and every refusal names the file and says what is allowed.
//
// Sections: helpers (temporary directory, hand-built .npy bytes) - round trips - refusals -
// Q, K, V.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "inputs.h"
#include "npy.h"
#include "problem.h"
#include "test_files.h"
#include "test_util.h"

using Catch::Matchers::Contains;

namespace {

using fs_test::F32Bytes;
using fs_test::NpyBytes;
using fs_test::ReadBytes;
using fs_test::TempDir;
using fs_test::WriteBytes;

std::string F16Bytes(const std::vector<uint16_t>& halves) {
  std::string out;
  for (uint16_t h : halves) {
    out.push_back(static_cast<char>(h & 0xFF));
    out.push_back(static_cast<char>(h >> 8));
  }
  return out;
}

uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

float FromBits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

std::vector<float> Ramp(size_t count, float step) {
  std::vector<float> v(count);
  for (size_t i = 0; i < count; ++i) v[i] = step * static_cast<float>(i) - 1.0f;
  return v;
}

const char* const kAllowedDtypes = "allowed: '<f4' (float32) or '<f2' (float16)";
const char* const kAllowedShapes =
    "allowed: a 2-D array (N, d) with N in 1..8192 and d one of 16, 32, 64, 96, 128";

}  // namespace

// ---- round trips ---------------------------------------------------------------------------

TEST_CASE("SaveNpy then LoadNpy gives back every float32 bit for bit", "[npy]") {
  TempDir dir;
  const std::string path = dir.File("values.npy");
  const std::vector<float> values = {
      0.0f,   -0.0f,        1.0f,  -2.5f,  std::numeric_limits<float>::infinity(),
      -std::numeric_limits<float>::infinity(), FromBits(0x7FC00123u),  // NaN with a payload
      std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::max(), 1e-30f};
  fs::SaveNpy(path, values.data(), {2, 5});

  const fs::NpyArray a = fs::LoadNpy(path);
  REQUIRE(a.dtype == "<f4");
  REQUIRE(a.shape == std::vector<size_t>{2, 5});
  REQUIRE(a.data.size() == values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    INFO("element " << i);
    REQUIRE(Bits(a.data[i]) == Bits(values[i]));
  }
}

TEST_CASE("SaveNpy writes format 1.0 with the header padded to 64 bytes, as numpy does",
          "[npy]") {
  TempDir dir;
  const std::string path = dir.File("o.npy");
  const auto values = Ramp(10, 0.25f);
  fs::SaveNpy(path, values.data(), {2, 5});

  const std::string bytes = ReadBytes(path);
  REQUIRE(bytes.substr(0, 6) == "\x93NUMPY");
  REQUIRE(bytes[6] == 1);
  REQUIRE(bytes[7] == 0);
  const size_t header_bytes = static_cast<unsigned char>(bytes[8]) |
                              static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8;
  REQUIRE((10 + header_bytes) % 64 == 0);
  const std::string header = bytes.substr(10, header_bytes);
  REQUIRE_THAT(header, Catch::Matchers::StartsWith(
                           "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 5), }"));
  REQUIRE(header.back() == '\n');
  REQUIRE(bytes.size() == 10 + header_bytes + 4 * values.size());
  REQUIRE(bytes.substr(10 + header_bytes) == F32Bytes(values));
}

TEST_CASE("SaveNpy spells 1-D and 0-D shapes the way numpy does", "[npy]") {
  TempDir dir;
  const auto values = Ramp(7, 1.0f);
  fs::SaveNpy(dir.File("vector.npy"), values.data(), {7});
  fs::SaveNpy(dir.File("scalar.npy"), values.data(), {});

  REQUIRE_THAT(ReadBytes(dir.File("vector.npy")), Contains("'shape': (7,), }"));
  REQUIRE_THAT(ReadBytes(dir.File("scalar.npy")), Contains("'shape': (), }"));
  REQUIRE(fs::LoadNpy(dir.File("vector.npy")).shape == std::vector<size_t>{7});
  const fs::NpyArray scalar = fs::LoadNpy(dir.File("scalar.npy"));
  REQUIRE(scalar.shape.empty());
  REQUIRE(scalar.data == std::vector<float>{values[0]});
}

TEST_CASE("LoadNpy converts float16 exactly, including subnormals, infinities and NaN",
          "[npy]") {
  TempDir dir;
  const std::string path = dir.File("half.npy");
  struct Case {
    uint16_t half;
    float expected;
  };
  const float two_pow_minus_24 = std::ldexp(1.0f, -24);
  const Case cases[] = {
      {0x0000, 0.0f},
      {0x8000, -0.0f},
      {0x3C00, 1.0f},
      {0xC000, -2.0f},
      {0x3555, 0.333251953125f},                      // nearest half to 1/3
      {0x7BFF, 65504.0f},                             // largest finite half
      {0x0400, std::ldexp(1.0f, -14)},                // smallest normal
      {0x0001, two_pow_minus_24},                     // smallest subnormal
      {0x03FF, 1023.0f * two_pow_minus_24},           // largest subnormal
      {0x8200, -512.0f * two_pow_minus_24},           // negative subnormal
      {0x7C00, std::numeric_limits<float>::infinity()},
      {0xFC00, -std::numeric_limits<float>::infinity()},
  };
  std::vector<uint16_t> halves;
  for (const Case& c : cases) halves.push_back(c.half);
  halves.push_back(0x7E00);  // quiet NaN
  halves.push_back(0xFD01);  // negative NaN with a payload
  WriteBytes(path, NpyBytes("{'descr': '<f2', 'fortran_order': False, 'shape': (2, 7), }",
                            F16Bytes(halves)));

  const fs::NpyArray a = fs::LoadNpy(path);
  REQUIRE(a.dtype == "<f2");
  REQUIRE(a.shape == std::vector<size_t>{2, 7});
  for (size_t i = 0; i < std::size(cases); ++i) {
    INFO("half 0x" << std::hex << cases[i].half);
    REQUIRE(Bits(a.data[i]) == Bits(cases[i].expected));
  }
  REQUIRE(std::isnan(a.data[12]));
  REQUIRE(std::isnan(a.data[13]));
  REQUIRE(std::signbit(a.data[13]));
}

TEST_CASE("LoadNpy reads format versions 2.0 and 3.0", "[npy]") {
  TempDir dir;
  const auto values = Ramp(6, 0.5f);
  for (int major : {2, 3}) {
    INFO("version " << major << ".0");
    const std::string path = dir.File("v" + std::to_string(major) + ".npy");
    WriteBytes(path, NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }",
                              F32Bytes(values), major));
    const fs::NpyArray a = fs::LoadNpy(path);
    REQUIRE(a.shape == std::vector<size_t>{3, 2});
    REQUIRE(a.data == values);
  }
}

TEST_CASE("LoadNpy accepts headers in any key order, with double quotes, without a trailing "
          "comma",
          "[npy]") {
  TempDir dir;
  const std::string path = dir.File("other_writer.npy");
  const auto values = Ramp(4, 1.0f);
  WriteBytes(path, NpyBytes("{\"shape\": [4, 1], \"fortran_order\": False, \"descr\": \"<f4\"}",
                            F32Bytes(values)));
  const fs::NpyArray a = fs::LoadNpy(path);
  REQUIRE(a.shape == std::vector<size_t>{4, 1});
  REQUIRE(a.data == values);
}

// ---- refusals --------------------------------------------------------------------------------

TEST_CASE("LoadNpy names a file that does not exist", "[npy]") {
  TempDir dir;
  const std::string path = dir.File("missing.npy");
  REQUIRE_THROWS_WITH(fs::LoadNpy(path), Contains(path) && Contains("cannot open for reading"));
}

TEST_CASE("LoadNpy refuses a directory given as a file", "[npy]") {
  TempDir dir;
  const std::string path = dir.File("");
  REQUIRE_THROWS_WITH(fs::LoadNpy(path), Contains(path) && Contains("not a regular file"));
}

TEST_CASE("LoadNpy refuses a file without the .npy magic", "[npy]") {
  TempDir dir;
  const std::string path = dir.File("text.npy");
  WriteBytes(path, "q,k,v\n1,2,3\n");
  REQUIRE_THROWS_AS(fs::LoadNpy(path), fs::NpyError);
  REQUIRE_THROWS_WITH(fs::LoadNpy(path), Contains(path) && Contains("not a .npy file"));
}

TEST_CASE("LoadNpy refuses big-endian float32 and says which dtypes are allowed", "[npy]") {
  TempDir dir;
  const std::string path = dir.File("big.npy");
  WriteBytes(path, NpyBytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }",
                            std::string(8, '\0')));
  REQUIRE_THROWS_WITH(fs::LoadNpy(path), Contains(path) && Contains("'>f4' is big-endian") &&
                                             Contains(kAllowedDtypes));
}

TEST_CASE("LoadNpy refuses uint8 data and says which dtypes are allowed", "[npy]") {
  TempDir dir;
  const std::string path = dir.File("bytes.npy");
  WriteBytes(path, NpyBytes("{'descr': '|u1', 'fortran_order': False, 'shape': (4,), }",
                            std::string(4, '\0')));
  REQUIRE_THROWS_WITH(fs::LoadNpy(path), Contains(path) && Contains("'|u1' is not supported") &&
                                             Contains(kAllowedDtypes));
}

TEST_CASE("LoadNpy refuses Fortran order and says C order is needed", "[npy]") {
  TempDir dir;
  const std::string path = dir.File("fortran.npy");
  WriteBytes(path, NpyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
                            F32Bytes(Ramp(4, 1.0f))));
  REQUIRE_THROWS_WITH(fs::LoadNpy(path), Contains(path) && Contains("Fortran") &&
                                             Contains("allowed: C order"));
}

TEST_CASE("LoadNpy refuses a format version it does not know", "[npy]") {
  TempDir dir;
  const std::string path = dir.File("future.npy");
  std::string bytes = NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
                               F32Bytes({1.0f}), 2);
  bytes[6] = 4;
  WriteBytes(path, bytes);
  REQUIRE_THROWS_WITH(fs::LoadNpy(path), Contains(path) && Contains("version 4.0") &&
                                             Contains("allowed: 1.0, 2.0, 3.0"));
}

TEST_CASE("LoadNpy reports a file cut off inside its header as truncated", "[npy]") {
  TempDir dir;
  const std::string path = dir.File("cut_header.npy");
  const std::string whole = NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
                                     F32Bytes({1.0f, 2.0f}));
  for (size_t keep : {8, 9, 40}) {
    INFO("kept " << keep << " bytes");
    WriteBytes(path, whole.substr(0, keep));
    REQUIRE_THROWS_WITH(fs::LoadNpy(path), Contains(path) && Contains("truncated"));
  }
}

TEST_CASE("LoadNpy reports data cut short, with the bytes needed and found", "[npy]") {
  TempDir dir;
  const std::string path = dir.File("cut_data.npy");
  const std::string whole = NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 5), }",
                                     F32Bytes(Ramp(10, 1.0f)));
  WriteBytes(path, whole.substr(0, whole.size() - 3));
  REQUIRE_THROWS_WITH(fs::LoadNpy(path),
                      Contains(path) && Contains("truncated") &&
                          Contains("needs 40 bytes of data but the file holds only 37"));
}

TEST_CASE("LoadNpy reports a header that is not a dictionary literal", "[npy]") {
  TempDir dir;
  const std::string path = dir.File("garbled.npy");
  WriteBytes(path, NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 5)",
                            F32Bytes(Ramp(10, 1.0f))));
  REQUIRE_THROWS_WITH(fs::LoadNpy(path), Contains(path) && Contains("header is malformed"));
}

TEST_CASE("LoadNpy reports a header that lacks one of its three keys", "[npy]") {
  TempDir dir;
  const std::string path = dir.File("no_order.npy");
  WriteBytes(path, NpyBytes("{'descr': '<f4', 'shape': (2,), }", F32Bytes({1.0f, 2.0f})));
  REQUIRE_THROWS_WITH(fs::LoadNpy(path), Contains(path) && Contains("lacks 'fortran_order'"));
}

TEST_CASE("SaveNpy names a file it cannot create", "[npy]") {
  TempDir dir;
  const std::string path = dir.File("no_such_dir/o.npy");
  const float one = 1.0f;
  REQUIRE_THROWS_AS(fs::SaveNpy(path, &one, {1}), fs::NpyError);
  REQUIRE_THROWS_WITH(fs::SaveNpy(path, &one, {1}),
                      Contains(path) && Contains("cannot save") &&
                          Contains("No such file or directory"));
}

// ---- Q, K, V ---------------------------------------------------------------------------------

TEST_CASE("LoadQkvNpy returns N, d and the three arrays, float16 converted", "[npy]") {
  TempDir dir;
  const auto q = Ramp(40 * 16, 0.001f), k = Ramp(40 * 16, 0.002f);
  fs::SaveNpy(dir.File("q.npy"), q.data(), {40, 16});
  fs::SaveNpy(dir.File("k.npy"), k.data(), {40, 16});
  const std::vector<uint16_t> ones(40 * 16, 0x3C00);
  WriteBytes(dir.File("v.npy"),
             NpyBytes("{'descr': '<f2', 'fortran_order': False, 'shape': (40, 16), }",
                      F16Bytes(ones)));

  const fs::Inputs in = fs::LoadQkvNpy(dir.File("q.npy"), dir.File("k.npy"), dir.File("v.npy"));
  REQUIRE(in.n == 40);
  REQUIRE(in.d == 16);
  REQUIRE(in.q == q);
  REQUIRE(in.k == k);
  REQUIRE(in.v == std::vector<float>(40 * 16, 1.0f));
}

TEST_CASE("MakeInputs with pattern npy gives the files' contents to every backend", "[npy]") {
  TempDir dir;
  const auto q = Ramp(20 * 32, 0.01f), k = Ramp(20 * 32, -0.01f), v = Ramp(20 * 32, 0.003f);
  fs::SaveNpy(dir.File("q.npy"), q.data(), {20, 32});
  fs::SaveNpy(dir.File("k.npy"), k.data(), {20, 32});
  fs::SaveNpy(dir.File("v.npy"), v.data(), {20, 32});
  fs::Problem p;
  p.n = 20;
  p.d = 32;
  p.pattern = fs::Pattern::kNpy;
  p.q_path = dir.File("q.npy");
  p.k_path = dir.File("k.npy");
  p.v_path = dir.File("v.npy");

  const fs::Inputs in = fs::MakeInputs(p);
  REQUIRE(in.q == q);
  REQUIRE(in.k == k);
  REQUIRE(in.v == v);
}

TEST_CASE("LoadQkvNpy refuses an array that is not 2-D, naming it and the allowed shapes",
          "[npy]") {
  TempDir dir;
  const auto values = Ramp(4 * 16 * 2, 0.01f);
  fs::SaveNpy(dir.File("q.npy"), values.data(), {8, 16});
  fs::SaveNpy(dir.File("k.npy"), values.data(), {4, 16, 2});
  fs::SaveNpy(dir.File("v.npy"), values.data(), {8, 16});
  REQUIRE_THROWS_WITH(
      fs::LoadQkvNpy(dir.File("q.npy"), dir.File("k.npy"), dir.File("v.npy")),
      Contains(dir.File("k.npy")) && Contains("(4, 16, 2), which is 3-D") &&
          Contains(kAllowedShapes));
}

TEST_CASE("LoadQkvNpy refuses Q, K and V of different shapes, naming the odd one", "[npy]") {
  TempDir dir;
  const auto values = Ramp(16 * 32, 0.01f);
  fs::SaveNpy(dir.File("q.npy"), values.data(), {16, 32});
  fs::SaveNpy(dir.File("k.npy"), values.data(), {16, 32});
  fs::SaveNpy(dir.File("v.npy"), values.data(), {32, 16});
  REQUIRE_THROWS_WITH(
      fs::LoadQkvNpy(dir.File("q.npy"), dir.File("k.npy"), dir.File("v.npy")),
      Contains(dir.File("v.npy")) && Contains("(32, 16)") && Contains("(16, 32)") &&
          Contains("must have the same shape"));
}

TEST_CASE("LoadQkvNpy refuses N outside 1..kMaxStepN", "[npy]") {
  TempDir dir;
  const std::vector<float> values((fs::kMaxStepN + 1) * 16, 0.5f);
  for (size_t n : {size_t{0}, static_cast<size_t>(fs::kMaxStepN + 1)}) {
    INFO("N = " << n);
    fs::SaveNpy(dir.File("q.npy"), values.data(), {n, 16});
    REQUIRE_THROWS_WITH(
        fs::LoadQkvNpy(dir.File("q.npy"), dir.File("q.npy"), dir.File("q.npy")),
        Contains(dir.File("q.npy")) && Contains("N = " + std::to_string(n)) &&
            Contains(kAllowedShapes));
  }
}

TEST_CASE("LoadQkvNpy refuses a head dimension that is not in kAllowedD", "[npy]") {
  TempDir dir;
  const auto values = Ramp(8 * 48, 0.01f);
  fs::SaveNpy(dir.File("q.npy"), values.data(), {8, 48});
  REQUIRE_THROWS_WITH(fs::LoadQkvNpy(dir.File("q.npy"), dir.File("q.npy"), dir.File("q.npy")),
                      Contains(dir.File("q.npy")) && Contains("d = 48 is not supported") &&
                          Contains(kAllowedShapes));
}
