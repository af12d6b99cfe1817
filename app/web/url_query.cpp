#include "url_query.h"

#include <cctype>
#include <cerrno>
#include <algorithm>
#include <cstdlib>

#include "precision.h"
#include "problem.h"
#include "problem_json.h"

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

// "200" -> 200 (unsigned, as JSON reads it), "0.5" -> 0.5, "true" -> true, anything else the text.
nlohmann::json UrlValue(const std::string& v) {
  if (v == "true") return true;
  if (v == "false") return false;
  if (!v.empty()) {
    char* end = nullptr;
    errno = 0;
    if (v[0] != '-') {  // up to 2^64 - 1, as seeds are
      const unsigned long long u = std::strtoull(v.c_str(), &end, 10);
      if (*end == '\0' && errno == 0) return u;
    } else {
      const long long i = std::strtoll(v.c_str(), &end, 10);
      if (*end == '\0' && errno == 0) return i;
    }
    const double d = std::strtod(v.c_str(), &end);
    if (*end == '\0') return d;
  }
  return v;
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
    } else if (key == "q" || key == "k" || key == "v" || key == "dout") {
      c.refused += key + " names a file, which a link cannot give the page; ";
    } else if (key == "beat") {
      char* end = nullptr;
      const long b = std::strtol(value.c_str(), &end, 10);
      if (!value.empty() && *end == '\0' && b >= 1 && b <= 1000)
        c.beat = static_cast<int>(b);
      else
        c.refused += "beat \"" + value.substr(0, 16) + "\" is not a beat number (1, 2, ...); ";
    } else if (const size_t dot = key.find('.'); dot != std::string::npos && dot > 0 && dot + 1 < key.size()) {
      // precision.scores=bf16: one stage of a precision that is no preset
      nlohmann::json& group = c.problem[key.substr(0, std::min<size_t>(dot, 32))];
      if (!group.is_object()) group = nlohmann::json::object();
      group[key.substr(dot + 1, 32)] = UrlValue(value.substr(0, 64));
    } else if (!key.empty()) {
      c.problem[key.substr(0, 32)] = UrlValue(value.substr(0, 64));
    }
  }
  if (!c.refused.empty()) c.refused.resize(c.refused.size() - 2);
  return c;
}

std::string UrlQueryFor(const std::string& lesson_path, int beat, const Problem& beat_problem, const Problem& shown) {
  std::string query = "?lesson=" + Stem(lesson_path) + "&beat=" + std::to_string(beat + 1);
  if (shown.pattern == Pattern::kNpy) return query;
  const auto text = [](const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
  const nlohmann::json base = ProblemToJson(beat_problem), now = ProblemToJson(shown);
  for (const auto& [key, value] : now.items()) {
    if (base.contains(key) && base[key] == value) continue;
    if (key == "precision" && PrecisionName(shown.precision) == "custom") {
      for (const auto& [stage, format] : value.items())  // the stages that differ, one by one
        if (base[key][stage] != format) query += "&" + key + "." + stage + "=" + text(format);
    } else if (key == "precision") {
      query += "&precision=" + PrecisionName(shown.precision);
    } else {
      query += "&" + key + "=" + text(value);
    }
  }
  return query;
}

std::string ApplyUrlProblem(const nlohmann::json& fields, Problem* p) {
  if (fields.empty()) return "";
  nlohmann::json merged = ProblemToJson(*p);
  merged.merge_patch(fields);
  try {
    *p = ProblemFromJson(merged, "the URL");
    return "";
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace fs
