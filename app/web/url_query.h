// The web page's URL query (?lesson=causal&beat=2), read and written. Plain C++, so that the
// native tests check it too.
#pragma once

#include <string>

namespace fs {

// The options the URL asks for. A lesson name that is not a plain name (letters, digits, '_'
// and '-') or a beat that is not a positive integer is left out, and `refused` says why.
struct UrlChoice {
  std::string lesson;  // "" for the default
  int beat = 0;        // from 1; 0: not given
  std::string refused;
};
UrlChoice ParseUrlQuery(const std::string& query);  // "?lesson=causal&beat=2"
// The query for a lesson file and a beat (from 0): "?lesson=causal&beat=3".
std::string UrlQueryFor(const std::string& lesson_path, int beat);

}  // namespace fs
