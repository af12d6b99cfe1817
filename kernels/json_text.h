// JSON text from a file (lessons, trace headers), parsed within limits: nesting depth is
// bounded so that nothing downstream can recurse without end, and a number too large for a
// double is refused with the field it belongs to. Errors quote the text through excerpt.h.
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace fs {

struct JsonTextError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Real lessons and trace headers nest 4 levels; 64 leaves room and keeps every recursive
// walk of the value (comparison, copy, dump) shallow.
constexpr int kMaxJsonDepth = 64;

// Parses `text`; throws JsonTextError whose message starts with `where`, e.g.
//   lessons/x.json: not valid JSON at line 3, column 9: syntax error ... near "..."
//   lessons/x.json: field "problem.scale" is 1e400, too large for a number; allowed: ...
//   lessons/x.json: nesting deeper than 64 levels at "beats[0]"; allowed: at most 64
nlohmann::json ParseJsonText(const std::string& text, const std::string& where);

// The bytes of the file at `path`, refused when it holds more than max_bytes (having read
// max_bytes + 1 of it at most: a huge file, or a device that never ends, is not read whole).
// `what` names it in messages ("the lesson file"); throws JsonTextError:
//   x.json: cannot open the lesson file (No such file or directory)
//   x.json: the lesson file is larger than 1048576 bytes, the most it may be
std::string ReadJsonFile(const std::string& path, size_t max_bytes, const std::string& what);

}  // namespace fs
