#include "printf.h"

#include <cstdarg>
#include <cstdio>

namespace fs {

std::string Printf(const char* fmt, ...) {
  char buf[1024];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  return buf;
}

}  // namespace fs
