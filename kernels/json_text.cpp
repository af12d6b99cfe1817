// nlohmann's own parser keeps its nesting on the heap, but then dump(), comparisons and
// copies of the value recurse; so the document is built here through the SAX interface,
// which also knows where in the document each value sits when something goes wrong.
#include "json_text.h"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "excerpt.h"

namespace fs {
namespace {

using nlohmann::json;

constexpr size_t kMaxReasonChars = 160;
constexpr size_t kMaxPathChars = 100;

// The library's reason without its prefix and without the "last read" token, which can be
// a megabyte of the file; printable ASCII only.
std::string Reason(const std::string& what) {
  size_t begin = what.find("column ");
  begin = begin == std::string::npos ? what.find("] ") : what.find(": ", begin);
  begin = begin == std::string::npos ? 0 : begin + 2;
  const size_t end = what.find("; last read", begin);
  std::string out;
  for (size_t i = begin; i < what.size() && i < end && out.size() < kMaxReasonChars; ++i) {
    const unsigned char c = static_cast<unsigned char>(what[i]);
    out.push_back(c >= 0x20 && c <= 0x7E ? static_cast<char>(c) : '?');
  }
  return out;
}

bool IsPlainKey(const std::string& key) {
  if (key.empty() || key.size() > 40) return false;
  for (const char c : key)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

bool IsNumberText(const std::string& token) {
  if (token.empty() || token.size() > 40) return false;
  for (const char c : token)
    if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E')) return false;
  return true;
}

// Builds the value like nlohmann's DOM parser, remembering the key or index of every open
// array and object so that an error can say where it is.
class BoundedBuilder {
 public:
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  explicit BoundedBuilder(const std::string& text) : text_(text) {}

  json& Root() { return root_; }
  const std::string& Error() const { return error_; }

  bool null() { return Put(json(nullptr)); }
  bool boolean(bool v) { return Put(json(v)); }
  bool number_integer(json::number_integer_t v) { return Put(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return Put(json(v)); }
  bool number_float(json::number_float_t v, const string_t&) { return Put(json(v)); }
  bool string(string_t& v) { return Put(json(std::move(v))); }
  bool binary(binary_t&) {
    error_ = "binary data is not JSON text";
    return false;
  }
  bool start_object(std::size_t) { return Open(json::object()); }
  bool start_array(std::size_t) { return Open(json::array()); }
  bool end_object() { return Close(); }
  bool end_array() { return Close(); }
  bool key(string_t& k) {
    open_.back().key = std::move(k);
    return true;
  }

  bool parse_error(std::size_t position, const std::string& last_token, const json::exception& ex) {
    if (ex.id == 406) {  // out_of_range.406: a number that overflows a double
      error_ = (open_.empty() ? std::string("the document") : "field \"" + PathText() + "\"") +
               " is " + (IsNumberText(last_token) ? last_token : Excerpt(last_token)) +
               ", too large for a number; allowed: numbers of magnitude below 1.8e308";
      return false;
    }
    size_t line = 1, column = 1;
    for (size_t i = 0; i < position && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    error_ = "not valid JSON at line " + std::to_string(line) + ", column " + std::to_string(column) +
             ": " + Reason(ex.what()) + ", near " + ExcerptAround(text_, position > 0 ? position - 1 : 0);
    return false;
  }

 private:
  struct OpenValue {
    json* value;
    std::string key;  // objects: the key whose value comes next
  };

  bool Put(json&& v) {
    Place(std::move(v));
    return true;
  }

  json* Place(json&& v) {
    if (open_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    json& parent = *open_.back().value;
    if (parent.is_array()) {
      parent.push_back(std::move(v));
      return &parent.back();
    }
    json& slot = parent[open_.back().key];
    slot = std::move(v);
    return &slot;
  }

  bool Open(json&& empty) {
    if (open_.size() >= static_cast<size_t>(kMaxJsonDepth)) {
      error_ = "nesting deeper than " + std::to_string(kMaxJsonDepth) + " levels at \"" + PathText() +
               "\"; allowed: at most " + std::to_string(kMaxJsonDepth) + " levels of [ ] and { }";
      return false;
    }
    json* value = Place(std::move(empty));
    open_.push_back({value, ""});
    return true;
  }

  bool Close() {
    open_.pop_back();
    return true;
  }

  // "beats[2].step": the place of the value being read now.
  std::string PathText() const {
    std::string out;
    for (size_t i = 0; i < open_.size() && out.size() < kMaxPathChars; ++i) {
      const json& v = *open_[i].value;
      if (v.is_array()) {
        // An open child is the array's last item; otherwise the next item is being read.
        const size_t index = i + 1 < open_.size() ? v.size() - 1 : v.size();
        out += "[" + std::to_string(index) + "]";
      } else {
        const std::string& key = open_[i].key;
        out += (out.empty() ? "" : ".") + (IsPlainKey(key) ? key : Excerpt(key));
      }
    }
    if (out.size() > kMaxPathChars) out = out.substr(0, kMaxPathChars) + "...";
    return out;
  }

  const std::string& text_;
  json root_;
  std::vector<OpenValue> open_;
  std::string error_;
};

}  // namespace

json ParseJsonText(const std::string& text, const std::string& where) {
  BoundedBuilder builder(text);
  const bool ok = json::sax_parse(text, &builder);
  if (!ok) {
    const std::string& error = builder.Error();
    throw JsonTextError(where + ": " + (error.empty() ? std::string("not valid JSON") : error));
  }
  return std::move(builder.Root());
}

std::string ReadJsonFile(const std::string& path, size_t max_bytes, const std::string& what) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) throw JsonTextError(path + ": cannot open " + what + ": it is a directory");
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw JsonTextError(path + ": cannot open " + what + " (" + (errno ? std::strerror(errno) : "unknown reason") + ")");
  std::string text(max_bytes + 1, '\0');
  in.read(&text[0], static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw JsonTextError(path + ": read error in " + what);
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > max_bytes)
    throw JsonTextError(path + ": " + what + " is larger than " + std::to_string(max_bytes) + " bytes, the most it may be");
  return text;
}

}  // namespace fs
