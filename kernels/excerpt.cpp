#include "excerpt.h"

namespace fs {
namespace {

using nlohmann::json;

constexpr int kJsonExcerptDepth = 4;  // deeper values show as [...] or {...}
constexpr char kHex[] = "0123456789abcdef";

// Appends bytes [begin, end) escaped, until `out` holds `limit` characters; returns how many
// bytes were taken.
size_t EscapeInto(const std::string& bytes, size_t begin, size_t end, size_t limit, std::string* out) {
  size_t i = begin;
  for (; i < end && out->size() < limit; ++i) {
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c >= 0x20 && c <= 0x7E) {
      out->push_back(static_cast<char>(c));
    } else {
      *out += "\\x";
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0xF]);
    }
  }
  return i - begin;
}

void AppendJson(const json& v, int depth, std::string* out) {
  if (out->size() > kExcerptChars) return;
  if (v.is_string()) {
    *out += Excerpt(v.get_ref<const std::string&>());
  } else if (v.is_array() || v.is_object()) {
    const bool array = v.is_array();
    out->push_back(array ? '[' : '{');
    if (depth >= kJsonExcerptDepth) {
      if (!v.empty()) *out += "...";
    } else {
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (out->size() > kExcerptChars) {
          *out += "...";
          break;
        }
        if (!first) out->push_back(',');  // separators as dump() writes them
        first = false;
        if (!array) *out += Excerpt(it.key()) + ":";
        AppendJson(*it, depth + 1, out);
      }
    }
    out->push_back(array ? ']' : '}');
  } else {
    *out += v.dump();  // a number, true, false or null: short, plain ASCII
  }
}

}  // namespace

std::string Excerpt(const std::string& bytes) {
  std::string out = "\"";
  const size_t taken = EscapeInto(bytes, 0, bytes.size(), kExcerptChars + 1, &out);
  out += "\"";
  if (taken < bytes.size()) out += "... (" + std::to_string(bytes.size()) + " bytes)";
  return out;
}

std::string ExcerptAround(const std::string& text, size_t at) {
  const size_t begin = at > kExcerptChars / 2 ? at - kExcerptChars / 2 : 0;
  std::string out = begin > 0 ? "... \"" : "\"";
  const size_t taken = EscapeInto(text, begin, text.size(), out.size() + kExcerptChars, &out);
  out += "\"";
  if (begin + taken < text.size()) out += " ...";
  return out;
}

std::string JsonExcerpt(const json& value) {
  std::string out;
  AppendJson(value, 0, &out);
  if (out.size() > 2 * kExcerptChars) {
    out.resize(2 * kExcerptChars);
    out += "...";
  }
  return out;
}

bool HasControlChars(const std::string& text) {
  for (const char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) return true;
  }
  return false;
}

size_t Utf8Length(const std::string& text) {
  size_t count = 0;
  for (const char ch : text) count += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
  return count;
}

}  // namespace fs
