#include "url_query.h"

#include <cctype>
#include <cstdlib>

namespace fs {
namespace {

bool PlainName(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  return true;
}

std::string Stem(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0) name.resize(name.size() - 5);
  return name;
}

}  // namespace

UrlChoice ParseUrlQuery(const std::string& query) {
  UrlChoice c;
  size_t i = !query.empty() && query[0] == '?' ? 1 : 0;
  while (i < query.size()) {
    const size_t amp = query.find('&', i);
    const std::string part = query.substr(i, amp == std::string::npos ? std::string::npos : amp - i);
    i = amp == std::string::npos ? query.size() : amp + 1;
    const size_t eq = part.find('=');
    const std::string key = part.substr(0, eq), value = eq == std::string::npos ? "" : part.substr(eq + 1);
    if (key == "lesson") {
      if (PlainName(value))
        c.lesson = value;
      else
        c.refused += "lesson \"" + value.substr(0, 64) + "\" is not a lesson's name (letters, digits, _ and -); ";
    } else if (key == "beat") {
      char* end = nullptr;
      const long b = std::strtol(value.c_str(), &end, 10);
      if (!value.empty() && *end == '\0' && b >= 1 && b <= 1000)
        c.beat = static_cast<int>(b);
      else
        c.refused += "beat \"" + value.substr(0, 16) + "\" is not a beat number (1, 2, ...); ";
    }
  }
  if (!c.refused.empty()) c.refused.resize(c.refused.size() - 2);
  return c;
}

std::string UrlQueryFor(const std::string& lesson_path, int beat) {
  return "?lesson=" + Stem(lesson_path) + "&beat=" + std::to_string(beat + 1);
}

}  // namespace fs
