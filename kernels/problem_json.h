// A Problem as JSON, shared by trace files (the header's "problem") and lesson files.
//
//   {"n": 256, "d": 64, "br": 64, "bc": 64, "causal": false, "scale": 0.0, "seed": 1,
//    "pattern": "random", "rank": 4, ..., "order": "fa2"}  plus "q", "k", "v" for "npy"
//
// Reading is strict so that a typo in a lesson file is reported rather than ignored:
// missing keys keep Problem's defaults, but unknown keys, wrong types and values that
// ProblemErrors() refuses throw ProblemError naming the place, the field and what is allowed.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "problem.h"

namespace fs {

// Every field; q, k, v only when the pattern is npy.
nlohmann::json ProblemToJson(const Problem& p);

// `where` says where `j` came from, e.g. "lessons/intro.json: problem"; every message starts
// with it: `lessons/intro.json: problem: field "br" is 48; allowed: 16, 32, 64, 128`.
// Several problems are reported together, one per line.
Problem ProblemFromJson(const nlohmann::json& j, const std::string& where);

}  // namespace fs
