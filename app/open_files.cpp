#include "open_files.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "bench.h"
#include "inputs.h"
#include "ladder_state.h"
#include "npy.h"
#include "problem.h"
#include "trace_file.h"

namespace fs {

std::string BaseName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

FileKind KindOfFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char start[8] = {};
  if (!in.read(start, sizeof start) && in.gcount() == 0) return FileKind::kUnknown;
  const size_t got = static_cast<size_t>(in.gcount());
  if (got >= sizeof kTraceMagic && std::memcmp(start, kTraceMagic, sizeof kTraceMagic) == 0) return FileKind::kTrace;
  if (got >= kNpyMagicBytes && std::memcmp(start, kNpyMagic, kNpyMagicBytes) == 0) return FileKind::kNpy;
  size_t first = 0;
  while (first < got && std::isspace(static_cast<unsigned char>(start[first]))) ++first;
  if (first == got || start[first] != '{') return FileKind::kUnknown;
  // A JSON object: a lesson has beats; anything else is read as a bench report, whose reader
  // says what it lacks.
  in.clear();
  in.seekg(0, std::ios::end);
  if (static_cast<size_t>(in.tellg()) > kMaxBenchReportBytes) return FileKind::kBenchReport;  // refused there, by size
  in.seekg(0);
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  return j.is_object() && j.contains("beats") ? FileKind::kLesson : FileKind::kBenchReport;
}

std::string NpyRoleOfName(const std::string& path) {
  std::string stem = Lower(BaseName(path));
  if (stem.size() > 4 && stem.compare(stem.size() - 4, 4, ".npy") == 0) stem.resize(stem.size() - 4);
  std::string role;
  size_t i = 0;
  while (i < stem.size()) {  // the words between anything not a letter or digit
    size_t j = i;
    while (j < stem.size() && std::isalnum(static_cast<unsigned char>(stem[j]))) ++j;
    const std::string word = stem.substr(i, j - i);
    std::string r;
    if (word == "q" || word == "query" || word == "queries") r = "q";
    if (word == "k" || word == "key" || word == "keys") r = "k";
    if (word == "v" || word == "value" || word == "values") r = "v";
    if (word == "do" || word == "dout" || word == "grad") r = "dout";
    if (!r.empty()) {
      if (!role.empty() && role != r) return "";  // two roles: none
      role = r;
    }
    i = j + 1;
  }
  return role;
}

bool OpenNpyInputs(AppState& s, const NpyChoice& files) {
  try {
    if (files.q.empty() || files.k.empty() || files.v.empty())
      throw ProblemError("Q, K and V each need a .npy file (dO may be left out)");
    const Inputs in = LoadQkvNpy(files.q, files.k, files.v);
    Problem p = s.edit;
    p.pattern = Pattern::kNpy;
    p.q_path = files.q;
    p.k_path = files.k;
    p.v_path = files.v;
    p.dout_path = files.dout;
    p.n = in.n;
    p.d = in.d;
    Validate(p);
    const std::string what = "Inputs from " + BaseName(files.q) + ", " + BaseName(files.k) + ", " +
                             BaseName(files.v) + (files.dout.empty() ? "" : ", dO " + BaseName(files.dout)) +
                             ": N=" + std::to_string(in.n) + ", d=" + std::to_string(in.d);
    RequestProblem(s, p, [what](AppState& s) { SetStatus(s, what, false); });
    return true;
  } catch (const std::exception& e) {
    SetStatus(s, std::string("Inputs not opened: ") + e.what(), true);
    return false;
  }
}

int OpenFiles(AppState& s, const std::vector<std::string>& paths) {
  int opened = 0;
  std::vector<std::string> npy;
  std::string unknown;
  for (const std::string& path : paths) {
    switch (KindOfFile(path)) {
      case FileKind::kTrace: opened += OpenTraceFile(s, path); break;
      case FileKind::kLesson: opened += OpenLesson(s, path); break;
      case FileKind::kBenchReport: opened += OpenBenchReport(s, path); break;
      case FileKind::kNpy: npy.push_back(path); break;
      case FileKind::kUnknown: {
        // By its name, what it was meant to be: that reader's message says what is wrong.
        const std::string name = Lower(BaseName(path));
        const auto named = [&name](const std::string& ext) {
          return name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0;
        };
        if (named(".npy"))
          npy.push_back(path);
        else if (named(".fstrace"))
          opened += OpenTraceFile(s, path);
        else if (named(".json"))
          opened += OpenBenchReport(s, path);
        else
          unknown += (unknown.empty() ? "" : ", ") + BaseName(path);
        break;
      }
    }
  }
  if (!npy.empty()) {
    NpyChoice guess;
    int named = 0;
    for (const std::string& path : npy) {
      const std::string role = NpyRoleOfName(path);
      std::string* slot = role == "q" ? &guess.q : role == "k" ? &guess.k : role == "v" ? &guess.v
                                      : role == "dout" ? &guess.dout : nullptr;
      if (slot != nullptr && slot->empty()) {
        *slot = path;
        ++named;
      }
    }
    if (named == static_cast<int>(npy.size()) && !guess.q.empty() && !guess.k.empty() && !guess.v.empty()) {
      opened += OpenNpyInputs(s, guess);
    } else {  // the dialog asks, with what the names said filled in
      s.dialogs.npy = guess;
      s.dialogs.npy_offered = npy;
      s.dialogs.open_npy = true;
      SetStatus(s, std::to_string(npy.size()) + " .npy file" + (npy.size() == 1 ? "" : "s") +
                       ": say which is Q, K and V (their names did not)", false);
      ++opened;
    }
  }
  if (!unknown.empty())
    SetStatus(s, "Not opened: " + unknown + " (FlashScope opens trace files from `flashscope trace`, .npy inputs, " +
                     "lessons and bench reports (.json))", true);
  return opened;
}

}  // namespace fs
