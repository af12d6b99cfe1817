// printf into a std::string, for messages and labels built from numbers.
#pragma once

#include <string>

namespace fs {

// Formats like std::snprintf; the result is cut at 1023 characters.
std::string Printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace fs
