// Quoting what a file holds in an error message, safely: a file can hold terminal escape
// sequences, megabytes on one line, or JSON nested 100,000 deep. Every message that shows
// bytes or values from a file shows them through these functions.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace fs {

constexpr size_t kExcerptChars = 80;  // at most this many characters of the file's bytes

// `bytes` in double quotes, printable ASCII only: a quote or backslash is escaped, any other
// byte outside 0x20..0x7E is written \xNN. Longer input is cut after kExcerptChars characters
// of output and marked "... (N bytes)".
std::string Excerpt(const std::string& bytes);

// The kExcerptChars bytes around position `at` of `text`, quoted as Excerpt() does, with
// "..." where the excerpt starts or ends inside the text.
std::string ExcerptAround(const std::string& text, size_t at);

// A JSON value for a message: scalars as written (strings quoted by Excerpt()), arrays and
// objects as their first few items, at most kExcerptChars characters; never recurses more
// than a few levels, whatever the value's depth.
std::string JsonExcerpt(const nlohmann::json& value);

// Whether `text` holds a control character (below 0x20, or 0x7F): such text would act on a
// terminal or break a one-line display.
bool HasControlChars(const std::string& text);

// Unicode code points in UTF-8 `text` (bytes that do not continue a sequence).
size_t Utf8Length(const std::string& text);

}  // namespace fs
