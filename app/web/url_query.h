// The web page's URL query (?lesson=causal&beat=2), read and written. Plain C++, so that the
// native tests check it too.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace fs {

struct Problem;

// The options the URL asks for. A lesson name that is not a plain name (letters, digits, '_'
// and '-') or a beat that is not a positive integer is left out, and `refused` says why. Every
// other key is a problem field, as lesson files write them (?n=200&d=64&causal=true&order=fa1&
// precision=paper-bf16): numbers and true or false become JSON numbers and booleans, the rest
// strings; they are checked where they are applied (ProblemFromJson), except the paths of
// .npy inputs, which a page cannot read from a link and are refused here.
struct UrlChoice {
  std::string lesson;  // "" for the default
  int beat = 0;        // from 1; 0: not given
  nlohmann::json problem = nlohmann::json::object();
  std::string refused;
};
UrlChoice ParseUrlQuery(const std::string& query);  // "?lesson=causal&beat=2"
// The query for a lesson file, a beat (from 0) and the problem shown, as the fields where it
// differs from the beat's own problem: "?lesson=causal&beat=3&n=512&precision=paper-bf16".
// ParseUrlQuery and ApplyUrlProblem on the beat's problem give the shown problem back. A problem
// of .npy files gets no fields (a link cannot carry the files).
std::string UrlQueryFor(const std::string& lesson_path, int beat, const Problem& beat_problem, const Problem& shown);
// The URL's problem fields applied to p: "" and p changed, or why they cannot be, with p as it was.
std::string ApplyUrlProblem(const nlohmann::json& fields, Problem* p);

}  // namespace fs
